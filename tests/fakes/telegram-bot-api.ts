// A fake Telegram Bot API server on 127.0.0.1 for end-to-end tests driven by
// the real grammY client (`new Bot(fake.token, { client: { apiRoot: fake.apiRoot } })`).
// It speaks the wire protocol (JSON, urlencoded and multipart bodies, long
// polling, webhook delivery), validates like Telegram and enforces rate limits
// with real 429s. Validation: telegram-bot-api.validate.ts; limits:
// telegram-bot-api.limits.ts; methods: telegram-bot-api.methods.ts.

import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Update, UserFromGetMe } from "grammy/types";
import { parseParams, readBody, writeJson } from "./telegram-bot-api.http.js";
import {
  DEFAULT_LIMITS,
  SlidingWindowLimiter,
  countPerSecond,
  maxInWindow,
  type RateLimitHit,
  type RateLimits,
} from "./telegram-bot-api.limits.js";
import { callMethod, canonicalMethod, intOf } from "./telegram-bot-api.methods.js";
import {
  buildCallback,
  buildMessage,
  deliverWebhook,
  type CallbackUpdateOptions,
  type MessageUpdateOptions,
  type UpdateInput,
} from "./telegram-bot-api.updates.js";
import {
  FakeBotState,
  fail,
  ok,
  type ApiCall,
  type CallbackAnswer,
  type FailSpec,
  type Reply,
  type SentMessage,
  type WebhookConfig,
} from "./telegram-bot-api.state.js";

export type { CallbackUpdateOptions, MessageUpdateOptions, UpdateInput };
export type { ApiCall, CallbackAnswer, FailSpec, RateLimitHit, RateLimits, SentMessage, WebhookConfig };
export { DEFAULT_LIMITS };
export { RATE_LIMITED_METHODS } from "./telegram-bot-api.methods.js";

export const FAKE_TOKEN = "123456:TEST-token-abcdefghijklmnopqrstuvwxyz";

/**
 * Fault injection around API calls (getUpdates excepted). `before` runs before Telegram processes a
 * call (nothing delivered yet) and may answer it with a failure instead; `after` runs once it has
 * been processed (the message is in the chat) and before the answer is written. The request waits for
 * either. If the client goes away meanwhile (its process was killed), nothing is answered, and in
 * `before` nothing is delivered either.
 */
export interface Gate {
  before?: (call: ApiCall) => FailSpec | void | Promise<FailSpec | void>;
  after?: (call: ApiCall) => void | Promise<void>;
}

export interface TelegramFakeOptions {
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Token the fake accepts; others get 401 Unauthorized. Default FAKE_TOKEN. */
  token?: string;
  /** Bot username returned by getMe. Default "PurserBot". */
  botUsername?: string;
  botFirstName?: string;
  /** Rate limits (partial overrides of DEFAULT_LIMITS), or false to switch them off. */
  limits?: Partial<RateLimits> | false;
  /** Reject a bare "&" in HTML (Telegram itself tolerates it). Default true. */
  strictAmpersand?: boolean;
  /** Delay before answering each non-getUpdates request, in ms. Default 0. */
  latencyMs?: number;
  /** deliverWebhook rejects when the webhook has not answered by then. Default 10000. */
  webhookTimeoutMs?: number;
  /** Clock in epoch ms for rate windows, dates and records. Default Date.now. */
  now?: () => number;
}

