import http from "node:http";
import type { AddressInfo } from "node:net";
import { FakeGateway } from "./discord-gateway.js";
import {
  autocompletePayload,
  buttonPayload,
  messageObject,
  slashCommandPayload,
  snowflake,
  user,
  type ApiMessage,
  type FakeUser,
  type InteractionPayload,
  type OptionInput,
  type Where,
} from "./discord-payloads.js";
import { parseBody, plainMessage, restError, type ParsedBody } from "./discord-wire.js";

export { plainMessage } from "./discord-wire.js";
export { user } from "./discord-payloads.js";

/**
 * A fake Discord on 127.0.0.1 (one port): REST under /api/v10 and the gateway (ws) on the same server.
 * Speaks what discord.js 14 sends: interaction callbacks (JSON or multipart with files), the interaction
 * webhook (edit/delete @original, follow-ups), command registration, DMs and channel messages.
 * Like Discord it refuses a first answer later than 3 s ("Unknown interaction", 10062) and a second
 * one ("already acknowledged", 40060). `rateLimitOnce()` answers a route once with 429 + retry_after.
 */

export interface RestCall {
  method: string;
  /** Path after /api/v10, percent-decoded (`/webhooks/1/tok/messages/@original`). */
  path: string;
  query: URLSearchParams;
  body: unknown;
  files: ParsedBody["files"];
  status: number;
  at: number;
}

export interface Callback {
  interactionId: string;
  type: number;
  data: Record<string, unknown> | undefined;
  files: ParsedBody["files"];
  via: "rest" | "http";
  /** ms since the interaction was created (dispatched). */
  after: number;
  status: number;
}

/** Something that became visible (or changed) in a chat. */
export interface Post {
  kind: "reply" | "deferred" | "edit" | "update" | "followup" | "channel" | "delete";
  message: ApiMessage;
  ephemeral: boolean;
  interactionId?: string;
  files: ParsedBody["files"];
  at: number;
  /** Plain text of the message: content, embed descriptions, "name: value" per field. */
  text: string;
}

interface InteractionState {
  payload: InteractionPayload;
  createdAt: number;
  acked: boolean;
  originalId?: string;
}

const EPHEMERAL = 64;
const LOADING = 128;
const API = "/api/v10";

export interface DiscordFake {
  url: string;
  /** What DISCORD_API_ROOT should be (`http://127.0.0.1:PORT/api`). */
  apiRoot: string;
  token: string;
  applicationId: string;
  bot: FakeUser;
  gateway: FakeGateway;
  calls: RestCall[];
  callbacks: Callback[];
  posts: Post[];
  /** Current state of every message by id. */
  messages: Map<string, ApiMessage>;
  /** Users whose DMs are closed: sending them a message gets 403 / 50007. */
  closedDms: Set<string>;
  slash(o: { name: string; options?: OptionInput[]; user: FakeUser } & Partial<Where>): InteractionPayload;
  button(o: { customId: string; message: ApiMessage; user: FakeUser } & Partial<Where>): InteractionPayload;
  autocomplete(o: { name: string; options: OptionInput[]; user: FakeUser } & Partial<Where>): InteractionPayload;
  /** Sends INTERACTION_CREATE over the gateway (registering the interaction's token). */
  dispatchInteraction(payload: InteractionPayload): void;
  /** Delivers an interaction to an HTTP interactions endpoint the way Discord does, signed by `sign`. */
  deliverHttp(
    endpoint: string,
    payload: unknown,
    o: { sign: (timestamp: string, body: string) => string; timestamp?: string; tamper?: (body: string) => string },
  ): Promise<{ status: number; body: unknown }>;
  rateLimitOnce(method: string, path: RegExp, retryAfterS?: number): void;
  failNext(method: string, path: RegExp, status: number, body: Record<string, unknown>): void;
  waitFor(pred: (p: Post) => boolean, timeoutMs?: number): Promise<Post>;
  waitForCallback(pred: (c: Callback) => boolean, timeoutMs?: number): Promise<Callback>;
  commandPuts(): RestCall[];
  close(): Promise<void>;
}

export const DEFAULT_GUILD = "290926798626357999";
export const DEFAULT_CHANNEL = "645027906669510667";

