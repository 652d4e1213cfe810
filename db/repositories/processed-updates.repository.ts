import type { Platform } from "../../core/domain/identity.js";
import type { ClaimResult, ProcessedUpdates } from "../../core/ports/updates.port.js";
import type { Db } from "../database.js";
import { SqliteStatements } from "../sqlite-statements.js";
import { postgresBatch, sqliteBatch, type ClaimRow, type CommitBatch, type DoneRow } from "./processed-updates.sql.js";

/** Schedules `fn` once after `ms`; returns the cancel. Tests inject one they fire by hand. */
export type FlushTimer = (fn: () => void, ms: number) => () => void;

/** How long a done mark waits in memory before the flush writes it with the others pending. */
export const DONE_FLUSH_MS = 50;
/**
 * Marks pending at most before a flush starts without waiting for the timer: a window at any rate
 * holds fewer (about 1,000 at 20,000 messages a second), but a process whose event loop does not turn
 * (messages handled back to back in microtasks) never runs the timer, and the marks - and, on SQLite,
 * the WAL their flush checkpoints - would grow without bound.
 */
export const MAX_PENDING_MARKS = 4096;

const realTimer: FlushTimer = (fn, ms) => {
  const t = setTimeout(fn, ms);
  t.unref(); // pending marks never keep a process alive: close() flushes them
  return () => clearTimeout(t);
};

export interface BatchOptions {
  /** Longest a done mark waits before the flush writes it (default DONE_FLUSH_MS). */
  flushMs?: number;
  timer?: FlushTimer;
  /** Marks pending at most before a flush starts without the timer (default MAX_PENDING_MARKS). */
  maxPendingMarks?: number;
  /** A timer's flush failed (the marks stay pending and go with the next flush). */
  onFlushError?: (err: unknown) => void;
}

interface Pending {
  row: ClaimRow;
  resolve: (r: ClaimResult) => void;
  reject: (err: unknown) => void;
}

const DUPLICATE = "duplicate" as const;
const CLAIMED: Promise<ClaimResult> = Promise.resolve("claimed");
const DUPLICATE_P: Promise<ClaimResult> = Promise.resolve(DUPLICATE);
const NO_MARKS: readonly DoneRow[] = [];
const NO_CLAIMS: readonly ClaimRow[] = [];

const first = (won: boolean[]) => won[0] === true;

const keyOf = (platform: string, updateId: string) => `${platform}\u0000${updateId}`;

/**
 * Group commit over the dedupe table (see the port for the contract). Claims made in the same turn
 * of the event loop - or while the previous batch is in flight (Postgres) - commit together in one
 * transaction. Done marks wait in memory for the flush timer, which writes every pending one in one
 * transaction: a claim is a lone insert (the cost of a raw single-row insert), and the marks of a
 * busy window cost one transaction together. (Folding each mark into the next claim's statement
 * doubled that statement's cost: a second row rewritten per commit; measured in
 * tests/bench/profiles/router.md.) The statements themselves (one batch = one transaction, prepared
 * once) are in processed-updates.sql.ts.
 */
export class BatchedProcessedUpdates implements ProcessedUpdates {
  private queue: Pending[] = [];
  private readonly marks = new Map<string, DoneRow>();
  private draining: Promise<void> | undefined;
  /** A flush of marks alone in flight beside the claims (concurrent batches: Postgres); never rejects. */
  private marking: Promise<void> | undefined;
  private kicked = false;
  private cancelTimer: (() => void) | undefined;
  private closed = false;
  private failedFlushes = 0;
  /** A lone claim's statement in flight, sent without the queue (concurrent batches: Postgres). */
  private direct = false;
  /** A claim already committed synchronously this turn: the turn's next claims are batched. */
  private turnTaken = false;
  /** A flush started because MAX_PENDING_MARKS were pending, until it settles. */
  private fullFlush: Promise<void> | undefined;
  /** The pending marks go with the next batch of claims (set when a flush is due while batches run). */
  private marksDue = false;

  constructor(
    private readonly commit: CommitBatch,
    private readonly opts: BatchOptions = {},
  ) {}

