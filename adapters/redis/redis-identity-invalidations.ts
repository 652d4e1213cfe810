import type { Redis } from "ioredis";
import type { IdentityInvalidations } from "../../core/ports/identity.port.js";

/**
 * Identity cache invalidations over Redis pub/sub, so a /link or a role change made in one process
 * is seen by the next message in every other. Pub/sub is at-most-once (a message published while a
 * subscriber reconnects is lost), which is why the identity cache keeps a safety-net TTL when this
 * bus is in use. Malformed messages are dropped. Shares the subscriber connection of the price bus.
 */
export class RedisIdentityInvalidations implements IdentityInvalidations {
  private readonly listeners = new Set<(userIds: readonly string[]) => void>();
  private subscribed: Promise<unknown> | undefined;

  constructor(
    private readonly pub: Redis,
    private readonly sub: Redis,
    private readonly channel = "purser:identity",
    private readonly onError: (err: unknown) => void = () => {},
  ) {
    sub.on("ready", () => {
      if (this.listeners.size) void this.ready().catch(this.onError);
    });
    sub.on("message", (ch: string, msg: string) => {
      if (ch !== this.channel) return;
      let ids: string[];
      try {
        const parsed: unknown = JSON.parse(msg);
        if (!Array.isArray(parsed)) return;
        ids = parsed.filter((x): x is string => typeof x === "string");
      } catch {
        return;
      }
      this.deliver(ids);
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

  /** The publisher's own process has already dropped its entries; others hear it through Redis. */
  async publish(userIds: readonly string[]): Promise<void> {
    if (!userIds.length) return;
    try {
      await this.pub.publish(this.channel, JSON.stringify(userIds));
    } catch (err) {
      this.onError(err);
    }
  }

  private deliver(ids: string[]) {
    for (const l of this.listeners) {
      try {
        l(ids);
      } catch (err) {
        this.onError(err);
      }
    }
  }

  subscribe(listener: (userIds: readonly string[]) => void): () => void {
    this.listeners.add(listener);
    void this.ready().catch(this.onError);
    return () => this.listeners.delete(listener);
  }
}
