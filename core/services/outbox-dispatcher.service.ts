import { randomBytes } from "node:crypto";
import type { Platform } from "../domain/identity.js";
import type { OutboxMessage, OutboxStore } from "../ports/alerts.port.js";
import type { Clock } from "../ports/clock.port.js";
import type { Logger } from "../ports/logger.port.js";
import type { Notifications } from "./notifications.service.js";

export interface DispatcherOptions {
  store: OutboxStore;
  notifications: Notifications;
  clock: Clock;
  log: Logger;
  maxAttempts: number;
  /** Who hears about dead letters. */
  admins: Array<{ platform: Platform; chatId: string }>;
  leaseMs?: number;
  batch?: number;
  pollMs?: number;
  /** Observers (metrics): delivery latency from cause to platform request, outcomes. */
  onLatency?: (ms: number, platform: Platform) => void;
  onOutcome?: (outcome: "sent" | "retry" | "dead" | "skipped", platform: Platform) => void;
}

/**
 * Delivers the outbox: claims due rows with a lease (two dispatchers never hold the same row), sends
 * through the platform notifier (which owns the platform's rate limits), retries with back-off (a
 * 429's retry_after wins), skips recipients that blocked the bot, and dead-letters after maxAttempts
 * with a notice to the admins. A crash between claim and send only delays: the lease runs out and
 * the row is claimed again.
 */
export class OutboxDispatcher {
  readonly owner = `d-${randomBytes(6).toString("hex")}`;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<number> | undefined;
  private stopped = true;
  private readonly latencies: number[] = [];

  constructor(private readonly o: DispatcherOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const loop = async () => {
      if (this.stopped) return;
      let n = 0;
      try {
        this.running = this.runOnce();
        n = await this.running;
      } catch (err) {
        this.o.log.error({ err }, "outbox round failed");
      } finally {
        this.running = undefined;
      }
      if (!this.stopped) {
        this.timer = setTimeout(() => void loop(), n ? 0 : (this.o.pollMs ?? 250));
        this.timer.unref?.();
      }
    };
    void loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => 0);
  }

  /** One round: claim, send (one message per chat per round, in parallel), settle. Returns rows handled. */
  async runOnce(): Promise<number> {
    const now = this.o.clock.now();
    const rows = await this.o.store.claim(this.owner, now, this.o.leaseMs ?? 120_000, this.o.batch ?? 200);
    if (!rows.length) return 0;
    const seen = new Set<string>();
    const send: OutboxMessage[] = [];
    for (const r of rows) {
      const chat = `${r.target.platform}:${r.target.chatId}`;
      if (seen.has(chat)) await this.o.store.release(r.id, this.owner);
      else {
        seen.add(chat);
        send.push(r);
      }
    }
    await Promise.all(send.map((m) => this.deliver(m)));
    return send.length;
  }

  private async deliver(m: OutboxMessage): Promise<void> {
    const { store, log } = this.o;
    if (m.sourceAt !== undefined) this.recordLatency(Date.now() - m.sourceAt, m.target.platform);
    let result;
    try {
      result = await this.o.notifications.push(m.target, m.reply);
    } catch (err) {
      result = { ok: false as const, permanent: false, reason: err instanceof Error ? err.message : String(err) };
    }
    const now = this.o.clock.now();
    if (result.ok) {
      await store.markSent(m.id, this.owner, now);
      this.o.onOutcome?.("sent", m.target.platform);
      return;
    }
    if (result.permanent) {
      await store.finish(m.id, this.owner, "skipped", result.reason, now);
      this.o.onOutcome?.("skipped", m.target.platform);
      log.info({ id: m.id, reason: result.reason }, "outbox message skipped: recipient unreachable");
      return;
    }
    const attempts = m.attempts + 1;
    if (attempts >= this.o.maxAttempts) {
      await store.finish(m.id, this.owner, "dead", result.reason, now);
      this.o.onOutcome?.("dead", m.target.platform);
      log.error({ id: m.id, kind: m.kind, reason: result.reason }, "outbox message dead-lettered");
      if (m.kind !== "admin.dead_letter") await this.noticeAdmins(m, result.reason, now);
      return;
    }
    const backoff = Math.min(300_000, 1000 * 2 ** m.attempts) * (0.8 + Math.random() * 0.4);
    await store.retry(m.id, this.owner, now + Math.max(result.retryAfterMs ?? 0, backoff), result.reason);
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

  /** p50/p99 of recent cause-to-send latencies (ms). */
  latency(): { n: number; p50: number; p99: number } {
    const s = [...this.latencies].sort((a, b) => a - b);
    const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
    return { n: s.length, p50: at(50), p99: at(99) };
  }
}
