import type { Leases } from "../../ports/kv.port.js";
import type { Logger } from "../../ports/logger.port.js";
import { LeaderLoop, type LoopStep } from "../leader-loop.js";
import { cycleText } from "./results.js";
import type { TickResult } from "./types.js";

/** The loop's leadership: which instance's loop ticks. Its holder keeps it between ticks. */
export const LOOP_LEASE = "treasury-loop";
/** The first tick comes this long after start (the price feeds get their first poll in). */
const FIRST_TICK_MS = 1000;

export interface RunnerDeps {
  leases: Leases;
  owner: string;
  ttlMs: number;
  log: Logger;
  now: () => number;
  /** One step on the leader: judges the schedule and runs a cycle when due (holding the run lease). */
  step: (step: LoopStep) => Promise<TickResult>;
}

type StepOutcome = { ok: true; result: TickResult } | { ok: false; err: unknown };

/**
 * The treasury's background loop on the shared LeaderLoop: one loop across all instances (the loop
 * lease, kept between ticks and renewed while a cycle runs), a tick every third of the lease TTL (at
 * most 30 s), the lease handed over at stop. Whether a tick trades is for the schedule and the run
 * lease to decide.
 */
export class TreasuryRunner {
  private readonly loop: LeaderLoop;
  private first: ReturnType<typeof setTimeout> | undefined;
  private last: StepOutcome | undefined;

  constructor(private readonly d: RunnerDeps) {
    this.loop = new LeaderLoop({
      name: "treasury",
      everyMs: Math.min(30_000, d.ttlMs / 3),
      lease: { leases: d.leases, owner: d.owner, ttlMs: d.ttlMs, name: LOOP_LEASE },
      log: d.log,
      now: d.now,
      run: (step) => this.runStep(step),
    });
  }

  /**
   * One loop step now: takes or renews the loop lease and, when the schedule says it is due, runs a
   * cycle. Null when another instance leads the loop. Waits for a step already running (and returns
   * its result); a step's error is thrown here as well as logged by the loop.
   */
  async tick(): Promise<TickResult | null> {
    this.last = undefined;
    await this.loop.runNow();
    const last = this.last as StepOutcome | undefined;
    if (!last) return null;
    if (!last.ok) throw last.err;
    return last.result;
  }

  start(): void {
    if (this.first) return;
    this.first = setTimeout(() => this.loop.start(), FIRST_TICK_MS);
    this.first.unref?.();
  }

  /** Stops ticking, waits for the step in flight and hands the loop lease over. */
  async stop(): Promise<void> {
    if (this.first) clearTimeout(this.first);
    this.first = undefined;
    await this.loop.stop();
  }

  private async runStep(step: LoopStep): Promise<void> {
    try {
      const result = await this.d.step(step);
      this.last = { ok: true, result };
      if (result.kind !== "not_due") this.d.log.info({ result: cycleText(result) }, "treasury cycle");
    } catch (err) {
      this.last = { ok: false, err };
      throw err;
    }
  }
}
