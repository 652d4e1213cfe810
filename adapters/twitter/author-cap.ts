import type { KvStore } from "../../core/ports/kv.port.js";

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/**
 * At most `max` events per author per sliding window (an hour unless told), durable in the kv store
 * (so a restart or a take-over by another instance keeps counting): one key per author holding the
 * times of their recent events, updated by compare-and-set. Used for the public replies an author may
 * get per hour, and for the once-a-day short help and the once-an-hour refusal.
 */
export class AuthorCap {
  constructor(
    private readonly kv: KvStore,
    private readonly max: number,
    private readonly now: () => number,
    private readonly prefix = "twitter:replies:",
    private readonly windowMs = HOUR_MS,
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
    const since = this.now() - this.windowMs;
    return { raw, times: times.filter((t) => t > since) };
  }

  async allowed(authorId: string): Promise<boolean> {
    return (await this.recent(authorId)).times.length < this.max;
  }

  /** Counts one event (after the fact: a reply that was posted). */
  async record(authorId: string): Promise<void> {
    await this.append(authorId, false);
  }

  /** Takes one of the author's slots before the event; false (and nothing taken) when none is left. */
  async take(authorId: string): Promise<boolean> {
    return this.append(authorId, true);
  }

  private async append(authorId: string, onlyUnderMax: boolean): Promise<boolean> {
    for (let i = 0; i < 5; i++) {
      const { raw, times } = await this.recent(authorId);
      if (onlyUnderMax && times.length >= this.max) return false;
      const now = this.now();
      const next = JSON.stringify([...times, now].slice(-Math.max(1, this.max)));
      if (await this.kv.compareAndSet(this.prefix + authorId, raw, next, now)) return true;
    }
    return false;
  }
}
