import type { Clock } from "../ports/clock.port.js";
import type { Leases } from "../ports/kv.port.js";
import type { Logger } from "../ports/logger.port.js";
import type { PurgeTable, RetentionStore, ThinTable } from "../ports/retention.port.js";
import { LeaderLoop, type LoopStep } from "./leader-loop.js";

export const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** Most rows one statement deletes: a batch stays a few milliseconds even on a busy database. */
export const RETENTION_BATCH = 1000;
/** Smallest batch the job shrinks to when statements run slow. */
export const RETENTION_MIN_BATCH = 50;
/**
 * A statement slower than this halves the next batch (one faster than a quarter of it doubles it,
 * up to RETENTION_BATCH): on a busy database the job slows down instead of holding the router.
 */
export const RETENTION_BUDGET_MS = 20;
/**
 * How long a handled update is remembered for dedupe and takeover. Platforms redeliver for far less
 * (Telegram keeps an unconfirmed update 24 h, a Discord interaction lives 15 min, X mentions are
 * read from a stored since_id): two days covers a day-long outage with a margin.
 */
export const UPDATES_KEEP_MS = 2 * DAY_MS;
/** Expired buttons and used or expired link codes stay a day, so a late press still reads "expired" or "used". */
export const SPENT_GRACE_MS = DAY_MS;
/** Time series younger than this keep every row; older ones one per hour, past THIN_DAILY_AFTER_MS one per day. */
export const THIN_HOURLY_AFTER_MS = DAY_MS;
export const THIN_DAILY_AFTER_MS = 30 * DAY_MS;
export const RETENTION_LEASE = "retention";

/** Days each table keeps (settings). */
export interface RetentionPolicy {
  auditDays: number;
  outboxDays: number;
  llmUsageDays: number;
  priceTicksDays: number;
  snapshotDays: number;
}

export type RetentionStep =
  | { kind: "purge"; table: PurgeTable; before: number }
  | { kind: "thin"; table: ThinTable; from: number; to: number; bucketMs: number };

/** What one run does, in order: drops first (less to thin), then the daily and hourly thinning. */
export function retentionPlan(p: RetentionPolicy, now: number): RetentionStep[] {
  const purge = (table: PurgeTable, keepMs: number): RetentionStep => ({ kind: "purge", table, before: now - keepMs });
  const series = (table: ThinTable, keepDays: number): RetentionStep[] => {
    const dropBefore = now - keepDays * DAY_MS;
    const dailyTo = now - THIN_DAILY_AFTER_MS;
    const hourlyTo = now - THIN_HOURLY_AFTER_MS;
    return [
      purge(table, keepDays * DAY_MS),
      ...(dailyTo > dropBefore ? [{ kind: "thin" as const, table, from: dropBefore, to: dailyTo, bucketMs: DAY_MS }] : []),
      ...(hourlyTo > dropBefore ? [{ kind: "thin" as const, table, from: Math.max(dropBefore, dailyTo), to: hourlyTo, bucketMs: HOUR_MS }] : []),
    ];
  };
  return [
    purge("processed_updates", UPDATES_KEEP_MS),
    purge("action_tokens", SPENT_GRACE_MS),
    purge("link_codes", SPENT_GRACE_MS),
    purge("web_login_links", SPENT_GRACE_MS),
    purge("web_sessions", SPENT_GRACE_MS),
    purge("identity_changes", SPENT_GRACE_MS),
    purge("outbox", p.outboxDays * DAY_MS),
    purge("audit_log", p.auditDays * DAY_MS),
    purge("llm_usage", p.llmUsageDays * DAY_MS),
    ...series("price_ticks", p.priceTicksDays),
    ...series("portfolio_snapshots", p.snapshotDays),
  ];
}

export interface RetentionBatch {
  table: PurgeTable;
  kind: "purge" | "thin";
  rows: number;
  ms: number;
}

