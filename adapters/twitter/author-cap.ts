import type { KvStore } from "../../core/ports/kv.port.js";

const HOUR = 3_600_000;

/**
 * At most `max` public replies per author per sliding hour, durable in the kv store (so a restart
 * or a take-over by another instance keeps counting): one key per author holding the times of
 * their recent replies, updated by compare-and-set.
 */
export class AuthorCap {
  constructor(
    private readonly kv: KvStore,
    private readonly max: number,
    private readonly now: () => number,
    private readonly prefix = "twitter:replies:",
  ) {}

  private async recent(authorId: string): Promise<{ raw: string | undefined; times: number[] }> {
    const raw = await this.kv.get(this.prefix + authorId);
    let times: number[] = [];
    try {
      const parsed: unknown = raw ? JSON.parse(raw) : [];
      if (Array.isArray(parsed)) times = parsed.filter((t): t is number => typeof t === "number");
    } catch {
      times = [];
    }
    const since = this.now() - HOUR;
    return { raw, times: times.filter((t) => t > since) };
  }

  async allowed(authorId: string): Promise<boolean> {
    return (await this.recent(authorId)).times.length < this.max;
  }

  async record(authorId: string): Promise<void> {
    for (let i = 0; i < 5; i++) {
      const { raw, times } = await this.recent(authorId);
      const now = this.now();
      const next = JSON.stringify([...times, now].slice(-Math.max(1, this.max)));
      if (await this.kv.compareAndSet(this.prefix + authorId, raw, next, now)) return;
    }
  }
}
