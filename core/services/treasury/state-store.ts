import type { RebalancePlan } from "../../domain/rebalance.js";
import type { Clock } from "../../ports/clock.port.js";
import type { KvStore } from "../../ports/kv.port.js";
import type { TreasuryState } from "./types.js";

const STATE_KEY = "treasury:state";
/** Runs kept in the history. */
const HISTORY = 50;

/** The UTC day of a time, e.g. "2026-12-06" (the turnover budget and the loss limit are per day). */
export const utcDay = (t: number) => new Date(t).toISOString().slice(0, 10);

/**
 * The treasury's persisted state: one JSON value in the KV store, read fresh every time and written by
 * compare-and-set (retried), so a pause, resume or reject never overwrites what a running cycle saved
 * and a cycle's save never loses a pause.
 */
export class TreasuryStateStore {
  constructor(
    private readonly kv: KvStore,
    private readonly clock: Clock,
  ) {}

  async read(): Promise<TreasuryState> {
    return this.parse(await this.kv.get(STATE_KEY));
  }

  /** Reads, changes and writes the state atomically (compare-and-set, retried). */
  async mutate(change: (current: TreasuryState) => TreasuryState): Promise<TreasuryState> {
    for (let attempt = 0; ; attempt++) {
      const raw = await this.kv.get(STATE_KEY);
      const next = change(this.parse(raw));
      next.history = next.history.slice(-HISTORY);
      const text = JSON.stringify(next, (_k, v: unknown) => (typeof v === "bigint" ? { $big: v.toString() } : v));
      if (await this.kv.compareAndSet(STATE_KEY, raw, text, this.clock.now())) return next;
      if (attempt >= 20) throw new Error("the treasury state kept changing under this write; try again");
    }
  }

  /**
   * Saves a run's state. The kill switch wins: a pause stored since the run read its state (an admin's
   * /treasury pause mid-cycle) is kept, never overwritten with a stale "running".
   */
  async save(s: TreasuryState): Promise<void> {
    await this.mutate((cur) =>
      cur.paused && !s.paused
        ? { ...s, paused: true, ...(cur.pausedReason !== undefined ? { pausedReason: cur.pausedReason } : {}), breakers: { ...cur.breakers, ...s.breakers } }
        : { ...s },
    );
  }

  /** Clears the pending plan if it is still `id`: true when this call took it (a second one finds nothing). */
  async takePending(id: string): Promise<boolean> {
    let mine = false;
    await this.mutate((cur) => {
      mine = cur.pending?.id === id;
      return mine ? { ...cur, pending: undefined } : cur;
    });
    return mine;
  }

  private parse(raw: string | undefined): TreasuryState {
    const s: TreasuryState = raw
      ? (JSON.parse(raw) as TreasuryState)
      : { paused: false, day: utcDay(this.clock.now()), turnoverTodayUsd: 0, consecutiveFailures: 0, breakers: {}, history: [] };
    if (s.pending?.plan) s.pending.plan = revivePlan(s.pending.plan);
    return s;
  }
}

/** A stored plan's swap amounts back to bigint (stored as `{ $big: "..." }`). */
function revivePlan(p: RebalancePlan): RebalancePlan {
  return { ...p, swaps: p.swaps.map((s) => ({ ...s, amountIn: BigInt((s.amountIn as unknown as { $big?: string }).$big ?? String(s.amountIn)) })) };
}