export interface RetentionDeps {
  store: RetentionStore;
  leases: Leases;
  clock: Clock;
  log: Logger;
  policy: RetentionPolicy;
  /** This process's name on the lease. */
  owner: string;
  intervalMs: number;
  batchLimit?: number;
  /** Per-statement time budget that sizes the batches (default RETENTION_BUDGET_MS). */
  budgetMs?: number;
  /** Milliseconds clock for statement timings (default performance.now). */
  timer?: () => number;
  /** Between batches: gives the event loop (and the router's queries) a turn. Default: setImmediate. */
  pause?: () => Promise<void>;
  /** Observer of every statement (metrics, the benchmark). */
  onBatch?: (b: RetentionBatch) => void;
}

export type RetentionResult = { kind: "busy" } | { kind: "done"; deleted: Partial<Record<PurgeTable, number>>; stopped: boolean };

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Deletes what nobody needs any more, in small batches, by one process at a time (lease): old
 * audit, usage and delivered outbox rows, spent buttons and link codes, remembered updates past
 * any redelivery, and price ticks and portfolio snapshots thinned with age, then dropped.
 */
export class RetentionService {
  /** Every interval, by the holder of RETENTION_LEASE (kept between runs; taken over two intervals after its holder stops). */
  private readonly loop: LeaderLoop<RetentionResult>;

  constructor(private readonly d: RetentionDeps) {
    this.loop = new LeaderLoop({
      name: "retention",
      everyMs: d.intervalMs,
      fixedRate: true,
      log: d.log,
      lease: { leases: d.leases, owner: d.owner, ttlMs: d.intervalMs * 2, name: RETENTION_LEASE },
      run: (step) => this.sweep(step),
      failureLog: { failed: "retention run failed: tried again next interval" },
    });
  }

  /** Runs now and then every interval (a run still going is not started twice). */
  start(): void {
    this.loop.start();
  }

  /** Stops between two batches and hands the lease over at once. */
  async stop(): Promise<void> {
    await this.loop.stop();
  }

  /** One run now (or the one running): busy while another process holds the lease; a failure throws. */
  async runOnce(): Promise<RetentionResult> {
    const r = await this.loop.runNow();
    if (r.kind === "failed") throw r.err;
    return r.kind === "ran" ? r.value : { kind: "busy" };
  }

  private async sweep(step: LoopStep): Promise<RetentionResult> {
    const deleted: Partial<Record<PurgeTable, number>> = {};
    for (const s of retentionPlan(this.d.policy, this.d.clock.now())) {
      const n = await this.drain(s, step);
      if (n === "stopped" || n === "lost") {
        if (n === "lost") this.d.log.warn("retention lease lost mid-run: another process carries on");
        return { kind: "done", deleted, stopped: true };
      }
      if (n) deleted[s.table] = (deleted[s.table] ?? 0) + n;
    }
    if (Object.keys(deleted).length) this.d.log.info({ deleted }, "retention: old rows deleted");
    return { kind: "done", deleted, stopped: false };
  }

  /** One step, batch after batch until a batch comes back short; the lease is renewed between batches. */
  private async drain(step: RetentionStep, loop: LoopStep): Promise<number | "stopped" | "lost"> {
    const max = Math.min(this.d.batchLimit ?? RETENTION_BATCH, RETENTION_BATCH);
    const budget = this.d.budgetMs ?? RETENTION_BUDGET_MS;
    const timer = this.d.timer ?? (() => performance.now());
    const pause = this.d.pause ?? nextTurn;
    let limit = max;
    let total = 0;
    let from = step.kind === "thin" ? step.from : Number.MIN_SAFE_INTEGER;
    for (;;) {
      if (loop.stopping) return "stopped";
      const t0 = timer();
      const { rows, next } =
        step.kind === "purge"
          ? await this.d.store.purgeBatch(step.table, step.before, limit, from)
          : await this.d.store.thinBatch(step.table, from, step.to, step.bucketMs, limit);
      const ms = timer() - t0;
      this.d.onBatch?.({ table: step.table, kind: step.kind, rows, ms });
      from = next;
      total += rows;
      if (rows < limit) return total;
      if (ms > budget) limit = Math.max(Math.min(RETENTION_MIN_BATCH, max), Math.floor(limit / 2));
      else if (ms < budget / 4) limit = Math.min(max, limit * 2);
      await pause();
      if (!(await loop.renew())) return "lost";
    }
  }
}