export interface TelegramFake {
  readonly apiRoot: string;
  readonly token: string;
  readonly port: number;
  /** What getMe answers; pass as `botInfo` to skip getMe. */
  readonly botInfo: UserFromGetMe;
  /** Accepted message-sending calls, in order (see RATE_LIMITED_METHODS). */
  readonly sent: readonly SentMessage[];
  /** Every request, in arrival order; status/ok/description filled when answered. */
  readonly calls: readonly ApiCall[];
  readonly callbackAnswers: readonly CallbackAnswer[];
  /** Resolves when no client holds a connection and no request is being handled (a killed client's sends are all counted). */
  quiet(): Promise<void>;
  /** Every 429 the fake answered. */
  readonly tooManyRequests: readonly RateLimitHit[];
  /** The webhook set with setWebhook, or null. */
  readonly webhook: WebhookConfig | null;
  pushUpdate(update: UpdateInput): Update;
  message(opts: MessageUpdateOptions): Update;
  callback(opts: CallbackUpdateOptions): Update;
  /** Updates queued and not yet confirmed through getUpdates' offset. */
  pendingUpdates(): Update[];
  deliverWebhook(url: string, update: UpdateInput, secretToken?: string): Promise<number>;
  /** Delivers every pending update to the webhook set with setWebhook; returns statuses. */
  flushWebhook(): Promise<number[]>;
  redeliver(update: Update, target?: { url: string; secretToken?: string }): Promise<number | null>;
  block(chatId: number | string): void;
  unblock(chatId: number | string): void;
  neverStarted(userId: number): void;
  failNext(method: string, error: FailSpec): void;
  /** Requests to `method` get no answer (Telegram unreachable mid-request) until release(method). */
  hold(method: string): void;
  /** Answers the held requests of `method` (those whose client is still waiting) and stops holding. */
  release(method: string): void;
  /** Installs (or with null removes) a Gate around every later API call. */
  setGate(gate: Gate | null): void;
  setLimits(limits: Partial<RateLimits> | false): void;
  waitFor(predicate: (m: SentMessage) => boolean, timeoutMs?: number): Promise<SentMessage>;
  waitForCall(predicate: (c: ApiCall) => boolean, timeoutMs?: number): Promise<ApiCall>;
  /** Largest number of accepted sends inside any window of windowMs (default 1000). */
  maxSendsInWindow(windowMs?: number, filter?: (m: SentMessage) => boolean): number;
  sendsPerSecond(filter?: (m: SentMessage) => boolean): Array<{ second: number; count: number }>;
  reset(): void;
  close(): Promise<void>;
}

interface Poller {
  wake(): void;
  conflict(): void;
  end(): void;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

class TelegramFakeServer implements TelegramFake {
  readonly state: FakeBotState;
  readonly botInfo: UserFromGetMe;
  private readonly pollers = new Set<Poller>();
  private readonly callListeners = new Set<(c: ApiCall) => void>();
  private readonly held = new Map<string, Array<() => void>>();
  private closed = false;
  private gate: Gate | null = null;
  port = 0;

