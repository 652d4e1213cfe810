import { dcaStep } from "../../domain/automation-schedule.js";
import type { FiringExecutor } from "./executor.js";
import type { AutomationDeps } from "./types.js";

/**
 * DCA schedules on the market clock (the replayed clock in replay, so REPLAY_SPEED=3600 shows a
 * daily DCA in 24 s). Due buys come from the store (dueDca: armed DCAs whose next buy is due), and
 * the firing number from the schedule (dcaStep), never from when the last buy ran, so every worker
 * agrees on it. After downtime only the latest due buy runs; the missed ones are told, not bunched.
 */
export class DcaSchedules {
  constructor(
    private readonly d: AutomationDeps,
    private readonly executor: FiringExecutor,
  ) {}

  /** Fires every DCA buy due now (at most `limit`); resolves when their attempts have ended. */
  async runDue(limit = 100): Promise<number> {
    const now = this.d.marketNow();
    let fired = 0;
    for (const a of await this.d.store.dueDca(now, limit)) {
      if (a.rule.kind !== "dca" || this.executor.isBusy(a.id)) continue;
      // A buy still running (retrying) holds the schedule: the next one waits for it to end.
      if ((await this.d.store.firingsOf(a.id)).some((f) => f.status === "running")) continue;
      const step = dcaStep(a.rule, a.firings, now);
      if (step.kind === "fire") {
        if (await this.executor.fire(a, step.firing, { priceUsd: null, missed: step.missed })) fired++;
      } else if (step.kind === "expired") await this.executor.expire(a, step.missed);
      else if (step.kind === "done") await this.d.store.setState(a.id, ["armed"], "done", this.d.clock.now());
    }
    return fired;
  }
}
