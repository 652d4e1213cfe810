import type { Logger } from "../../ports/logger.port.js";
import { BREAKERS, type BreakerName, type TreasuryObservation, type TreasuryState } from "./types.js";

/**
 * Keeps the latest known drift per asset (actual minus target, percentage points) and tells the
 * observer (metrics) the drift, the breakers and the pause flag. Its errors are logged, never thrown.
 */
export class TreasuryObserver {
  private drift: Record<string, number> = {};

  constructor(
    private readonly targets: Readonly<Record<string, number>>,
    private readonly log: Logger,
    private readonly onState?: (s: TreasuryObservation) => void,
  ) {}

  setDrift(allocation: Record<string, number>): void {
    this.drift = Object.fromEntries(Object.entries(this.targets).map(([sym, target]) => [sym, (allocation[sym] ?? 0) - target]));
  }

  observe(state: TreasuryState): void {
    if (!this.onState) return;
    try {
      const breakers = Object.fromEntries(BREAKERS.map((b) => [b, Boolean(state.breakers[b])])) as Record<BreakerName, boolean>;
      this.onState({ driftPct: { ...this.drift }, breakers, paused: state.paused });
    } catch (err) {
      this.log.warn({ err }, "treasury observer failed");
    }
  }
}
