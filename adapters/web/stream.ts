import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocket, WebSocketServer, type RawData } from "ws";
import type { PriceTick } from "../../core/domain/price.js";
import type { Logger } from "../../core/ports/logger.port.js";
import type { PushEvent } from "../../core/services/notifications.service.js";
import { originAllowed, presented, refuse, SESSION_COOKIE, type StreamAuth, type StreamPrincipal } from "./stream-auth.js";
import { frame, normalSymbol, parseClientMessage, priceFrame, streamEvent, type ClientMessage } from "./stream-protocol.js";

/** Timers the stream runs on: real ones by default; tests pass a fake clock to drive heartbeats. */
export interface StreamTimers {
  every(ms: number, fn: () => void): () => void;
  after(ms: number, fn: () => void): () => void;
}

export const realTimers: StreamTimers = {
  every(ms, fn) {
    const t = setInterval(fn, ms);
    t.unref();
    return () => clearInterval(t);
  },
  after(ms, fn) {
    const t = setTimeout(fn, ms);
    t.unref();
    return () => clearTimeout(t);
  },
};

export interface StreamOptions {
  auth: StreamAuth;
  /** Price ticks (the market's bus). */
  prices: { subscribe(listener: (ticks: readonly PriceTick[]) => void): () => void };
  /** Every push told to a user (Notifications.listen): each goes to that user's connections only. */
  events: { listen(listener: (userId: string, e: PushEvent) => void): () => void };
  /** The same events told by other processes, already in wire form (Redis, when Purser runs in tiers). */
  remoteEvents?: { subscribe(listener: (userId: string, event: Record<string, unknown>) => void): () => void };
  log: Logger;
  /** The dashboard's origin (WEB_BASE_URL): the only one a cookie session may connect from. */
  origin: string;
  cookieName?: string;
  explorerTx?: (signature: string) => string;
  /** A ping every this often; a connection that sent nothing for two pings is closed (default 20 s). */
  heartbeatMs?: number;
  /** Time to send `{type:"auth"}` after a `?auth=message` upgrade (default 5 s). */
  authTimeoutMs?: number;
  /** A connection with more than this waiting to be sent is closed with 1013, not buffered further (1 MiB). */
  maxBufferedBytes?: number;
  /** Open connections per user (default 8): one more is refused with 429 (4429 after an `auth` message). */
  maxPerUser?: number;
  /** Symbols one connection may subscribe to (default 100). */
  maxSubscriptions?: number;
  /** After a close frame, how long a peer has to answer before its socket is destroyed (default 5 s). */
  closeGraceMs?: number;
  timers?: StreamTimers;
  /** A connection ended (after it was accepted): metrics and tests. */
  onClose?: (c: { userId: string | undefined; code: number; reason: string }) => void;
}

interface Client {
  ws: WebSocket;
  userId: string | undefined;
  /** The credential checked again at each heartbeat: false once it was revoked. */
  verify: (() => Promise<boolean>) | undefined;
  prices: Set<string>;
  /** Heard from since the last ping. */
  heard: boolean;
  missed: number;
  closing: boolean;
  cancelAuth: (() => void) | undefined;
  authing: boolean;
}

const PING = frame({ type: "ping" });
/** Symbols whose last tick is kept for a new subscriber; the rest are forgotten first-in first-out. */
const MAX_LAST_TICKS = 10_000;

/**
 * `/api/v1/stream`: a WebSocket server (ws, noServer) on the HTTP server's upgrade hook. Price ticks
 * are serialized once per tick and the same bytes written to every subscriber; a user's own events
 * (the pushes Notifications tells) go to that user's connections only. A connection that cannot keep
 * up (over maxBufferedBytes waiting) is closed with 1013 instead of being buffered for.
 */
