import type { Leases } from "../ports/kv.port.js";
import type { Logger } from "../ports/logger.port.js";
import { LeaderLoop } from "./leader-loop.js";

/** The lease that makes one process of the deployment record the snapshots. */
export const SNAPSHOTS_LEASE = "portfolio-snapshots";

export interface PortfolioSnapshotsDeps {
  /** Values every user's book and records a snapshot of each (PortfolioService.snapshotAll). */
  portfolio: { snapshotAll(): Promise<number> };
  leases: Leases;
  /** This process's name on the lease. */
  owner: string;
  everyMs: number;
  log: Logger;
}

/**
 * /pnl's value over time: every portfolio valued on a schedule, by one process at a time (lease),
 * the first time one interval after start.
 */
export class PortfolioSnapshots {
  private readonly loop: LeaderLoop<void>;

  constructor(private readonly d: PortfolioSnapshotsDeps) {
    this.loop = new LeaderLoop({
      name: "portfolio snapshots",
      everyMs: d.everyMs,
      immediate: false,
      fixedRate: true,
      log: d.log,
      // Shorter than the interval: a holder that stops is taken over by the next run elsewhere.
      lease: { leases: d.leases, owner: d.owner, ttlMs: d.everyMs / 2, name: SNAPSHOTS_LEASE },
      run: () => this.record(),
      failureLog: { failed: "portfolio snapshots failed" },
    });
  }

  start(): void {
    this.loop.start();
  }

  /** Waits for a run in flight and hands the lease over. */
  async stop(): Promise<void> {
    await this.loop.stop();
  }

  private async record(): Promise<void> {
    const n = await this.d.portfolio.snapshotAll();
    this.d.log.info({ users: n }, "portfolio snapshots recorded");
  }
}
