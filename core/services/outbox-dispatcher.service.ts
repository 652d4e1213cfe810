import { randomBytes } from "node:crypto";
import type { Platform } from "../domain/identity.js";
import type { OutboxMessage, OutboxStore } from "../ports/alerts.port.js";
import type { Clock } from "../ports/clock.port.js";
import type { Logger } from "../ports/logger.port.js";
import type { Notifications } from "./notifications.service.js";
import { LeaderLoop } from "./leader-loop.js";
import type { QuietHours } from "./quiet-hours.js";
import { withRetries } from "./retry.js";

export interface DispatcherOptions {
  store: OutboxStore;
  notifications: Notifications;
  clock: Clock;
  log: Logger;
  maxAttempts: number;
  /** Who hears about dead letters. */
  admins: Array<{ platform: Platform; chatId: string }>;
  /**
   * How long a claim holds a row (default 20 s). Renewed every third of it while the send runs, so it
   * bounds only how long a row claimed by a process that died waits before another one takes it.
   */
  leaseMs?: number;
  /** Back-off between attempts to record an outcome (default 0.1, 0.5, 2 and 5 s). */
  settleRetryDelaysMs?: readonly number[];
  batch?: number;
  /**
   * Messages being delivered at once (default 16): enough to keep a platform's pace (sends wait for
   * their slot inside the notifier), few enough that a "sent" mark never queues behind a round's
   * worth of other database work, and that a crash catches few messages between send and mark.
   */
  concurrency?: number;
  pollMs?: number;
  /**
   * Observers (metrics): delivery latency from cause (tick received) to delivered (the platform
   * accepted the message, after its spacing queue and any 429 wait), once per delivered message;
   * outcomes.
   */
  onLatency?: (ms: number, platform: Platform) => void;
  onOutcome?: (outcome: "sent" | "retry" | "dead" | "skipped", platform: Platform) => void;
  /** Users' quiet hours: their pushes are held in the outbox, then summarised once the hours end. */
  quiet?: QuietHours;
}

/** Default claim lease: a push held by a process that died is taken over within this long. */
export const DEFAULT_OUTBOX_LEASE_MS = 20_000;

/**
 * Delivers the outbox: claims due rows with a lease (two dispatchers never hold the same row), only
 * for platforms this process has a notifier for (a row for another platform, or one due before the
 * notifiers registered, waits for a process that can deliver it), sends through the platform notifier
 * (which owns the platform's rate limits), retries with back-off (a 429's retry_after wins), skips
 * recipients that blocked the bot, and dead-letters after maxAttempts with a notice to the admins.
 * A crash between claim and send only delays: the lease runs out and the row is claimed again. Each
 * part the platform accepts is recorded in the same tick as its answer (see deliver).
 */
export class OutboxDispatcher {
  readonly owner = `d-${randomBytes(6).toString("hex")}`;
  private readonly latencies: number[] = [];
  /**
   * Rounds back to back while they find work, `pollMs` apart when idle; while rounds fail (a database
   * outage) the outage is logged once, then retried quietly with growing waits.
   */
  private readonly loop: LeaderLoop<number>;

