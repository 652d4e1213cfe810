import http from "node:http";
import { ApiRequestError, ApiResponseError, TwitterApi, type TwitterApiv2 } from "twitter-api-v2";

/** OAuth 1.0a user context of the bot account (app key/secret + the account's access token/secret). */
export interface XCredentials {
  appKey: string;
  appSecret: string;
  accessToken: string;
  accessSecret: string;
}

export interface XUser {
  id: string;
  username: string;
}

/** An @mention inside a tweet, as X marks it (`entities.mentions`): code-point offsets, end exclusive. */
export interface XMention {
  start: number;
  end: number;
  username: string;
  /** The mentioned account's id (absent when X could not resolve the handle). */
  id?: string;
}

export interface XTweet {
  id: string;
  text: string;
  authorId: string;
  conversationId?: string;
  createdAt?: string;
  inReplyToUserId?: string;
  /** Every @handle X recognised in the text; undefined when the response carried no entities. */
  mentions?: XMention[];
  /** `referenced_tweets`: what this tweet replies to, quotes or retweets. */
  referenced?: Array<{ type: "replied_to" | "quoted" | "retweeted"; id: string }>;
  /** The first id of `edit_history_tweet_ids`: every version of an edited tweet shares it. */
  originalId?: string;
}

/** Rate state from x-rate-limit-* headers; resetAt is epoch ms. */
export interface XRate {
  remaining?: number;
  resetAt?: number;
}

export interface MentionsPage {
  tweets: XTweet[];
  users: Map<string, XUser>;
  nextToken?: string;
  rate: XRate;
}

