import http from "node:http";
import type { AddressInfo } from "node:net";
import twitterText from "twitter-text";

/** Fields X returns whether asked or not; the others only when named in tweet.fields. */
const DEFAULT_FIELDS = new Set(["id", "text", "edit_history_tweet_ids"]);

/**
 * A fake X (Twitter) API on 127.0.0.1 (real HTTP, port 0) for the real twitter-api-v2 client:
 *   GET  /2/users/me                                   the bot account
 *   GET  /2/users/:id/mentions                         newest first; since_id, start_time, max_results (5..100),
 *                                                      pagination_token, expansions=author_id (includes.users);
 *                                                      tweets carry id, text, edit_history_tweet_ids and only the
 *                                                      tweet.fields asked for (entities.mentions with code-point
 *                                                      offsets and user ids, referenced_tweets, ...), as X does
 *   POST /2/tweets                                     {text, reply: {in_reply_to_tweet_id}, media: {media_ids}}:
 *                                                      text over 280 weighted characters (twitter-text) is a 400
 *   POST /2/dm_conversations/with/:id/messages         {text} (at most 10,000 characters)
 *   POST /1.1/media/upload.json                        multipart INIT / APPEND / FINALIZE
 * Every answer carries x-rate-limit-limit/-remaining/-reset (epoch seconds) per endpoint, 15-minute windows.
 * `throttle()` scripts a 429 window that lasts until a reset time, as X does. A request without an
 * `Authorization: OAuth ...` header (its signature is not checked) is a 401.
 */

export interface XUser {
  id: string;
  username: string;
  name: string;
}

/** An X API v2 tweet object (ids are strings, as X sends them). */
export interface FakeTweet {
  id: string;
  text: string;
  author_id: string;
  conversation_id: string;
  created_at: string;
  edit_history_tweet_ids: string[];
  entities?: { mentions?: Array<{ start: number; end: number; username: string; id?: string }> };
  in_reply_to_user_id?: string;
  referenced_tweets?: Array<{ type: "replied_to" | "quoted" | "retweeted"; id: string }>;
}

export interface PostedTweet {
  id: string;
  text: string;
  inReplyTo?: string;
  mediaIds: string[];
  /** oauth_token of the client that posted it. */
  token: string;
  at: number;
}

export interface XRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  token: string;
  status: number;
  /** x-rate-limit-reset sent back (epoch seconds). */
  reset?: number;
  at: number;
}

export type XEndpoint = "me" | "mentions" | "tweets" | "dm" | "media";

export interface XFake {
  url: string;
  bot: XUser;
  requests: XRequest[];
  posted: PostedTweet[];
  dms: Array<{ participantId: string; text: string; at: number }>;
  media: Map<string, { bytes: number; received: number; finalized: boolean }>;
  /**
   * Adds a tweet by `from` (created now) with X's entities for its @handles; it is in the bot's
   * mentions when one of them is the bot. `inReplyTo`: a reply in that tweet's thread.
   */
  mention(from: Partial<XUser> & { username: string }, text: string, opts?: { inReplyTo?: string }): FakeTweet;
  /** Adds tweets exactly as given (a captured or documented page) and their authors. */
  seed(tweets: FakeTweet[], authors: XUser[]): void;
  /** Edits a tweet as X does: a new tweet id whose edit_history_tweet_ids starts with the original's. */
  edit(tweetId: string, text: string): FakeTweet;
  /** Every request to `endpoint` is a 429 until `resetAtMs` (x-rate-limit-reset = that time in seconds). */
  throttle(endpoint: XEndpoint, resetAtMs: number): void;
  /**
   * The next request to `endpoint` (whenever it comes) is a 429 that opens a window lasting `forMs`
   * from its arrival: later ones are 429s until then, x-rate-limit-reset = its end. Unlike
   * throttle(), the window does not pass unseen while the client is slow to make its first call.
   */
  throttleNext(endpoint: XEndpoint, forMs: number): void;
  /** The next request to `endpoint` uses the window's last call (remaining 0, reset at `resetAtMs`); later ones are 429s until then. */
  exhaust(endpoint: XEndpoint, resetAtMs: number): void;
  /** Mentions posted in reply to a tweet id (our replies are tweets too). */
  repliesTo(tweetId: string): PostedTweet[];
  waitFor(pred: (t: PostedTweet) => boolean, timeoutMs?: number): Promise<PostedTweet>;
  close(): Promise<void>;
}

const WINDOW_MS = 15 * 60_000;
const LIMITS: Record<XEndpoint, number> = { me: 75, mentions: 450, tweets: 100, dm: 200, media: 500 };