  constructor(private readonly o: DispatcherOptions) {
    const poll = o.pollMs ?? 250;
    this.loop = new LeaderLoop({
      name: "outbox",
      everyMs: poll,
      log: o.log,
      run: async () => ((await this.runOnce()) ? 0 : poll),
      // While rounds fail, wait longer each time (up to 5 s) instead of hammering a database that is away.
      backoffMs: (failures) => Math.min(5_000, poll * 2 ** Math.min(failures, 5)),
      failureLog: {
        level: "error",
        failed: "outbox round failed: retrying with growing waits until it succeeds",
        again: "outbox round failed again",
        recovered: "outbox rounds succeed again",
      },
    });
  }

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }

  /** One round: claim, send (one message per chat per round, `concurrency` at a time), settle. Returns rows handled. */
  async runOnce(): Promise<number> {
    const now = this.o.clock.now();
    const platforms = this.o.notifications.platforms();
    if (!platforms.length) return 0;
    const leaseMs = this.o.leaseMs ?? DEFAULT_OUTBOX_LEASE_MS;
    // Summaries first: a user whose quiet hours just ended hears what was held before anything newer.
    const summarised = this.o.quiet ? await this.o.quiet.summariseDue(now) : 0;
    const claimed = await this.o.store.claim(this.owner, now, leaseMs, this.o.batch ?? 200, platforms);
    const rows = await this.holdQuiet(claimed, now);
    if (!rows.length) return summarised + (claimed.length - rows.length);
    const seen = new Set<string>();
    const send: OutboxMessage[] = [];
    for (const r of rows) {
      const chat = `${r.target.platform}:${r.target.chatId}`;
      // A chat busy this round, or a platform this process cannot deliver: back without an attempt.
      if (seen.has(chat) || !this.o.notifications.has(r.target.platform)) await this.o.store.release(r.id, this.owner);
      else {
        seen.add(chat);
        send.push(r);
      }
    }
    // While sends are in flight (a platform's queue or a 429 wait can outlast the lease), their
    // leases are renewed every third of the lease, so no other dispatcher takes them and sends twice.
    const inflight = new Set(send.map((m) => m.id));
    const heartbeat = setInterval(() => {
      if (!inflight.size) return;
      this.o.store
        .extend([...inflight], this.owner, this.o.clock.now() + leaseMs)
        .catch((err: unknown) => this.o.log.warn({ err }, "outbox lease renewal failed"));
    }, Math.max(20, leaseMs / 3));
    heartbeat.unref?.();
    const one = (m: OutboxMessage) =>
      this.deliver(m)
        .catch((err: unknown) => this.o.log.error({ err, id: m.id }, "outbox delivery failed: retried after its lease"))
        .finally(() => inflight.delete(m.id));
    // Pushes taken over from a dispatcher that died mid-delivery may already be in the chat: each goes
    // alone, and is marked, before anything else is sent, so a second crash soon after this restart
    // cannot catch one of them between send and mark again along with the rest.
    const queue = send.filter((m) => !m.uncertain);
    try {
      for (const m of send.filter((x) => x.uncertain)) {
        this.o.log.warn({ id: m.id, kind: m.kind }, "outbox push taken over from a dispatcher that stopped mid-delivery: it may arrive twice");
        await one(m);
      }
      const worker = async () => {
        for (let m = queue.shift(); m; m = queue.shift()) await one(m);
      };
      await Promise.all(Array.from({ length: Math.min(this.o.concurrency ?? 16, queue.length) }, worker));
    } finally {
      clearInterval(heartbeat);
    }
    return send.length;
  }

  /** Holds the claimed pushes of users in their quiet hours (out of this round); returns the rest. */
  private async holdQuiet(rows: OutboxMessage[], now: number): Promise<OutboxMessage[]> {
    const quiet = this.o.quiet;
    const users = rows.flatMap((r) => (r.userId !== undefined ? [r.userId] : []));
    if (!quiet || !users.length) return rows;
    const holds = await quiet.holds(users, now);
    if (!holds.size) return rows;
    const rest: OutboxMessage[] = [];
    for (const r of rows) {
      const until = r.userId !== undefined ? holds.get(r.userId) : undefined;
      if (until === undefined) rest.push(r);
      else if (await quiet.hold(r.id, this.owner, until)) this.o.log.info({ id: r.id, kind: r.kind, until }, "push held: the user's quiet hours");
    }
    return rest;
  }

  /**
   * Records an outcome, retrying a failed write (the database restarting, a pool timeout): a sent
   * message whose "sent" mark was lost would be sent again once its lease ran out.
   */
  private async settle(what: string, id: string, write: () => Promise<unknown>): Promise<void> {
    try {
      await withRetries(write, this.o.settleRetryDelaysMs ?? [100, 500, 2000, 5000], {
        onRetry: (err, attempt) => this.o.log.warn({ err, id, what, attempt }, "outbox outcome not recorded yet: retrying"),
      });
    } catch (err) {
      this.o.log.error({ err, id, what }, "outbox outcome not recorded: the message may be retried after its lease");
      throw err;
    }
  }

  /**
   * Sends one message. The platform has no idempotency key, so a crash after it accepted a part and
   * before that is recorded sends the part again after the lease: that window is kept to the write
   * leaving this process. Each accepted part is recorded from the notifier's onPart, synchronously in
   * the continuation of the platform's answer (nothing awaited in between); the last one marks the
   * row sent. A retry or a takeover resumes after the parts already recorded.
   */
  private async deliver(m: OutboxMessage): Promise<void> {
    const { store, log } = this.o;
    let marked: Promise<void> | undefined;
    const progress: Array<Promise<void>> = [];
    const onPart = (index: number, last: boolean) => {
      if (last) {
        marked ??= this.settle("sent", m.id, () => store.markSent(m.id, this.owner, this.o.clock.now()));
        marked.catch(() => undefined); // awaited below; never an unhandled rejection meanwhile
      } else {
        progress.push(store.progress(m.id, this.owner, index + 1).catch((err: unknown) => log.warn({ err, id: m.id }, "outbox part not recorded: it may be sent again")));
      }
    };
    let result;
    try {
      result = await this.o.notifications.deliver(m.target, m.reply, { skipParts: m.partsSent, onPart });
    } catch (err) {
      result = { ok: false as const, permanent: false, reason: err instanceof Error ? err.message : String(err) };
    }
    const now = this.o.clock.now();
    if (result.ok || marked) {
      // Cause to delivered: measured once, when the platform has accepted the message (so the
      // platform's spacing queue and earlier failed attempts count; the outcome write does not).
      if (m.sourceAt !== undefined) this.recordLatency(Date.now() - m.sourceAt, m.target.platform);
      // A notifier that does not report parts: marked now, still without an await since its answer.
      await (marked ?? this.settle("sent", m.id, () => store.markSent(m.id, this.owner, now)));
      this.o.onOutcome?.("sent", m.target.platform);
      return;
    }
    await Promise.all(progress); // the parts delivered are recorded before the row is rescheduled
    if (result.permanent) {
      await this.settle("skipped", m.id, () => store.finish(m.id, this.owner, "skipped", result.reason, now));
      this.o.onOutcome?.("skipped", m.target.platform);
      log.info({ id: m.id, reason: result.reason }, "outbox message skipped: recipient unreachable");
      return;
    }
    if (result.deferred) {
      // Paced by us, nothing sent: back in the queue at its slot, without spending an attempt.
      await this.settle("deferred", m.id, () => store.retry(m.id, this.owner, now + Math.max(0, result.retryAfterMs ?? 1000), result.reason, false));
      this.o.onOutcome?.("retry", m.target.platform);
      return;
    }
    const attempts = m.attempts + 1;
    if (attempts >= this.o.maxAttempts) {
      await this.settle("dead", m.id, () => store.finish(m.id, this.owner, "dead", result.reason, now));
      this.o.onOutcome?.("dead", m.target.platform);
      log.error({ id: m.id, kind: m.kind, reason: result.reason }, "outbox message dead-lettered");
      if (m.kind !== "admin.dead_letter") await this.noticeAdmins(m, result.reason, now);
      return;
    }
    const backoff = Math.min(300_000, 1000 * 2 ** m.attempts) * (0.8 + Math.random() * 0.4);
    await this.settle("retry", m.id, () => store.retry(m.id, this.owner, now + Math.max(result.retryAfterMs ?? 0, backoff), result.reason));
    this.o.onOutcome?.("retry", m.target.platform);
  }

  private async noticeAdmins(m: OutboxMessage, reason: string, now: number) {
    for (const a of this.o.admins) {
      await this.o.store.enqueue(
        {
          dedupeKey: `dead:${m.id}:${a.platform}:${a.chatId}`,
          kind: "admin.dead_letter",
          target: a,
          reply: {
            kind: "warning",
            blocks: [
              { type: "text", spans: [{ text: "Undeliverable message", style: "bold" }] },
              { type: "table", rows: [["Kind", m.kind], ["To", `${m.target.platform} ${m.target.chatId}`], ["Attempts", String(m.attempts + 1)], ["Last error", reason.slice(0, 200)]] },
            ],
          },
        },
        now,
      );
    }
  }

  private recordLatency(ms: number, platform: Platform) {
    this.latencies.push(ms);
    if (this.latencies.length > 10_000) this.latencies.splice(0, 5_000);
    this.o.onLatency?.(ms, platform);
  }

  /** p50/p99 of recent cause-to-delivered latencies (ms). */
  latency(): { n: number; p50: number; p99: number } {
    const s = [...this.latencies].sort((a, b) => a - b);
    const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
    return { n: s.length, p50: at(50), p99: at(99) };
  }
}