export class StreamServer {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024, perMessageDeflate: false, clientTracking: false });
  private readonly all = new Set<Client>();
  private readonly bySymbol = new Map<string, Set<Client>>();
  private readonly byUser = new Map<string, Set<Client>>();
  private readonly lastTick = new Map<string, Buffer>();
  private readonly stops: Array<() => void> = [];
  private readonly t: StreamTimers;
  private readonly maxBuffered: number;
  private readonly maxPerUser: number;
  private closed = false;
  /** Connections closed for being too slow, since start. */
  dropped = 0;

  constructor(private readonly o: StreamOptions) {
    this.t = o.timers ?? realTimers;
    this.maxBuffered = o.maxBufferedBytes ?? 1 << 20;
    this.maxPerUser = o.maxPerUser ?? 8;
    this.stops.push(
      o.prices.subscribe((ticks) => this.onTicks(ticks)),
      o.events.listen((userId, e) => this.onEvent(userId, e)),
      o.remoteEvents?.subscribe((userId, event) => this.toUser(userId, () => frame({ type: "event", event }))) ?? (() => undefined),
      this.t.every(o.heartbeatMs ?? 20_000, () => this.heartbeat()),
    );
  }

  /** Open connections, and how many are authenticated. */
  stats(): { connections: number; users: number; symbols: number } {
    return { connections: this.all.size, users: this.byUser.size, symbols: this.bySymbol.size };
  }

  /** The HTTP server's upgrade hook for the stream's path. */
  readonly upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    this.admit(req, socket, head).catch((err: unknown) => {
      this.o.log.error({ err }, "stream upgrade failed");
      refuse(socket, 500);
    });
  };

  private async admit(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    if (this.closed) return refuse(socket, 503);
    const cred = presented(req, this.o.cookieName ?? SESSION_COOKIE);
    if (!cred) return refuse(socket, 401, { "WWW-Authenticate": 'Bearer realm="purser"' });
    if (cred.kind === "cookie" && !originAllowed(cred.origin, this.o.origin)) return refuse(socket, 403);
    let who: StreamPrincipal | undefined;
    let verify: (() => Promise<boolean>) | undefined;
    if (cred.kind !== "message") {
      const check = cred.kind === "bearer" ? () => this.o.auth.token(cred.token) : () => this.o.auth.session(cred.value);
      who = await check();
      if (!who) return refuse(socket, 401, { "WWW-Authenticate": 'Bearer realm="purser"' });
      const userId = who.userId;
      verify = async () => (await check())?.userId === userId;
      if (this.countOf(userId) >= this.maxPerUser) return refuse(socket, 429);
    }
    if (this.closed) return refuse(socket, 503);
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, who, verify));
  }

  private accept(ws: WebSocket, who: StreamPrincipal | undefined, verify: (() => Promise<boolean>) | undefined): void {
    const c: Client = { ws, userId: undefined, verify, prices: new Set(), heard: true, missed: 0, closing: false, cancelAuth: undefined, authing: false };
    this.all.add(c);
    ws.on("message", (data, isBinary) => this.onMessage(c, data, isBinary));
    ws.on("pong", () => (c.heard = true));
    ws.on("error", (err) => this.o.log.debug({ err }, "stream socket error"));
    ws.once("close", (code, reason) => this.forget(c, code, reason.toString()));
    if (this.closed) return this.close(c, 1001, "server shutting down");
    if (who) this.signIn(c, who, verify);
    else c.cancelAuth = this.t.after(this.o.authTimeoutMs ?? 5000, () => c.userId === undefined && this.close(c, 4401, "auth required"));
  }

  private signIn(c: Client, who: StreamPrincipal, verify: (() => Promise<boolean>) | undefined): void {
    c.cancelAuth?.();
    // Counted again here: two upgrades of one user may both have passed the check before either was accepted.
    if (this.countOf(who.userId) >= this.maxPerUser) return this.close(c, 4429, "too many connections");
    c.userId = who.userId;
    c.verify = verify;
    let mine = this.byUser.get(who.userId);
    if (!mine) this.byUser.set(who.userId, (mine = new Set()));
    mine.add(c);
    this.send(c, frame({ type: "ready", userId: who.userId }));
  }

  private countOf(userId: string): number {
    return this.byUser.get(userId)?.size ?? 0;
  }

  private onMessage(c: Client, data: RawData, isBinary: boolean): void {
    c.heard = true;
    if (c.closing) return;
    if (isBinary) return this.send(c, frame({ type: "error", error: "bad_message", message: "text frames only" }));
    const parsed = parseClientMessage(data.toString());
    if (!parsed.ok) return this.send(c, frame({ type: "error", error: "bad_message", message: parsed.message }));
    const msg = parsed.msg;
    if (msg.type === "pong") return;
    if (msg.type === "auth") return void this.authMessage(c, msg.token);
    if (c.userId === undefined) return this.send(c, frame({ type: "error", error: "unauthenticated", message: 'send {"type":"auth","token":...} first' }));
    this.subscription(c, msg);
  }

  private async authMessage(c: Client, token: string): Promise<void> {
    if (c.userId !== undefined || c.authing) return this.send(c, frame({ type: "error", error: "bad_message", message: "already authenticated" }));
    c.authing = true;
    try {
      const check = () => this.o.auth.token(token);
      const who = await check();
      if (c.closing) return;
      if (!who) return this.close(c, 4401, "bad token");
      this.signIn(c, who, async () => (await check())?.userId === who.userId);
    } catch (err) {
      this.o.log.warn({ err }, "stream auth lookup failed");
      this.close(c, 1011, "auth unavailable");
    } finally {
      c.authing = false;
    }
  }

  private subscription(c: Client, msg: Extract<ClientMessage, { type: "subscribe" | "unsubscribe" }>): void {
    const symbols = [...new Set(msg.prices.map(normalSymbol))];
    const added: string[] = [];
    if (msg.type === "subscribe") {
      const max = this.o.maxSubscriptions ?? 100;
      for (const s of symbols) {
        if (c.prices.has(s)) continue;
        if (c.prices.size >= max) {
          this.send(c, frame({ type: "error", error: "too_many_subscriptions", message: `at most ${max} symbols per connection` }));
          break;
        }
        c.prices.add(s);
        let subs = this.bySymbol.get(s);
        if (!subs) this.bySymbol.set(s, (subs = new Set()));
        subs.add(c);
        added.push(s);
      }
    } else {
      for (const s of symbols) if (c.prices.delete(s)) this.unindex(s, c);
    }
    this.send(c, frame({ type: "subscribed", prices: [...c.prices] }));
    // The last known price of each new symbol at once: a dashboard need not wait for the next tick.
    for (const s of added) {
      const last = this.lastTick.get(s);
      if (last) this.send(c, last);
    }
  }

  private unindex(symbol: string, c: Client): void {
    const subs = this.bySymbol.get(symbol);
    if (!subs) return;
    subs.delete(c);
    if (!subs.size) this.bySymbol.delete(symbol);
  }

  private onTicks(ticks: readonly PriceTick[]): void {
    // A batch may carry several ticks of one symbol: only the latest is worth sending.
    const latest = new Map<string, PriceTick>();
    for (const t of ticks) {
      const s = normalSymbol(t.symbol);
      const seen = latest.get(s);
      if (!seen || t.at >= seen.at) latest.set(s, t);
    }
    for (const [s, t] of latest) {
      const f = priceFrame(t);
      if (!this.lastTick.has(s) && this.lastTick.size >= MAX_LAST_TICKS) this.lastTick.delete(this.lastTick.keys().next().value!);
      this.lastTick.set(s, f);
      const subs = this.bySymbol.get(s);
      if (subs) for (const c of subs) this.send(c, f);
    }
  }

  private onEvent(userId: string, e: PushEvent): void {
    this.toUser(userId, () => {
      const ev = streamEvent(e, this.o.explorerTx);
      return ev ? frame({ type: "event", event: ev }) : undefined;
    });
  }

  /** One frame to every connection of a user (serialized once, and only when the user is connected). */
  private toUser(userId: string, make: () => Buffer | undefined): void {
    const mine = this.byUser.get(userId);
    if (!mine?.size) return;
    const f = make();
    if (f) for (const c of mine) this.send(c, f);
  }

  /** Writes a frame, or closes a connection that already has more than the cap waiting (1013). */
  private send(c: Client, f: Buffer): void {
    if (c.closing || c.ws.readyState !== WebSocket.OPEN) return;
    if (c.ws.bufferedAmount + f.length > this.maxBuffered) {
      this.dropped++;
      this.o.log.warn({ user: c.userId, buffered: c.ws.bufferedAmount }, "stream client too slow: closed");
      return this.close(c, 1013, "too slow");
    }
    c.ws.send(f, { binary: false });
  }

  private heartbeat(): void {
    for (const c of this.all) {
      if (c.closing) continue;
      c.missed = c.heard ? 0 : c.missed + 1;
      c.heard = false;
      if (c.missed >= 2) {
        this.close(c, 4408, "heartbeat missed");
        continue;
      }
      this.send(c, PING);
      const verify = c.verify;
      if (verify) {
        verify().then(
          (ok) => void (!ok && this.close(c, 4401, "signed out")),
          (err: unknown) => this.o.log.warn({ err }, "stream credential re-check failed: kept open"),
        );
      }
    }
  }

  /**
   * Closes one connection: it leaves every fan-out at once (nothing more is queued for it), a close
   * frame is sent, and the socket is destroyed if the peer has not answered within the grace time.
   */
  private close(c: Client, code: number, reason: string): void {
    if (c.closing) return;
    c.closing = true;
    this.unlink(c);
    c.ws.close(code, reason);
    const cancel = this.t.after(this.o.closeGraceMs ?? 5000, () => c.ws.terminate());
    c.ws.once("close", cancel);
  }

  private unlink(c: Client): void {
    c.cancelAuth?.();
    for (const s of c.prices) this.unindex(s, c);
    if (c.userId !== undefined) {
      const mine = this.byUser.get(c.userId);
      mine?.delete(c);
      if (mine && !mine.size) this.byUser.delete(c.userId);
    }
  }

  private forget(c: Client, code: number, reason: string): void {
    this.unlink(c);
    this.all.delete(c);
    this.o.onClose?.({ userId: c.userId, code, reason });
  }

  /**
   * Shutdown: no new connections, every open one told 1001 and given the grace time to close, then
   * destroyed; the price and event taps are removed.
   */
  async stop(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.stops) s();
    const open = [...this.all];
    const gone = open.map((c) => new Promise<void>((resolve) => (c.ws.readyState === WebSocket.CLOSED ? resolve() : c.ws.once("close", () => resolve()))));
    for (const c of open) this.close(c, 1001, "server shutting down");
    await Promise.all(gone);
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