  constructor(
    private readonly server: http.Server,
    readonly token: string,
    private readonly opts: TelegramFakeOptions,
  ) {
    const botId = Number(token.split(":")[0]) || 123456;
    this.botInfo = {
      id: botId,
      is_bot: true,
      first_name: opts.botFirstName ?? "Purser",
      username: opts.botUsername ?? "PurserBot",
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
      can_connect_to_business: false,
      has_main_web_app: false,
    } as UserFromGetMe;
    this.state = new FakeBotState(
      {
        botInfo: this.botInfo,
        now: opts.now ?? Date.now,
        strictAmpersand: opts.strictAmpersand ?? true,
        webhookTimeoutMs: opts.webhookTimeoutMs ?? 10_000,
      },
      new SlidingWindowLimiter(resolveLimits(opts.limits)),
    );
    server.on("request", (req, res) => {
      this.inflight++;
      void this.handle(req, res).finally(() => {
        this.inflight--;
        this.settle();
      });
    });
    server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.once("close", () => {
        this.sockets.delete(socket);
        this.settle();
      });
    });
  }

  private inflight = 0;
  private readonly sockets = new Set<import("node:net").Socket>();
  private quietWaiters: Array<() => void> = [];
  private settle(): void {
    if (this.inflight === 0 && this.sockets.size === 0) for (const f of this.quietWaiters.splice(0)) f();
  }
  /**
   * Resolves once no client holds a connection and no request is being handled: after a client process
   * was killed, everything it had already written to its sockets has been read and counted (or dropped
   * with the connection), so `sent` is final for it.
   */
  quiet(): Promise<void> {
    return new Promise((resolve) => {
      this.quietWaiters.push(resolve);
      this.settle();
    });
  }

  get apiRoot(): string { return `http://127.0.0.1:${this.port}`; }
  get sent(): readonly SentMessage[] { return this.state.sent; }
  get calls(): readonly ApiCall[] { return this.state.calls; }
  get callbackAnswers(): readonly CallbackAnswer[] { return this.state.callbackAnswers; }
  get tooManyRequests(): readonly RateLimitHit[] { return this.state.tooManyRequests; }
  get webhook(): WebhookConfig | null { return this.state.webhook; }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const route = /^\/bot([^/]+)\/([^/]+)$/.exec(url.pathname);
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch {
      return;
    }
    if (!route || (req.method !== "POST" && req.method !== "GET")) {
      writeJson(res, 404, fail(404, "Not Found").body);
      return;
    }
    const token = decodeURIComponent(route[1] as string);
    const rawMethod = decodeURIComponent(route[2] as string);
    const method = canonicalMethod(rawMethod) ?? rawMethod;
    let parsed;
    try {
      parsed = parseParams(url, req.headers["content-type"], body);
    } catch {
      writeJson(res, 400, fail(400, "Bad Request: can't parse request body").body);
      return;
    }
    const files = Object.fromEntries(
      Object.entries(parsed.files).map(([k, { data: _data, ...meta }]) => [k, meta]),
    );
    const call: ApiCall = { method, token, params: parsed.params, files, time: this.state.now };
    this.state.calls.push(call);
    const answer = (reply: Reply): void => {
      call.status = reply.status;
      call.ok = reply.body.ok;
      if (!reply.body.ok) call.description = reply.body.description;
      writeJson(res, reply.status, reply.body);
      for (const listener of [...this.callListeners]) listener(call);
    };
    if (token !== this.token) {
      answer(/^\d+:[\w-]+$/.test(token) ? fail(401, "Unauthorized") : fail(404, "Not Found"));
      return;
    }
    if (method === "getUpdates") {
      this.getUpdates(parsed.params, res, answer);
      return;
    }
    const holding = this.held.get(method);
    if (holding) await new Promise<void>((resolve) => holding.push(resolve));
    const gate = this.gate;
    if (gate) return this.gated(gate, call, res, answer, () => callMethod(this.state, method, parsed.params, parsed.files));
    if (this.opts.latencyMs) await sleep(this.opts.latencyMs);
    answer(callMethod(this.state, method, parsed.params, parsed.files));
  }

  private async gated(gate: Gate, call: ApiCall, res: http.ServerResponse, answer: (r: Reply) => void, run: () => Reply): Promise<void> {
    let gone = false;
    res.once("close", () => (gone = true));
    const injected = await gate.before?.(call);
    if (gone) return; // the client went away while held: nothing delivered, nothing answered
    if (injected) return answer(fail(injected.error_code, injected.description, injected.parameters));
    if (this.opts.latencyMs) await sleep(this.opts.latencyMs);
    const reply = run();
    await gate.after?.(call);
    if (!gone) answer(reply);
  }

  /** Long polling: answers at once when updates are pending, else holds the request. */
  private getUpdates(params: Record<string, unknown>, res: http.ServerResponse, answer: (r: Reply) => void): void {
    const injected = this.state.takeFailure("getUpdates");
    if (injected) return answer(fail(injected.error_code, injected.description, injected.parameters));
    if (this.state.webhook) {
      return answer(fail(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"));
    }
    for (const p of [...this.pollers]) p.conflict();
    const offset = intOf(params.offset) ?? 0;
    const limit = Math.min(100, Math.max(1, intOf(params.limit) ?? 100));
    const timeout = Math.max(0, intOf(params.timeout) ?? 0);
    const updates = this.state.takeUpdates(offset, limit);
    if (updates.length > 0 || timeout === 0 || this.closed) return answer(ok(updates));
    let timer: NodeJS.Timeout | undefined;
    const poller: Poller = {
      wake: () => {
        if (!this.state.hasPendingFor(offset)) return;
        finish(ok(this.state.takeUpdates(offset, limit)));
      },
      conflict: () => finish(fail(409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running")),
      end: () => finish(ok([])),
    };
    const finish = (reply: Reply | null): void => {
      if (!this.pollers.delete(poller)) return;
      clearTimeout(timer);
      if (reply) answer(reply);
    };
    this.pollers.add(poller);
    timer = setTimeout(() => finish(ok(this.state.takeUpdates(offset, limit))), timeout * 1000);
    // The client went away (grammY aborts its request on bot.stop()).
    res.on("close", () => finish(null));
  }

  pushUpdate(update: UpdateInput): Update {
    const full = this.state.push(update);
    for (const p of [...this.pollers]) p.wake();
    return full;
  }

  message(o: MessageUpdateOptions): Update {
    return this.pushUpdate(buildMessage(this.state, o));
  }

  callback(o: CallbackUpdateOptions): Update {
    return this.pushUpdate(buildCallback(this.state, o));
  }

  pendingUpdates(): Update[] {
    return [...this.state.updates];
  }

  deliverWebhook(url: string, update: UpdateInput, secretToken?: string): Promise<number> {
    return deliverWebhook(this.state, url, update, secretToken);
  }

  async flushWebhook(): Promise<number[]> {
    const hook = this.state.webhook;
    if (!hook) throw new Error("no webhook set");
    const statuses: number[] = [];
    const failed: Update[] = [];
    for (const update of [...this.state.updates]) {
      const status = await this.deliverWebhook(hook.url, update, hook.secret_token);
      if (status < 200 || status >= 300) failed.push(update); // Telegram retries these later
      statuses.push(status);
    }
    this.state.updates.unshift(...failed);
    return statuses;
  }

  async redeliver(update: Update, target?: { url: string; secretToken?: string }): Promise<number | null> {
    const hook = target ?? (this.state.webhook ? { url: this.state.webhook.url, secretToken: this.state.webhook.secret_token } : null);
    if (hook) return this.deliverWebhook(hook.url, update, hook.secretToken);
    if (update.callback_query) this.state.openCallbackQueries.add(update.callback_query.id);
    this.state.redelivered.push(update);
    for (const p of [...this.pollers]) p.wake();
    return null;
  }

  block(chatId: number | string): void { this.state.blocked.add(String(chatId)); }
  unblock(chatId: number | string): void { this.state.blocked.delete(String(chatId)); }
  neverStarted(userId: number): void { this.state.neverStarted.add(String(userId)); }

  failNext(method: string, error: FailSpec): void {
    const name = canonicalMethod(method) ?? method;
    const queue = this.state.failures.get(name) ?? [];
    queue.push({ ...error });
    this.state.failures.set(name, queue);
  }

  hold(method: string): void {
    const name = canonicalMethod(method) ?? method;
    if (!this.held.has(name)) this.held.set(name, []);
  }

  release(method: string): void {
    const name = canonicalMethod(method) ?? method;
    const waiting = this.held.get(name) ?? [];
    this.held.delete(name);
    for (const go of waiting) go();
  }

  setGate(gate: Gate | null): void {
    this.gate = gate;
  }

  setLimits(limits: Partial<RateLimits> | false): void {
    this.state.limiter.configure(resolveLimits(limits));
  }

  waitFor(predicate: (m: SentMessage) => boolean, timeoutMs = 5000): Promise<SentMessage> {
    const found = this.state.sent.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const stop = this.state.onSent((m) => {
        if (!predicate(m)) return;
        stop();
        clearTimeout(timer);
        resolve(m);
      });
      const timer = setTimeout(() => {
        stop();
        const seen = this.state.sent.map((m) => `${m.method}(${m.chat_id}): ${m.text ?? m.caption ?? ""}`);
        reject(new Error(`no matching message within ${timeoutMs} ms; sent so far:\n${seen.join("\n") || "(nothing)"}`));
      }, timeoutMs);
    });
  }

  waitForCall(predicate: (c: ApiCall) => boolean, timeoutMs = 5000): Promise<ApiCall> {
    const found = this.state.calls.find((c) => c.status !== undefined && predicate(c));
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const listener = (c: ApiCall): void => {
        if (!predicate(c)) return;
        this.callListeners.delete(listener);
        clearTimeout(timer);
        resolve(c);
      };
      this.callListeners.add(listener);
      const timer = setTimeout(() => {
        this.callListeners.delete(listener);
        reject(new Error(`no matching API call within ${timeoutMs} ms`));
      }, timeoutMs);
    });
  }

  maxSendsInWindow(windowMs = 1000, filter?: (m: SentMessage) => boolean): number {
    return maxInWindow(this.state.sent.filter(filter ?? (() => true)).map((m) => m.time), windowMs);
  }

  sendsPerSecond(filter?: (m: SentMessage) => boolean): Array<{ second: number; count: number }> {
    return countPerSecond(this.state.sent.filter(filter ?? (() => true)).map((m) => m.time));
  }

  reset(): void {
    this.state.reset();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const p of [...this.pollers]) p.end();
    for (const m of [...this.held.keys()]) this.release(m);
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

function resolveLimits(limits: Partial<RateLimits> | false | undefined): RateLimits | null {
  return limits === false ? null : { ...DEFAULT_LIMITS, ...(limits ?? {}) };
}

/** Starts the fake on 127.0.0.1 (port 0 by default). Close it with `fake.close()`. */
export async function startTelegramFake(opts: TelegramFakeOptions = {}): Promise<TelegramFake> {
  const server = http.createServer({ keepAliveTimeout: 5000 });
  const fake = new TelegramFakeServer(server, opts.token ?? FAKE_TOKEN, opts);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  fake.port = (server.address() as AddressInfo).port;
  return fake;
}