export async function startDiscordFake(opts: { token?: string; applicationId?: string } = {}): Promise<DiscordFake> {
  const token = opts.token ?? "MTA5ODc2NTQzMjEwOTg3NjU0Mw.fake.discord-bot-token-for-tests";
  const applicationId = opts.applicationId ?? "1098765432109876543";
  const bot = { ...user(applicationId, "Purser"), bot: true };
  const calls: RestCall[] = [];
  const callbacks: Callback[] = [];
  const posts: Post[] = [];
  const messages = new Map<string, ApiMessage>();
  const interactions = new Map<string, InteractionState>();
  const byToken = new Map<string, InteractionState>();
  const dmChannels = new Map<string, string>(); // channel id -> recipient user id
  const closedDms = new Set<string>();
  const scripted: Array<{ method: string; path: RegExp; status: number; body: Record<string, unknown>; headers?: Record<string, string> }> = [];
  const watchers = new Set<() => void>();
  // Waiters look after the current request is fully recorded (calls, posts, callbacks).
  const notify = () => void setImmediate(() => watchers.forEach((w) => w()));

  const record = (kind: Post["kind"], message: ApiMessage, files: ParsedBody["files"], interactionId?: string) => {
    const p: Post = { kind, message, ephemeral: (message.flags & EPHEMERAL) !== 0, files, at: Date.now(), text: plainMessage(message) };
    if (interactionId) p.interactionId = interactionId;
    posts.push(p);
    notify();
  };

  const newMessage = (st: InteractionState, body: Record<string, unknown>, files: ParsedBody["files"], flags: number) => {
    const p = st.payload as { channel_id: string; guild_id?: string };
    const m = messageObject({
      channelId: p.channel_id,
      author: bot,
      body,
      flags,
      appId: applicationId,
      attachments: files.map((f) => ({ filename: f.name, size: f.data.length })),
      ...(p.guild_id ? { guildId: p.guild_id } : {}),
    });
    messages.set(m.id, m);
    return m;
  };

  const editMessage = (m: ApiMessage, body: Record<string, unknown>, files: ParsedBody["files"]) => {
    for (const k of ["content", "embeds", "components"]) if (k in body) m[k] = body[k] ?? (k === "content" ? "" : []);
    if ("attachments" in body || files.length) {
      m.attachments = files.map((f) => ({ id: snowflake(), filename: f.name, size: f.data.length, url: `https://cdn.discordapp.invalid/${f.name}`, proxy_url: `https://media.discordapp.invalid/${f.name}` }));
    }
    m.flags &= ~LOADING;
    m.edited_timestamp = new Date().toISOString();
    return m;
  };

  const register = (payload: InteractionPayload) => {
    if (interactions.has(payload.id)) return interactions.get(payload.id)!;
    const st: InteractionState = { payload, createdAt: Date.now(), acked: false };
    interactions.set(payload.id, st);
    byToken.set(payload.token, st);
    return st;
  };

  /** Applies an interaction response (callback) the way Discord would; returns an error body or undefined. */
  const acknowledge = (st: InteractionState, type: number, data: Record<string, unknown> | undefined, files: ParsedBody["files"], via: "rest" | "http") => {
    const after = Date.now() - st.createdAt;
    const fail = st.acked ? restError(400, 40060, "Interaction has already been acknowledged.") : after > 3000 ? restError(404, 10062, "Unknown interaction") : undefined;
    callbacks.push({ interactionId: st.payload.id, type, data, files, via, after, status: fail?.status ?? 204 });
    if (fail) {
      notify();
      return fail;
    }
    st.acked = true;
    const flags = Number(data?.flags ?? 0) & EPHEMERAL;
    const component = (st.payload as { message?: ApiMessage }).message;
    if (type === 4) {
      const m = newMessage(st, data ?? {}, files, flags);
      st.originalId = m.id;
      record("reply", m, files, st.payload.id);
    } else if (type === 5) {
      const m = newMessage(st, {}, [], flags | LOADING);
      st.originalId = m.id;
      record("deferred", m, [], st.payload.id);
    } else if (type === 6 || type === 7) {
      const m = component ? (messages.get(component.id) ?? component) : undefined;
      if (m) {
        st.originalId = m.id;
        if (type === 7) record("update", editMessage(m, data ?? {}, files), files, st.payload.id);
      }
    }
    notify();
    return undefined;
  };

  const route = async (req: http.IncomingMessage, path: string, q: URLSearchParams, parsed: ParsedBody): Promise<{ status: number; body?: unknown }> => {
    const method = req.method ?? "GET";
    const auth = req.headers.authorization === `Bot ${token}`;
    const body = (parsed.json ?? {}) as Record<string, unknown>;
    let m: RegExpExecArray | null;
    if ((m = /^\/interactions\/(\d+)\/([^/]+)\/callback$/.exec(path)) && method === "POST") {
      const st = interactions.get(m[1]!);
      if (!st || st.payload.token !== m[2]) return restError(404, 10062, "Unknown interaction");
      const fail = acknowledge(st, Number(body.type), body.data as Record<string, unknown> | undefined, parsed.files, "rest");
      if (fail) return fail;
      if (q.get("with_response") === "true") {
        const msg = st.originalId ? messages.get(st.originalId) : undefined;
        return { status: 200, body: { interaction: { id: st.payload.id, type: st.payload.type }, resource: { type: body.type, ...(msg ? { message: msg } : {}) } } };
      }
      return { status: 204 };
    }
    if ((m = /^\/webhooks\/(\d+)\/([^/]+)(?:\/messages\/([^/]+))?$/.exec(path))) {
      const st = byToken.get(m[2]!);
      if (m[1] !== applicationId || !st) return restError(404, 10015, "Unknown Webhook");
      const target = m[3] === "@original" ? st.originalId : m[3];
      if (m[3] !== undefined) {
        const msg = target ? messages.get(target) : undefined;
        if (!msg || !st.acked) return restError(404, 10008, "Unknown Message");
        if (method === "PATCH") {
          record("edit", editMessage(msg, body, parsed.files), parsed.files, st.payload.id);
          return { status: 200, body: msg };
        }
        if (method === "DELETE") {
          messages.delete(msg.id);
          record("delete", msg, [], st.payload.id);
          return { status: 204 };
        }
        if (method === "GET") return { status: 200, body: msg };
      } else if (method === "POST") {
        if (!st.acked) return restError(404, 10015, "Unknown Webhook");
        const msg = newMessage(st, body, parsed.files, Number(body.flags ?? 0) & EPHEMERAL);
        record("followup", msg, parsed.files, st.payload.id);
        return q.get("wait") === "true" ? { status: 200, body: msg } : { status: 204 };
      }
      return restError(405, 0, "405: Method Not Allowed");
    }
    if (!auth) return restError(401, 0, "401: Unauthorized");
    if (path === "/gateway/bot" && method === "GET") {
      const ws = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
      return { status: 200, body: { url: ws, shards: 1, session_start_limit: { total: 1000, remaining: 999, reset_after: 0, max_concurrency: 1 } } };
    }
    if (path === "/users/@me" && method === "GET") return { status: 200, body: bot };
    if ((m = /^\/applications\/(\d+)(?:\/guilds\/(\d+))?\/commands$/.exec(path)) && method === "PUT") {
      if (m[1] !== applicationId) return restError(403, 50001, "Missing Access");
      if (!Array.isArray(parsed.json)) return restError(400, 50035, "Invalid Form Body");
      const out = (parsed.json as Array<Record<string, unknown>>).map((c) => ({ id: snowflake(), application_id: applicationId, version: snowflake(), ...(m![2] ? { guild_id: m![2] } : {}), ...c }));
      return { status: 200, body: out };
    }
    if (path === "/users/@me/channels" && method === "POST") {
      const rid = String(body.recipient_id ?? "");
      if (!/^\d+$/.test(rid)) return restError(400, 50035, "Invalid Form Body");
      const existing = [...dmChannels].find(([, u]) => u === rid)?.[0];
      const id = existing ?? snowflake();
      dmChannels.set(id, rid);
      return { status: 200, body: { id, type: 1, last_message_id: null, flags: 0, recipients: [user(rid, `user${rid}`)] } };
    }
    if ((m = /^\/channels\/(\d+)\/messages$/.exec(path)) && method === "POST") {
      const recipient = dmChannels.get(m[1]!);
      if (recipient && closedDms.has(recipient)) return restError(403, 50007, "Cannot send messages to this user");
      const msg = messageObject({ channelId: m[1]!, author: bot, body, attachments: parsed.files.map((f) => ({ filename: f.name, size: f.data.length })) });
      messages.set(msg.id, msg);
      record("channel", msg, parsed.files);
      return { status: 200, body: msg };
    }
    return restError(404, 0, "404: Not Found");
  };

  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? "/", "http://127.0.0.1");
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        const path = decodeURIComponent(u.pathname.startsWith(API) ? u.pathname.slice(API.length) : u.pathname);
        const parsed = await parseBody(req.headers["content-type"], Buffer.concat(chunks));
        const method = req.method ?? "GET";
        const idx = scripted.findIndex((s) => s.method === method && s.path.test(path));
        const answer = idx >= 0 ? scripted.splice(idx, 1)[0]! : await route(req, path, u.searchParams, parsed);
        calls.push({ method, path, query: u.searchParams, body: parsed.json, files: parsed.files, status: answer.status, at: Date.now() });
        const headers: Record<string, string> = { ...("headers" in answer && answer.headers ? answer.headers : {}) };
        if (answer.status === 204) res.writeHead(204, headers).end();
        else res.writeHead(answer.status, { "content-type": "application/json", ...headers }).end(JSON.stringify(answer.body ?? null));
        notify();
      })().catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ message: String(err), code: 0 }));
      });
    });
  });
  // Idle keep-alive sockets stay open for the test's life: on a busy machine a client reusing one just as a
  // 5 s server timeout closes it gets "fetch failed" (close() still ends idle sockets).
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const gateway = new FakeGateway(server, { token, appId: applicationId, bot, url: () => url.replace("http", "ws") });

  const where = (w: Partial<Where>): Where => ({ channelId: w.channelId ?? DEFAULT_CHANNEL, ...(w.guildId ? { guildId: w.guildId } : {}) });

  const waitUntil = <T>(find: () => T | undefined, timeoutMs: number, what: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const check = () => {
        const hit = find();
        if (hit === undefined) return;
        watchers.delete(check);
        clearTimeout(t);
        resolve(hit);
      };
      const t = setTimeout(() => {
        watchers.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; posts: ${JSON.stringify(posts.map((p) => [p.kind, p.text.slice(0, 80)]))}`));
      }, timeoutMs);
      watchers.add(check);
      check();
    });

  return {
    url,
    apiRoot: `${url}/api`,
    token,
    applicationId,
    bot,
    gateway,
    calls,
    callbacks,
    posts,
    messages,
    closedDms,
    slash: (o) => slashCommandPayload(applicationId, { ...o, ...where(o) }),
    button: (o) => buttonPayload(applicationId, { ...o, ...where(o) }),
    autocomplete: (o) => autocompletePayload(applicationId, { ...o, ...where(o) }),
    dispatchInteraction(payload) {
      const st = register(payload);
      if (!st.acked) st.createdAt = Date.now();
      if (gateway.dispatch("INTERACTION_CREATE", payload) === 0) throw new Error("no identified gateway session");
    },
    async deliverHttp(endpoint, payload, o) {
      const st = register(payload as InteractionPayload);
      const raw = JSON.stringify(payload);
      const timestamp = o.timestamp ?? String(Math.floor(Date.now() / 1000));
      const signature = o.sign(timestamp, raw);
      const res = await fetch(endpoint, {
        method: "POST",
        headers: { "content-type": "application/json", "x-signature-ed25519": signature, "x-signature-timestamp": timestamp, "user-agent": "Discord-Interactions/1.0 (+https://discord.com)" },
        body: o.tamper ? o.tamper(raw) : raw,
      });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        /* plain text */
      }
      if (res.status === 200 && body && typeof body === "object" && "type" in body && (body as { type: number }).type !== 1) {
        const b = body as { type: number; data?: Record<string, unknown> };
        acknowledge(st, b.type, b.data, [], "http");
      }
      return { status: res.status, body };
    },
    rateLimitOnce(method, path, retryAfterS = 1) {
      scripted.push({
        method,
        path,
        status: 429,
        body: { message: "You are being rate limited.", retry_after: retryAfterS, global: false },
        headers: { "retry-after": String(retryAfterS), "x-ratelimit-limit": "5", "x-ratelimit-remaining": "0", "x-ratelimit-reset-after": String(retryAfterS), "x-ratelimit-bucket": "fake-bucket", "x-ratelimit-scope": "user" },
      });
    },
    failNext(method, path, status, body) {
      scripted.push({ method, path, status, body });
    },
    waitFor: (pred, timeoutMs = 5000) => waitUntil(() => posts.find(pred), timeoutMs, "a matching post"),
    waitForCallback: (pred, timeoutMs = 5000) => waitUntil(() => callbacks.find(pred), timeoutMs, "a matching callback"),
    commandPuts: () => calls.filter((c) => c.method === "PUT" && /\/commands$/.test(c.path)),
    async close() {
      watchers.clear();
      await gateway.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
