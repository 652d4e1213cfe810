import type { Redis } from "ioredis";

/**
 * One Redis pub/sub channel carrying JSON arrays, shared by the price bus and the identity evictions:
 * subscribes on a connection that is up (again after every reconnect: ioredis re-subscribes by itself,
 * this covers a first subscribe that failed), keeps the items `accept` recognises, drops malformed
 * messages, and hands each listener the items (a throwing listener never stops the others).
 */
export class RedisJsonChannel<T> {
  private readonly listeners = new Set<(items: readonly T[]) => void>();
  private subscribed: Promise<unknown> | undefined;

  constructor(
    private readonly pub: Redis,
    private readonly sub: Redis,
    private readonly channel: string,
    private readonly accept: (x: unknown) => x is T,
    private readonly onError: (err: unknown) => void,
  ) {
    sub.on("ready", () => {
      if (this.listeners.size) void this.ready().catch(this.onError);
    });
    sub.on("message", (ch: string, msg: string) => {
      if (ch !== this.channel) return;
      let items: T[];
      try {
        const parsed: unknown = JSON.parse(msg);
        if (!Array.isArray(parsed)) return;
        items = parsed.filter(this.accept);
      } catch {
        return;
      }
      this.deliver(items);
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

  /** Publishes through Redis; false (after onError) when Redis refused it. */
  async publish(items: readonly T[]): Promise<boolean> {
    try {
      await this.pub.publish(this.channel, JSON.stringify(items));
      return true;
    } catch (err) {
      this.onError(err);
      return false;
    }
  }

  /** Hands items to this process's listeners directly. */
  deliver(items: readonly T[]): void {
    for (const l of this.listeners) {
      try {
        l(items);
      } catch (err) {
        this.onError(err);
      }
    }
  }

  subscribe(listener: (items: readonly T[]) => void): () => void {
    this.listeners.add(listener);
    void this.ready().catch(this.onError);
    return () => this.listeners.delete(listener);
  }
}
