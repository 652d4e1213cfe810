import { MemoryPriceBus } from "../../adapters/memory/memory-bus.js";
import type { StreamAuth, StreamPrincipal } from "../../adapters/web/stream-auth.js";
import { StreamServer, type StreamOptions, type StreamTimers } from "../../adapters/web/stream.js";
import { HttpServer } from "../../bots/http.js";
import { STREAM_PATH } from "../../bots/web-stream.js";
import type { PriceTick } from "../../core/domain/price.js";
import { silentLogger } from "../../core/ports/logger.port.js";
import { Notifications } from "../../core/services/notifications.service.js";
import { FakeClock } from "./clock.js";
import { StreamClient } from "./stream-client.js";

export const ORIGIN = "http://127.0.0.1:8080";

/** Heartbeat and grace timers a test fires by hand (`every`: all at once, like a clock moving one period). */
export class ManualTimers implements StreamTimers {
  private readonly periodic = new Set<() => void>();
  every(_ms: number, fn: () => void): () => void {
    this.periodic.add(fn);
    return () => this.periodic.delete(fn);
  }
  private readonly pending = new Set<() => void>();
  after(_ms: number, fn: () => void): () => void {
    this.pending.add(fn);
    return () => this.pending.delete(fn);
  }
  /** Every one-shot timer set so far runs out (auth deadline, close grace). */
  expire(): void {
    const due = [...this.pending];
    this.pending.clear();
    for (const fn of due) fn();
  }
  /** One heartbeat period passes. */
  tick(): void {
    for (const fn of [...this.periodic]) fn();
  }
}

/**
 * The stream on a real HTTP server on a free loopback port, with the market's in-process price bus and
 * the real Notifications (its outbox a list): sessions and tokens are a test's maps.
 */
export async function streamWorld(opts: Partial<StreamOptions> = {}) {
  const sessions = new Map<string, StreamPrincipal>();
  const tokens = new Map<string, StreamPrincipal>();
  const auth: StreamAuth = {
    session: async (v) => sessions.get(v),
    token: async (t) => tokens.get(t),
  };
  const bus = new MemoryPriceBus();
  const outbox: unknown[] = [];
  const notifications = new Notifications({ log: silentLogger, clock: new FakeClock(), outbox: { enqueue: async (row) => outbox.push(row) > 0 } });
  type Closed = { userId: string | undefined; code: number; reason: string };
  const closes: Closed[] = [];
  const closeWaiters: Array<(c: Closed) => void> = [];
  const stream = new StreamServer({
    auth,
    prices: bus,
    events: notifications,
    log: silentLogger,
    origin: ORIGIN,
    onClose: (c) => {
      closes.push(c);
      for (const f of closeWaiters.splice(0)) f(c);
    },
    ...opts,
  });
  const http = new HttpServer(silentLogger);
  http.upgrade(STREAM_PATH, stream.upgrade, () => stream.stop());
  const port = await http.listen(0, "127.0.0.1");
  const url = `ws://127.0.0.1:${port}${STREAM_PATH}`;
  const opened: StreamClient[] = [];
  return {
    sessions,
    tokens,
    bus,
    notifications,
    outbox,
    stream,
    closes,
    url,
    /** The server's record of a connection of `userId` ending (waits for it). */
    serverClosed(userId: string): Promise<Closed> {
      const seen = closes.find((c) => c.userId === userId);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => {
        const wait = (c: Closed) => (c.userId === userId ? resolve(c) : closeWaiters.push(wait));
        closeWaiters.push(wait);
      });
    },
    /** A client with a token of `userId`, signed in (its `ready` received). */
    async user(userId: string, token = `pst_${userId}_${opened.length}`): Promise<StreamClient> {
      tokens.set(token, { userId, scope: "read" });
      const c = await StreamClient.open(url, { headers: { authorization: `Bearer ${token}` } });
      opened.push(c);
      await c.type("ready");
      return c;
    },
    async open(path = "", o: ConstructorParameters<typeof import("ws").WebSocket>[2] = {}): Promise<StreamClient> {
      const c = await StreamClient.open(url + path, o as never);
      opened.push(c);
      return c;
    },
    tick(symbol: string, usd: number, extra: Partial<PriceTick> = {}): Promise<void> {
      return bus.publish([{ symbol, mint: `mint-${symbol}`, usd, source: "test", at: Date.UTC(2026, 0, 1) + usd, ...extra }]);
    },
    async close(): Promise<void> {
      for (const c of opened) c.ws.terminate();
      await http.close();
    },
  };
}

export type StreamWorld = Awaited<ReturnType<typeof streamWorld>>;
