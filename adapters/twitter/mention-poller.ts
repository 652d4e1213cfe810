import type { KvStore, Leases } from "../../core/ports/kv.port.js";
import type { Logger } from "../../core/ports/logger.port.js";
import { XApiError, type XClient, type XTweet, type XUser } from "./x-client.js";

export interface MentionPollerOptions {
  client: Pick<XClient, "me" | "mentions">;
  kv: KvStore;
  leases: Leases;
  log: Logger;
  /** Time between polls. */
  pollMs: number;
  /** Lease lifetime; renewed every cycle, every page, every mention and while waiting. */
  leaseTtlMs: number;
  /** Lease holder id (unique per process). */
  owner: string;
  /** max_results per page (X: 5..100). */
  pageSize?: number;
  /** Safety stop for one cycle's pagination. */
  maxPages?: number;
  /** With no stored cursor (first run), mentions newer than this are answered. */
  firstRunLookbackMs?: number;
  /** Clock of the kv/lease timestamps (the app's clock). X's reset times are wall time (Date.now). */
  now: () => number;
  onMention(tweet: XTweet, author: XUser | undefined, me: XUser): Promise<void>;
}

export const POLLER_LEASE = "twitter:mentions-poller";
const MAX_FAILURES = 3;

/**
 * Polls GET /2/users/:id/mentions for the one instance holding the lease: all pages since the
 * stored cursor (since_id in the kv store), oldest first, the cursor advanced after each mention so
 * a restart resumes exactly where it stopped. X's rate headers are obeyed: with remaining 0 or a
 * 429 it sleeps until x-rate-limit-reset (renewing its lease meanwhile) and then continues.
 */
export class MentionPoller {
  private stopped = true;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private me: XUser | undefined;
  private holding = false;
  /** Wall-clock ms before which no mentions request is sent (x-rate-limit-reset). */
  private notBefore = 0;
  private readonly failures = new Map<string, number>();
  /** Completed poll cycles (tests and health). */
  cycles = 0;

  constructor(private readonly o: MentionPollerOptions) {}

  get leader(): boolean {
    return this.holding;
  }

  /** `me`: the bot account when the caller has just looked it up (saves the first poll that call). */
  start(me?: XUser): void {
    if (!this.stopped) return;
    this.me ??= me;
    this.stopped = false;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.interrupt();
    await this.loop;
    if (this.holding) await this.o.leases.release(POLLER_LEASE, this.o.owner).catch(() => undefined);
    this.holding = false;
  }

  private interrupt() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.wake?.();
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      this.wake = () => {
        this.wake = undefined;
        resolve();
      };
      this.timer = setTimeout(() => this.wake?.(), Math.max(0, ms));
    });
  }

  /** Takes or renews the lease; false when another instance holds it. */
  async renew(): Promise<boolean> {
    try {
      this.holding = await this.o.leases.acquire(POLLER_LEASE, this.o.owner, this.o.leaseTtlMs);
    } catch (err) {
      this.o.log.warn({ err }, "twitter lease check failed");
      this.holding = false;
    }
    return this.holding;
  }

  /**
   * Waits until wall-clock `untilMs`, renewing the lease meanwhile. False when stopped or the lease
   * was lost (the caller gives up the cycle).
   */
  async waitUntil(untilMs: number): Promise<boolean> {
    for (;;) {
      if (this.stopped) return false;
      const left = untilMs - Date.now();
      if (left <= 0) return true;
      await this.sleep(Math.min(left, Math.max(200, this.o.leaseTtlMs / 3)));
      if (!this.stopped && !(await this.renew())) return false;
    }
  }

  /**
   * The holder polls every pollMs and renews its lease in between (so a poll interval longer than
   * the lease never hands it over); a standby asks for the lease every third of its lifetime, so a
   * holder that dies is replaced within about the lease time.
   */
  private async run(): Promise<void> {
    while (!this.stopped) {
      if (await this.renew()) {
        try {
          await this.cycle();
          this.cycles++;
        } catch (err) {
          this.o.log.warn({ err: err instanceof XApiError ? err.message : err }, "twitter mentions poll failed");
        }
        if (this.holding && (await this.waitUntil(Date.now() + this.o.pollMs))) continue;
      }
      await this.sleep(Math.min(this.o.pollMs, Math.max(200, this.o.leaseTtlMs / 3)));
    }
  }

  private cursorKey(me: XUser) {
    return `twitter:${me.id}:mentions_since_id`;
  }

  /** One poll: every page since the cursor, then each mention oldest first. */
  async cycle(): Promise<void> {
    if (!this.me) this.me = await this.o.client.me();
    const me = this.me;
    const since = await this.o.kv.get(this.cursorKey(me));
    const lookback = this.o.firstRunLookbackMs ?? 3_600_000;
    const startTime = since ? undefined : new Date(Date.now() - lookback).toISOString().replace(/\.\d{3}Z$/, "Z");
    const all = new Map<string, { t: XTweet; author: XUser | undefined }>();
    let token: string | undefined;
    for (let page = 0; page < (this.o.maxPages ?? 50); page++) {
      const p = await this.fetchPage(me, { since, startTime, token });
      if (!p) return; // stopped or lease lost while waiting
      for (const t of p.tweets) all.set(t.id, { t, author: p.users.get(t.authorId) });
      token = p.nextToken;
      if (!token) break;
      if (page === (this.o.maxPages ?? 50) - 1) this.o.log.warn({ pages: page + 1 }, "mention backlog truncated at the page limit");
    }
    const ordered = [...all.values()].sort((a, b) => (BigInt(a.t.id) < BigInt(b.t.id) ? -1 : 1));
    for (const { t, author } of ordered) {
      if (this.stopped || !(await this.renew())) return;
      try {
        await this.o.onMention(t, author, me);
      } catch (err) {
        const n = (this.failures.get(t.id) ?? 0) + 1;
        this.failures.set(t.id, n);
        if (n < MAX_FAILURES) throw err; // the cursor stays: the next cycle tries this mention again
        this.o.log.error({ err, tweet: t.id }, "mention failed repeatedly; skipped");
      }
      this.failures.delete(t.id);
      await this.o.kv.set(this.cursorKey(me), t.id, this.o.now());
    }
  }

  private async fetchPage(me: XUser, q: { since: string | undefined; startTime: string | undefined; token: string | undefined }) {
    for (;;) {
      if (this.notBefore > Date.now() && !(await this.waitUntil(this.notBefore))) return undefined;
      if (this.stopped) return undefined;
      try {
        const p = await this.o.client.mentions(me.id, {
          maxResults: this.o.pageSize ?? 100,
          ...(q.since ? { sinceId: q.since } : {}),
          ...(q.startTime ? { startTime: q.startTime } : {}),
          ...(q.token ? { paginationToken: q.token } : {}),
        });
        if (p.rate.remaining === 0 && p.rate.resetAt) this.notBefore = p.rate.resetAt;
        return p;
      } catch (err) {
        if (!(err instanceof XApiError) || !err.rateLimited) throw err;
        this.notBefore = err.rate.resetAt && err.rate.resetAt > Date.now() ? err.rate.resetAt : Date.now() + 5_000;
        this.o.log.info({ resetAt: new Date(this.notBefore).toISOString() }, "X rate limit on mentions: waiting for the reset");
      }
    }
  }
}