export async function startXFake(opts: { bot?: Partial<XUser> } = {}): Promise<XFake> {
  const bot: XUser = { id: "1000000000000000001", username: "PurserBot", name: "Purser", ...opts.bot };
  const users = new Map<string, XUser>([[bot.id, bot]]);
  const tweets: FakeTweet[] = [];
  const requests: XRequest[] = [];
  const posted: PostedTweet[] = [];
  const dms: XFake["dms"] = [];
  const media: XFake["media"] = new Map();
  const windows = new Map<XEndpoint, { start: number; used: number; throttledUntil: number }>();
  const waiters = new Set<{ pred: (t: PostedTweet) => boolean; resolve: (t: PostedTweet) => void }>();
  let nextId = 1800000000000000000n;
  let nextUser = 2000;
  const newId = () => String(nextId++);
  const userNamed = (username: string, id?: string, name?: string): XUser => {
    let user = [...users.values()].find((x) => x.username.toLowerCase() === username.toLowerCase());
    if (!user) users.set((user = { id: id ?? String(nextUser++), name: name ?? username, username }).id, user);
    return user;
  };
  /** X's entities.mentions: code-point offsets (twitter-text counts UTF-16 units), each with the user's id. */
  const entitiesOf = (text: string): Pick<FakeTweet, "entities"> => {
    const found = twitterText.extractMentionsWithIndices(text);
    twitterText.modifyIndicesFromUTF16ToUnicode(text, found);
    if (!found.length) return {};
    return {
      entities: {
        mentions: found.map((m) => ({ start: m.indices[0], end: m.indices[1], username: m.screenName, id: userNamed(m.screenName).id })),
      },
    };
  };

  const throttleNext = new Map<XEndpoint, number>();
  const rate = (ep: XEndpoint, now: number) => {
    let w = windows.get(ep);
    if (!w || now >= w.start + WINDOW_MS) windows.set(ep, (w = { start: now, used: 0, throttledUntil: w?.throttledUntil ?? 0 }));
    const forMs = throttleNext.get(ep);
    if (forMs !== undefined) {
      throttleNext.delete(ep);
      w.throttledUntil = now + forMs;
    }
    const throttled = now < w.throttledUntil;
    if (!throttled) w.used++;
    const reset = throttled ? w.throttledUntil : w.start + WINDOW_MS;
    const remaining = throttled ? 0 : Math.max(0, LIMITS[ep] - w.used);
    const headers = {
      "x-rate-limit-limit": String(LIMITS[ep]),
      "x-rate-limit-remaining": String(remaining),
      "x-rate-limit-reset": String(Math.ceil(reset / 1000)),
    };
    return { throttled: throttled || w.used > LIMITS[ep], headers };
  };

  const record = (t: PostedTweet) => {
    posted.push(t);
    for (const w of waiters) if (w.pred(t)) (waiters.delete(w), w.resolve(t));
  };

  const mentionsPage = (userId: string, q: URLSearchParams) => {
    if (userId !== bot.id) return { status: 403, body: { title: "Forbidden", detail: "only the bot's own mentions" } };
    const max = Number(q.get("max_results") ?? 10);
    if (!Number.isInteger(max) || max < 5 || max > 100) return { status: 400, body: { title: "Invalid Request", detail: "max_results must be 5..100" } };
    const since = q.get("since_id");
    const start = q.get("start_time");
    const token = q.get("pagination_token");
    const edited = new Set(tweets.flatMap((t) => t.edit_history_tweet_ids.slice(0, -1)));
    let list = tweets
      .filter((t) => !edited.has(t.id) && t.entities?.mentions?.some((m) => m.id === bot.id))
      .sort((a, b) => (BigInt(b.id) > BigInt(a.id) ? 1 : -1));
    if (since) list = list.filter((t) => BigInt(t.id) > BigInt(since));
    if (start) list = list.filter((t) => t.created_at >= new Date(start).toISOString());
    if (token) list = list.filter((t) => BigInt(t.id) < BigInt(token.slice(1)));
    const page = list.slice(0, max);
    const meta: Record<string, unknown> = { result_count: page.length };
    if (page.length) Object.assign(meta, { newest_id: page[0]!.id, oldest_id: page[page.length - 1]!.id });
    if (list.length > max) meta.next_token = `p${page[page.length - 1]!.id}`;
    const authors = [...new Set(page.map((t) => t.author_id))].map((id) => users.get(id)!);
    const body: Record<string, unknown> = { meta };
    const fields = new Set([...DEFAULT_FIELDS, ...(q.get("tweet.fields")?.split(",") ?? [])]);
    if (page.length) body.data = page.map((t) => Object.fromEntries(Object.entries(t).filter(([k]) => fields.has(k))));
    if (page.length && q.get("expansions")?.split(",").includes("author_id")) body.includes = { users: authors };
    return { status: 200, body };
  };

  const route = async (req: http.IncomingMessage, path: string, q: URLSearchParams, token: string): Promise<{ status: number; body?: unknown }> => {
    const m = req.method ?? "GET";
    if (m === "GET" && path === "/2/users/me") return { status: 200, body: { data: bot } };
    const mentions = /^\/2\/users\/(\d+)\/mentions$/.exec(path);
    if (m === "GET" && mentions) return mentionsPage(mentions[1]!, q);
    const raw = await readBody(req);
    if (m === "POST" && path === "/2/tweets") {
      const b = JSON.parse(raw.toString() || "{}") as { text?: string; reply?: { in_reply_to_tweet_id?: string }; media?: { media_ids?: string[] } };
      const text = b.text ?? "";
      const mediaIds = b.media?.media_ids ?? [];
      if (!text && !mediaIds.length) return { status: 400, body: { title: "Invalid Request", detail: "text or media required" } };
      if (text && twitterText.parseTweet(text).weightedLength > 280) {
        return { status: 400, body: { title: "Invalid Request", detail: "Your Tweet text is too long." } };
      }
      const parent = b.reply?.in_reply_to_tweet_id;
      const parentTweet = parent ? tweets.find((t) => t.id === parent) : undefined;
      if (parent && !parentTweet) return { status: 400, body: { title: "Invalid Request", detail: "in_reply_to_tweet_id not found" } };
      if (mediaIds.some((id) => !media.get(id)?.finalized)) return { status: 400, body: { title: "Invalid Request", detail: "media not finalized" } };
      const id = newId();
      tweets.push({
        id,
        text,
        author_id: bot.id,
        conversation_id: parentTweet?.conversation_id ?? id,
        created_at: new Date().toISOString(),
        edit_history_tweet_ids: [id],
        ...entitiesOf(text),
        ...(parentTweet ? { in_reply_to_user_id: parentTweet.author_id, referenced_tweets: [{ type: "replied_to" as const, id: parentTweet.id }] } : {}),
      });
      record({ id, text, ...(parent ? { inReplyTo: parent } : {}), mediaIds, token, at: Date.now() });
      return { status: 201, body: { data: { id, text, edit_history_tweet_ids: [id] } } };
    }
    const dm = /^\/2\/dm_conversations\/with\/(\d+)\/messages$/.exec(path);
    if (m === "POST" && dm) {
      const b = JSON.parse(raw.toString() || "{}") as { text?: string };
      if (!b.text || [...b.text].length > 10_000) return { status: 400, body: { title: "Invalid Request", detail: "text must be 1..10000 characters" } };
      dms.push({ participantId: dm[1]!, text: b.text, at: Date.now() });
      return { status: 201, body: { data: { dm_conversation_id: `${bot.id}-${dm[1]}`, dm_event_id: newId() } } };
    }
    if (m === "POST" && path === "/1.1/media/upload.json") return mediaUpload(req, raw);
    return { status: 404, body: { title: "Not Found Error", detail: `${m} ${path}` } };
  };

  const mediaUpload = (req: http.IncomingMessage, raw: Buffer): { status: number; body?: unknown } => {
    const boundary = /boundary=([^;]+)/.exec(req.headers["content-type"] ?? "")?.[1];
    if (!boundary) return { status: 400, body: { errors: [{ code: 38, message: "multipart/form-data expected" }] } };
    const f = parseMultipart(raw, boundary);
    const cmd = f.get("command")?.toString();
    if (cmd === "INIT") {
      const id = newId();
      const total = Number(f.get("total_bytes")?.toString());
      if (!(total > 0) || f.get("media_type")?.toString() !== "image/png") return { status: 400, body: { errors: [{ code: 38, message: "bad INIT" }] } };
      media.set(id, { bytes: total, received: 0, finalized: false });
      return { status: 202, body: { media_id: Number(id), media_id_string: id, expires_after_secs: 86400 } };
    }
    const item = media.get(f.get("media_id")?.toString() ?? "");
    if (!item) return { status: 400, body: { errors: [{ code: 324, message: "unknown media_id" }] } };
    if (cmd === "APPEND") {
      item.received += f.get("media")?.length ?? 0;
      return { status: 204 };
    }
    if (cmd === "FINALIZE") {
      if (item.received !== item.bytes) return { status: 400, body: { errors: [{ code: 324, message: "size mismatch" }] } };
      item.finalized = true;
      const id = f.get("media_id")!.toString();
      return { status: 201, body: { media_id: Number(id), media_id_string: id, size: item.bytes, image: { image_type: "image/png" } } };
    }
    return { status: 400, body: { errors: [{ code: 38, message: "unknown command" }] } };
  };

  const endpointOf = (path: string): XEndpoint =>
    path === "/2/users/me" ? "me" : path.endsWith("/mentions") ? "mentions" : path === "/2/tweets" ? "tweets" : path.startsWith("/1.1/media") ? "media" : "dm";

  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? "/", "http://127.0.0.1");
    const auth = String(req.headers.authorization ?? "");
    const token = /oauth_token="([^"]*)"/.exec(auth)?.[1] ?? "";
    const rec: XRequest = { method: req.method ?? "GET", path: u.pathname, query: u.searchParams, token: decodeURIComponent(token), status: 0, at: Date.now() };
    requests.push(rec);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      rec.status = status;
      if (headers["x-rate-limit-reset"]) rec.reset = Number(headers["x-rate-limit-reset"]);
      if (status === 204) return void res.writeHead(204, headers).end();
      res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers }).end(JSON.stringify(body));
    };
    if (!/^OAuth .*oauth_consumer_key=.*oauth_signature=/.test(auth)) {
      return send(401, { title: "Unauthorized", type: "about:blank", status: 401, detail: "Unauthorized" });
    }
    const limit = rate(endpointOf(u.pathname), Date.now());
    if (limit.throttled) return send(429, { title: "Too Many Requests", detail: "Too Many Requests", status: 429 }, limit.headers);
    route(req, u.pathname, u.searchParams, rec.token).then(
      (a) => send(a.status, a.body, limit.headers),
      (err: unknown) => send(500, { title: "Internal", detail: String(err) }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    bot,
    requests,
    posted,
    dms,
    media,
    mention(from, text, o = {}) {
      const user = userNamed(from.username, from.id, from.name);
      const parent = o.inReplyTo ? tweets.find((t) => t.id === o.inReplyTo) : undefined;
      const id = newId();
      const t: FakeTweet = {
        id,
        text,
        author_id: user.id,
        conversation_id: parent?.conversation_id ?? id,
        created_at: new Date().toISOString(),
        edit_history_tweet_ids: [id],
        ...entitiesOf(text),
        ...(parent ? { in_reply_to_user_id: parent.author_id, referenced_tweets: [{ type: "replied_to" as const, id: parent.id }] } : {}),
      };
      tweets.push(t);
      return t;
    },
    seed(list, authors) {
      for (const a of authors) users.set(a.id, a);
      tweets.push(...list);
    },
    edit(tweetId, text) {
      const old = tweets.find((t) => t.id === tweetId);
      if (!old) throw new Error(`no tweet ${tweetId}`);
      const id = newId();
      const { entities: _before, ...rest } = old;
      const t: FakeTweet = { ...rest, id, text, edit_history_tweet_ids: [...old.edit_history_tweet_ids, id], ...entitiesOf(text) };
      tweets.push(t);
      return t;
    },
    throttle(endpoint, resetAtMs) {
      const now = Date.now();
      const w = windows.get(endpoint) ?? { start: now, used: 0, throttledUntil: 0 };
      w.throttledUntil = resetAtMs;
      windows.set(endpoint, w);
    },
    throttleNext(endpoint, forMs) {
      throttleNext.set(endpoint, forMs);
    },
    exhaust(endpoint, resetAtMs) {
      windows.set(endpoint, { start: resetAtMs - WINDOW_MS, used: LIMITS[endpoint] - 1, throttledUntil: 0 });
    },
    repliesTo: (tweetId) => posted.filter((p) => p.inReplyTo === tweetId),
    waitFor(pred, timeoutMs = 30_000) { // a bound for a loaded machine: the wait ends on the post
      const hit = posted.find(pred);
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const w = {
          pred,
          resolve: (t: PostedTweet) => {
            clearTimeout(timer);
            resolve(t);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(w);
          reject(new Error(`no matching tweet within ${timeoutMs} ms; posted: ${JSON.stringify(posted.map((p) => p.text))}`));
        }, timeoutMs);
        waiters.add(w);
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        waiters.clear();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** Minimal multipart/form-data parser: field name -> raw bytes. */
function parseMultipart(body: Buffer, boundary: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const delim = Buffer.from(`--${boundary}`);
  let pos = body.indexOf(delim);
  while (pos !== -1) {
    const start = pos + delim.length;
    if (body.subarray(start, start + 2).toString() === "--") break;
    const next = body.indexOf(delim, start);
    if (next === -1) break;
    const part = body.subarray(start + 2, next - 2); // skip CRLF after the delimiter and before the next
    const headEnd = part.indexOf("\r\n\r\n");
    const head = part.subarray(0, headEnd).toString();
    const name = /name="([^"]+)"/.exec(head)?.[1];
    if (name) out.set(name, part.subarray(headEnd + 4));
    pos = next;
  }
  return out;
}