/** A failed X call, stripped of the request (its Authorization header never reaches a log). */
export class XApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly rate: XRate,
  ) {
    super(message);
    this.name = "XApiError";
  }
  get rateLimited(): boolean {
    return this.status === 429;
  }
  /** 429, 5xx and network failures can succeed later; 4xx cannot. */
  get retryable(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

const toRate = (r: { remaining?: number; reset?: number } | undefined): XRate => {
  const out: XRate = {};
  if (r && Number.isFinite(r.remaining)) out.remaining = r.remaining!;
  if (r && Number.isFinite(r.reset) && r.reset! > 0) out.resetAt = r.reset! * 1000;
  return out;
};

function wrap(err: unknown, what: string): XApiError {
  if (err instanceof XApiError) return err;
  if (err instanceof ApiResponseError) {
    const d = err.data as { detail?: unknown; title?: unknown; errors?: Array<{ message?: unknown }> } | undefined;
    const detail = String(d?.detail ?? d?.title ?? d?.errors?.[0]?.message ?? "").slice(0, 200);
    return new XApiError(`${what}: HTTP ${err.code}${detail ? ` ${detail}` : ""}`, err.code, toRate(err.rateLimit));
  }
  // A connection that is reset can leave requestError unset (twitter-api-v2 1.29).
  if (err instanceof ApiRequestError) return new XApiError(`${what}: ${err.requestError?.message ?? err.message}`, 0, {});
  return new XApiError(`${what}: ${err instanceof Error ? err.message : String(err)}`, 0, {});
}

/**
 * What Purser reads of a mention: who wrote it, its thread, whom it replies to, the handles X marked in
 * it (to tell a question to Purser from a reply chain that only carries its handle along), what it
 * references (retweets are not answered) and its edit history (an edited tweet is one tweet).
 */
const TWEET_FIELDS = "author_id,conversation_id,created_at,in_reply_to_user_id,entities,referenced_tweets,edit_history_tweet_ids";

interface ApiTweet {
  id: string;
  text: string;
  author_id?: string;
  conversation_id?: string;
  created_at?: string;
  in_reply_to_user_id?: string;
  entities?: { mentions?: Array<{ start?: unknown; end?: unknown; username?: unknown; id?: unknown }> };
  referenced_tweets?: Array<{ type?: unknown; id?: unknown }>;
  edit_history_tweet_ids?: unknown[];
}

const REFERENCE_TYPES = new Set(["replied_to", "quoted", "retweeted"]);

/** The API's tweet object as an XTweet; malformed entity rows are dropped, never trusted. */
export function toXTweet(t: ApiTweet): XTweet {
  const out: XTweet = { id: t.id, text: t.text, authorId: t.author_id ?? "" };
  if (t.conversation_id) out.conversationId = t.conversation_id;
  if (t.created_at) out.createdAt = t.created_at;
  if (t.in_reply_to_user_id) out.inReplyToUserId = t.in_reply_to_user_id;
  if (Array.isArray(t.entities?.mentions)) {
    out.mentions = t.entities.mentions.flatMap((m) =>
      typeof m.start === "number" && typeof m.end === "number" && typeof m.username === "string"
        ? [{ start: m.start, end: m.end, username: m.username, ...(typeof m.id === "string" ? { id: m.id } : {}) }]
        : [],
    );
  }
  if (t.referenced_tweets) {
    out.referenced = t.referenced_tweets.flatMap((r) =>
      typeof r.type === "string" && REFERENCE_TYPES.has(r.type) && typeof r.id === "string"
        ? [{ type: r.type as "replied_to" | "quoted" | "retweeted", id: r.id }]
        : [],
    );
  }
  const first = t.edit_history_tweet_ids?.[0];
  if (typeof first === "string" && first !== t.id) out.originalId = first;
  return out;
}

/**
 * The few X calls Purser makes, on twitter-api-v2 with OAuth 1.0a user context. Every URL is built
 * from the configured root: v2 on `{root}/2/` (a kept v2 object with the protected setPrefix, as
 * other sub-clients reset to the public prefix) and media upload on `{root}/1.1/media/upload.json`.
 */
export class XClient {
  private readonly v2: TwitterApiv2;
  private readonly root: string;

  constructor(root: string, creds: XCredentials, private readonly timeoutMs = 15_000) {
    this.root = root.replace(/\/+$/, "");
    const settings = this.root.startsWith("http://") ? { httpAgent: new http.Agent({ keepAlive: true }) } : {};
    const client = new TwitterApi(
      { appKey: creds.appKey, appSecret: creds.appSecret, accessToken: creds.accessToken, accessSecret: creds.accessSecret },
      settings,
    );
    this.v2 = client.v2;
    (this.v2 as unknown as { setPrefix(p: string): void }).setPrefix(`${this.root}/2/`);
  }

  private opts<T extends object>(extra?: T) {
    return { fullResponse: true as const, timeout: this.timeoutMs, enableRateLimitSave: false, ...(extra ?? {}) };
  }

  async me(): Promise<XUser> {
    try {
      const r = await this.v2.get<{ data: { id: string; username: string } }>("users/me", {}, this.opts());
      return { id: r.data.data.id, username: r.data.data.username };
    } catch (err) {
      throw wrap(err, "GET users/me");
    }
  }

  /** One page of mentions, newest first (X's order). */
  async mentions(userId: string, q: { sinceId?: string; startTime?: string; paginationToken?: string; maxResults: number }): Promise<MentionsPage> {
    const query: Record<string, string> = {
      max_results: String(q.maxResults),
      expansions: "author_id",
      "tweet.fields": TWEET_FIELDS,
      "user.fields": "username",
    };
    if (q.sinceId) query.since_id = q.sinceId;
    else if (q.startTime) query.start_time = q.startTime;
    if (q.paginationToken) query.pagination_token = q.paginationToken;
    try {
      const r = await this.v2.get<{
        data?: ApiTweet[];
        includes?: { users?: Array<{ id: string; username: string }> };
        meta?: { next_token?: string };
      }>(`users/${encodeURIComponent(userId)}/mentions`, query, this.opts());
      const body = r.data;
      const users = new Map((body.includes?.users ?? []).map((u) => [u.id, { id: u.id, username: u.username }]));
      const tweets: XTweet[] = (body.data ?? []).map(toXTweet);
      const page: MentionsPage = { tweets, users, rate: toRate(r.rateLimit) };
      if (body.meta?.next_token) page.nextToken = body.meta.next_token;
      return page;
    } catch (err) {
      throw wrap(err, "GET mentions");
    }
  }

  /** A reply in the thread of `inReplyTo`. */
  async reply(text: string, inReplyTo: string, mediaIds: string[] = []): Promise<{ id: string; rate: XRate }> {
    const body: Record<string, unknown> = { text, reply: { in_reply_to_tweet_id: inReplyTo } };
    if (mediaIds.length) body.media = { media_ids: mediaIds };
    try {
      const r = await this.v2.post<{ data: { id: string } }>("tweets", body, this.opts());
      return { id: r.data.data.id, rate: toRate(r.rateLimit) };
    } catch (err) {
      throw wrap(err, "POST tweets");
    }
  }

  async sendDm(participantId: string, text: string): Promise<{ id: string }> {
    try {
      const r = await this.v2.post<{ data: { dm_event_id: string } }>(
        `dm_conversations/with/${encodeURIComponent(participantId)}/messages`,
        { text },
        this.opts(),
      );
      return { id: r.data.data.dm_event_id };
    } catch (err) {
      throw wrap(err, "POST dm");
    }
  }

  /** v1.1 chunked upload (INIT, APPEND per MiB, FINALIZE) of a PNG; returns the media id. */
  async uploadPng(png: Uint8Array): Promise<string> {
    const o = this.opts({ prefix: `${this.root}/1.1/`, forceBodyMode: "form-data" as const });
    const path = "media/upload.json";
    try {
      const init = await this.v2.post<{ media_id_string: string }>(
        path,
        { command: "INIT", total_bytes: png.length, media_type: "image/png", media_category: "tweet_image" },
        o,
      );
      const id = init.data.media_id_string;
      const buf = Buffer.from(png);
      const chunk = 1024 * 1024;
      for (let i = 0, seg = 0; i < buf.length; i += chunk, seg++) {
        await this.v2.post(path, { command: "APPEND", media_id: id, segment_index: seg, media: buf.subarray(i, i + chunk) }, o);
      }
      const fin = await this.v2.post<{ media_id_string: string }>(path, { command: "FINALIZE", media_id: id }, o);
      return fin.data.media_id_string ?? id;
    } catch (err) {
      throw wrap(err, "POST media/upload");
    }
  }
}
