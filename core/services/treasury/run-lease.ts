import type { Clock } from "../../ports/clock.port.js";
import type { Leases } from "../../ports/kv.port.js";
import type { Logger } from "../../ports/logger.port.js";
import type { LoopStep } from "../leader-loop.js";
import type { Busy } from "./types.js";

export interface RunLeaseDeps {
  leases: Leases;
  /** Lease name, e.g. "treasury-run". */
  name: string;
  owner: string;
  ttlMs: number;
  clock: Clock;
  log: Logger;
}

/**
 * The lease every run that can trade holds for the whole of it (scheduled cycle, manual rebalance,
 * approval): taken at its start, renewed every third of its TTL and before every swap, released at
 * its end. Two instances never trade at once however long a run takes, and an idle loop leader never
 * blocks an admin's rebalance or Approve on another instance.
 *
 * Not a LeaderLoop: this is a critical section around one run, not a loop. It refuses (rather than
 * waits) when a run is already going, is released after every run, and judges a renewal more
 * strictly than the loop's lease does: a renewal that errors halts the run's next swap, and one that
 * comes later than the TTL after the last counts as lost (another instance may have held it meanwhile).
 */
export class RunLease {
  /** True while this instance runs a cycle, rebalance or approval (holding the lease for all of it). */
  private active = false;
  private running: Promise<unknown> | undefined;
  /** When the lease was last taken or renewed (clock time), and whether a renewal found it gone. */
  private leaseAt = 0;
  private lost = false;
  private renewing: Promise<boolean> | undefined;
  /** The loop step this run belongs to (a scheduled cycle): its lease is renewed alongside. */
  private step: LoopStep | undefined;

  constructor(private readonly d: RunLeaseDeps) {}

  /** True while a run holds the lease here (swaps may run only then). */
  get held(): boolean {
    return this.active;
  }

  /**
   * Runs `work` holding the lease for all of it. Refuses without running `work` when this instance
   * is already running one (`here`), or another instance holds the lease (`elsewhere`).
   */
  async exclusive<T>(work: () => Promise<T>, step?: LoopStep): Promise<T | Busy> {
    if (this.active) return { kind: "busy", where: "here" };
    this.active = true;
    let renewal: ReturnType<typeof setInterval> | undefined;
    try {
      if (!(await this.d.leases.acquire(this.d.name, this.d.owner, this.d.ttlMs))) return { kind: "busy", where: "elsewhere" };
      this.leaseAt = this.d.clock.now();
      this.lost = false;
      this.step = step;
      renewal = setInterval(() => void this.renew(), Math.max(10, Math.floor(this.d.ttlMs / 3)));
      renewal.unref?.();
      const run = work();
      this.running = run;
      return await run;
    } finally {
      this.step = undefined;
      if (renewal) {
        clearInterval(renewal);
        await this.renewing;
        await this.d.leases.release(this.d.name, this.d.owner).catch((err: unknown) => this.d.log.warn({ err }, "treasury lease release failed"));
      }
      this.active = false;
    }
  }

  /**
   * Renews the lease held by the current run: false, and remembered for the rest of the run, once it
   * was lost (taken by another instance, or left unrenewed longer than its TTL). A renewal that errors
   * is false too, but a later one may still succeed.
   */
  renew(): Promise<boolean> {
    this.renewing ??= this.tryRenew().finally(() => {
      this.renewing = undefined;
    });
    return this.renewing;
  }

  /**
   * Before every swap: renews the lease now (see renew). During a scheduled cycle the loop's lease is
   * renewed alongside (LeaderLoop's step.renew(); its heartbeat renews it between swaps), though only
   * the run lease decides whether the next swap may run.
   */
  async beforeSwap(): Promise<boolean> {
    await this.step?.renew();
    return this.renew();
  }

  /** Waits for the run in flight, if any (at stop). */
  async idle(): Promise<void> {
    await this.running?.catch(() => undefined);
  }

  async release(): Promise<void> {
    await this.d.leases.release(this.d.name, this.d.owner).catch(() => undefined);
  }

  private async tryRenew(): Promise<boolean> {
    if (this.lost) return false;
    const now = this.d.clock.now();
    try {
      if (now - this.leaseAt <= this.d.ttlMs && (await this.d.leases.acquire(this.d.name, this.d.owner, this.d.ttlMs))) {
        this.leaseAt = now;
        return true;
      }
    } catch (err) {
      this.d.log.warn({ err }, "treasury lease renewal failed");
      return false;
    }
    this.lost = true;
    this.d.log.error({ lease: this.d.name, owner: this.d.owner }, "treasury lease lost mid-run: no further swaps in this run");
    return false;
  }
}
