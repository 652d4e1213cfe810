import type { Clock } from "../ports/clock.port.js";
import type { IdentityChangeLog, IdentityInvalidations } from "../ports/identity.port.js";

/** How often every process reads the identity change log. */
export const IDENTITY_POLL_MS = 1_000;
/**
 * How far back each read looks: a change committed late, or stamped by a process whose clock is
 * behind, is still seen as long as it lands within this window. Rows already seen are not told twice.
 */
export const IDENTITY_POLL_WINDOW_MS = 60_000;

type Listener = (userIds: readonly string[]) => void;

/**
 * Identity invalidations through the database: `publish` appends the users to the shared change log
 * (durable before it resolves), and every process reads the log's recent rows once a second and
 * tells its listeners the users it had not seen yet. Nothing is lost while a process is up and reads
 * within the window (a read that fails is retried by the next, over the same window; a process cut off
 * from the database for longer still has the cache's expiry); a process that starts has an empty cache.
 * Reading starts with the first subscriber and stops with the last.
 */
export class IdentityChangeFeed implements IdentityInvalidations {
  private readonly listeners = new Set<Listener>();
  /** Change ids already told, with their time (pruned as they leave the window). */
  private readonly seen = new Map<string, number>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private reading: Promise<void> | undefined;

  constructor(
    private readonly log: IdentityChangeLog,
    private readonly clock: Clock,
    private readonly opts: { pollMs?: number; windowMs?: number; onError?: (err: unknown) => void } = {},
  ) {}

  async publish(userIds: readonly string[]): Promise<void> {
    await this.log.append(userIds, this.clock.now());
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    if (!this.timer && this.opts.pollMs !== 0) {
      this.timer = setInterval(() => void this.poll(), this.opts.pollMs ?? IDENTITY_POLL_MS);
      this.timer.unref?.();
    }
    return () => {
      this.listeners.delete(listener);
      if (!this.listeners.size && this.timer) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }

  /** One read of the log (the timer's; tests call it): resolves once the new changes were told. */
  poll(): Promise<void> {
    this.reading ??= this.read().finally(() => (this.reading = undefined));
    return this.reading;
  }

  private async read(): Promise<void> {
    const window = this.opts.windowMs ?? IDENTITY_POLL_WINDOW_MS;
    const from = this.clock.now() - window;
    let rows;
    try {
      rows = await this.log.since(from);
    } catch (err) {
      this.opts.onError?.(err);
      return;
    }
    const users: string[] = [];
    for (const r of rows) {
      if (this.seen.has(r.id)) continue;
      this.seen.set(r.id, r.at);
      users.push(r.userId);
    }
    for (const [id, at] of this.seen) if (at < from) this.seen.delete(id);
    if (users.length) for (const l of this.listeners) l(users);
  }
}

/** Several channels as one: published to each (all must succeed), heard from each. */
export function allInvalidations(channels: readonly IdentityInvalidations[]): IdentityInvalidations {
  return {
    publish: async (userIds) => {
      await Promise.all(channels.map((c) => c.publish(userIds)));
    },
    subscribe: (listener) => {
      const offs = channels.map((c) => c.subscribe(listener));
      return () => offs.forEach((off) => off());
    },
  };
}
