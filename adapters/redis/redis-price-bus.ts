import type { Redis } from "ioredis";
import type { PriceTick } from "../../core/domain/price.js";
import type { PriceBus } from "../../core/ports/price-bus.port.js";

/**
 * Price ticks over Redis pub/sub so every process sees the poller's ticks. Subscribing needs its
 * own connection (a subscribed Redis connection cannot publish). Malformed messages are dropped.
 */
export class RedisPriceBus implements PriceBus {
  private readonly listeners = new Set<(ticks: readonly PriceTick[]) => void>();
  private subscribed: Promise<unknown> | undefined;

  constructor(
    private readonly pub: Redis,
    private readonly sub: Redis,
    private readonly channel = "purser:ticks",
    private readonly onError: (err: unknown) => void = () => {},
  ) {
    // (Re)subscribe whenever the subscriber connection becomes ready (first connect, or after an outage).
    sub.on("ready", () => {
      if (this.listeners.size) void this.ready().catch(this.onError);
    });
    sub.on("message", (ch: string, msg: string) => {
      if (ch !== this.channel) return;
      let ticks: PriceTick[];
      try {
        const parsed: unknown = JSON.parse(msg);
        if (!Array.isArray(parsed)) return;
        ticks = parsed.filter(isTick);
      } catch {
        return;
      }
      this.deliver(ticks);
    });
  }

  /** Resolves once the subscription is active (tests wait for it); retried after a failure. */
  ready(): Promise<unknown> {
    this.subscribed ??= this.whenConnected()
      .then(() => this.sub.subscribe(this.channel))
      .catch((err: unknown) => {
        this.subscribed = undefined;
        throw err;
      });
    return this.subscribed;
  }

  /** Subscribes only on a connection that is up (ioredis re-subscribes by itself after a reconnect). */
  private whenConnected(): Promise<void> {
    if (this.sub.status === "ready") return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (err?: Error) => {
        clearTimeout(t);
        this.sub.off("ready", onReady);
        if (err) reject(err);
        else resolve();
      };
      const onReady = () => done();
      const t = setTimeout(() => done(new Error("redis subscriber not connected")), 5000);
      t.unref?.();
      this.sub.on("ready", onReady);
    });
  }

  /** Through Redis to every process; while Redis is down, to this process's own listeners (degraded). */
  async publish(ticks: readonly PriceTick[]): Promise<void> {
    try {
      await this.pub.publish(this.channel, JSON.stringify(ticks));
    } catch (err) {
      this.onError(err);
      this.deliver([...ticks]);
    }
  }

  private deliver(ticks: PriceTick[]) {
    for (const l of this.listeners) {
      try {
        l(ticks);
      } catch (err) {
        this.onError(err);
      }
    }
  }

  subscribe(listener: (ticks: readonly PriceTick[]) => void): () => void {
    this.listeners.add(listener);
    void this.ready().catch(this.onError);
    return () => this.listeners.delete(listener);
  }
}

function isTick(x: unknown): x is PriceTick {
  const t = x as PriceTick;
  return !!t && typeof t.mint === "string" && typeof t.symbol === "string" && typeof t.usd === "number" && typeof t.at === "number";
}
