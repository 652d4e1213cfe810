import { Redis } from "ioredis";
import type { Logger } from "../../core/ports/logger.port.js";

/**
 * A Redis connection that degrades instead of crashing: commands fail at once while Redis is down
 * (callers fall back), it reconnects with back-off, and state changes are logged once each.
 */
export function createRedis(url: string, log: Logger, name = "main", opts: { subscriber?: boolean } = {}): Redis {
  const r = new Redis(url, {
    // A subscriber connection sends nothing but (P)SUBSCRIBE: no INFO ready check and no CLIENT
    // SETNAME, which would fail ("only subscriber commands may be used") if they crossed a
    // (re)subscription on the wire and leave the connection unusable.
    ...(opts.subscriber ? { enableReadyCheck: false } : { connectionName: `purser-${name}` }),
    lazyConnect: false,
    maxRetriesPerRequest: 1,
    // Fail fast while disconnected: callers fall back (cache miss, local limiter, database lease).
    enableOfflineQueue: false,
    commandTimeout: 1500,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(200 * 2 ** Math.min(times, 5), 5000),
  });
  let down = false;
  r.on("error", (err: Error) => {
    if (!down) log.warn({ err: err.message, name }, "redis unavailable: degrading to single-process behaviour");
    down = true;
  });
  r.on("ready", () => {
    if (down) log.info({ name }, "redis back");
    down = false;
  });
  return r;
}

/** Waits (bounded) for the first connection; Purser starts degraded when Redis is not there yet. */
export async function redisReady(r: Redis, timeoutMs = 3000): Promise<boolean> {
  if (r.status === "ready") return true;
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(t);
      r.off("ready", onReady);
      resolve(ok);
    };
    const onReady = () => done(true);
    const t = setTimeout(() => done(false), timeoutMs);
    r.on("ready", onReady);
  });
}