  claim(platform: Platform, updateId: string, now: number, leaseMs: number): Promise<ClaimResult> {
    if (this.marks.has(keyOf(platform, updateId))) return DUPLICATE_P; // done here, mark not yet written
    if (this.commit.now && !this.turnTaken && !this.kicked && !this.draining) {
      // The turn's first claim, nothing queued or in flight: committed at once, with the pending marks
      // (SQLite, connection free). The turn's later claims queue and commit together as before.
      const won = this.claimNow(this.commit.now, { platform, updateId, now, leaseMs });
      if (won !== undefined) return won;
    }
    if (this.commit.concurrent && !this.direct && !this.kicked && !this.draining) {
      // Postgres, nothing queued or in flight: the claim's statement is sent at once, without the
      // queue's microtask and batch bookkeeping. Claims made while it is in flight batch as before
      // (beside it, on another pooled connection: at most two statements of claims in flight).
      return this.claimDirect({ platform, updateId, now, leaseMs });
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ row: { platform, updateId, now, leaseMs }, resolve, reject });
      this.kick();
    });
  }

  private claimDirect(row: ClaimRow): Promise<ClaimResult> {
    this.direct = true;
    try {
      const { lone } = this.commit;
      return (lone ? lone(row) : this.commit([row], NO_MARKS).then(first)).then(this.directWon, this.directFailed);
    } catch (err) {
      this.direct = false;
      return Promise.reject(err);
    }
  }

  private readonly directWon = (won: boolean): ClaimResult => {
    this.direct = false;
    return won ? "claimed" : DUPLICATE;
  };

  private readonly directFailed = (err: unknown): never => {
    this.direct = false;
    throw err;
  };

  complete(platform: Platform, updateId: string, now: number): Promise<void> {
    this.marks.set(keyOf(platform, updateId), { platform, updateId, now });
    if (this.marks.size >= (this.opts.maxPendingMarks ?? MAX_PENDING_MARKS)) this.flushFull();
    else this.arm();
    return Promise.resolve();
  }

  /** Every pending done mark (and queued claim) written; rejects when the marks could not be. */
  async flush(): Promise<void> {
    // a timed flush in flight first: its marks are durable after it, or back in `marks` if it failed
    if (this.marking) await this.marking;
    return this.run(true);
  }

  /** Flushes and stops the timer (a process shutting down, after its router went idle). */
  async close(): Promise<void> {
    this.closed = true;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    await this.flush();
  }

  /** Done marks not yet durable (tests). */
  get pendingMarks(): number {
    return this.marks.size;
  }

  /**
   * One claim committed synchronously on its own; undefined when the database must be waited for
   * (then nothing was written and the claim queues). Marks the turn as taken.
   */
  private claimNow(now: NonNullable<CommitBatch["now"]>, row: ClaimRow): Promise<ClaimResult> | undefined {
    this.turnTaken = true;
    queueMicrotask(this.endTurn);
    let won: boolean[] | undefined;
    try {
      won = now([row], NO_MARKS);
    } catch (err) {
      return Promise.reject(err);
    }
    if (won === undefined) return undefined;
    return won[0] ? CLAIMED : DUPLICATE_P;
  }

  private readonly endTurn = () => {
    this.turnTaken = false;
  };

  /** The first claim of a turn schedules the batch; the rest of the turn's claims join it. */
  private kick(): void {
    if (this.kicked || this.draining) return; // a batch in flight takes the queue when it ends
    this.kicked = true;
    queueMicrotask(() => {
      this.kicked = false;
      void this.run(false);
    });
  }

  /**
   * Armed by the first pending mark; when it fires, whatever marks are pending are written. After a
   * failed flush (the database unreachable) it waits twice as long each time, up to 5 s.
   */
  private arm(): void {
    if (this.cancelTimer || this.closed) return;
    const base = this.opts.flushMs ?? DONE_FLUSH_MS;
    this.cancelTimer = (this.opts.timer ?? realTimer)(() => {
      this.cancelTimer = undefined;
      if (this.marks.size) void this.timedFlush();
    }, Math.min(base * 2 ** this.failedFlushes, Math.max(base, 5000)));
  }

  /** The pending marks written (what the timer does); a failure is counted and reported, never thrown. */
  private timedFlush(): Promise<void> {
    return (this.commit.concurrent ? this.writeMarks() : this.run(true)).then(
      () => {
        this.failedFlushes = 0;
      },
      (err: unknown) => {
        this.failedFlushes++;
        this.opts.onFlushError?.(err);
      },
    );
  }

  /**
   * MAX_PENDING_MARKS reached: a flush now, one at a time (the marks arriving meanwhile wait for the
   * next; while claims are being batched, the batches take them - see run); after a failed one the
   * timer's back-off decides when to try again, as for the timer's own.
   */
  private flushFull(): void {
    if (this.fullFlush || this.closed) return;
    if (this.failedFlushes) {
      this.arm();
      return;
    }
    this.fullFlush = this.timedFlush().finally(() => {
      this.fullFlush = undefined;
    });
  }

  /**
   * Concurrent batches (Postgres): the pending marks in a statement of their own, beside the claims -
   * a claim made meanwhile does not wait for it (a claim of an update in it waits for its row lock,
   * then sees it done: a duplicate). One such flush at a time; a failed one puts its marks back.
   */
  private writeMarks(): Promise<void> {
    const write = async () => {
      const marks = [...this.marks.values()];
      this.marks.clear();
      if (!marks.length) return;
      try {
        await this.commit(NO_CLAIMS, marks);
      } catch (err) {
        this.putBack(marks);
        throw err;
      }
    };
    // sent at once when none is in flight, else after it
    const p = this.marking ? this.marking.then(write) : write();
    const settled = p.catch(() => undefined);
    this.marking = settled;
    void settled.then(() => {
      if (this.marking === settled) this.marking = undefined;
    });
    return p;
  }

  /** Marks whose transaction failed wait for the next flush (a newer mark of the same update wins). */
  private putBack(marks: readonly DoneRow[]): void {
    for (const m of marks) {
      const k = keyOf(m.platform, m.updateId);
      if (!this.marks.has(k)) this.marks.set(k, m);
    }
    if (this.marks.size) this.arm();
  }

  private run(withMarks: boolean): Promise<void> {
    if (this.draining) {
      const after = this.draining.catch(() => undefined); // its failure was its caller's
      if (!withMarks) return after;
      // the batches in flight take the marks as soon as they can (claims arriving without a pause
      // would otherwise keep this flush waiting); after them, a run of its own writes what is left,
      // or waits for a batch that took them and is still in flight (resolved: the marks are durable)
      this.marksDue = true;
      return after.then(() => this.run(true));
    }
    const p = this.drain(withMarks).finally(() => {
      this.draining = undefined;
      if (this.queue.length) this.kick(); // claims that arrived as it ended
    });
    this.draining = p;
    return p;
  }

  private async drain(withMarks: boolean): Promise<void> {
    let marksWanted = withMarks;
    let marksFailed: unknown;
    while (this.queue.length || (marksWanted && this.marks.size)) {
      const failed = await this.batch(marksWanted || this.takeDue());
      marksWanted = false;
      if (failed !== undefined) marksFailed = failed.err;
    }
    if (withMarks && marksFailed !== undefined && this.marks.size) throw marksFailed;
  }

  private takeDue(): boolean {
    const due = this.marksDue || this.marks.size >= (this.opts.maxPendingMarks ?? MAX_PENDING_MARKS);
    this.marksDue = false;
    return due;
  }

  /** One transaction: the pending done marks when `withMarks` (a flush), then the queued claims of one lease. */
  private async batch(withMarks: boolean): Promise<{ err: unknown } | undefined> {
    const lease = this.queue[0]?.row.leaseMs;
    const claims = this.queue.filter((p) => p.row.leaseMs === lease);
    this.queue = claims.length === this.queue.length ? [] : this.queue.filter((p) => p.row.leaseMs !== lease);
    // Claims of an update done here, or claimed twice in this batch: duplicates, not sent (a statement
    // may not touch one row twice).
    const todo: Pending[] = [];
    const again: Pending[] = [];
    const seen = new Set<string>();
    for (const p of claims) {
      const k = keyOf(p.row.platform, p.row.updateId);
      if (this.marks.has(k)) p.resolve("duplicate");
      else if (seen.has(k)) again.push(p);
      else {
        seen.add(k);
        todo.push(p);
      }
    }
    const marks = withMarks ? [...this.marks.values()] : [];
    if (withMarks) this.marks.clear();
    if (!todo.length && !marks.length) return undefined;
    try {
      const won = await this.commit(
        todo.map((p) => p.row),
        marks,
      );
      for (let i = 0; i < todo.length; i++) todo[i]!.resolve(won[i] ? "claimed" : "duplicate");
      for (const p of again) p.resolve("duplicate");
      return undefined;
    } catch (err) {
      // Nothing of the transaction was kept: the marks wait for the next one, the claims fail.
      this.putBack(marks);
      for (const p of [...todo, ...again]) p.reject(err);
      return { err };
    }
  }
}

/** One batch's transaction on this database: prepared statements over the driver's own handle. */
export function commitBatchFor(d: Db, sqlite?: SqliteStatements): CommitBatch {
  const raw = d.raw;
  if (!raw) throw new Error("processed updates need the database's driver handle (createDatabase sets it)");
  return raw.kind === "sqlite" ? sqliteBatch(sqlite ?? new SqliteStatements(raw.sqlite, raw.lockWait, d.db)) : postgresBatch(raw.pool);
}

/** The dedupe store for this database. */
export function processedUpdates(d: Db, sqlite?: SqliteStatements, opts: BatchOptions = {}): BatchedProcessedUpdates {
  return new BatchedProcessedUpdates(commitBatchFor(d, sqlite), opts);
}
