import type { Alert } from "../../core/domain/alert.js";

/** An armed, one-shot price-level alert, as /alert <token> above|below <level> leaves it. */
export function levelAlert(a: Pick<Alert, "id" | "userId" | "kind" | "mint" | "symbol" | "level" | "refValue" | "notify"> & { at: number }): Alert {
  return {
    id: a.id,
    userId: a.userId,
    kind: a.kind,
    mint: a.mint,
    symbol: a.symbol,
    level: a.level,
    pct: 0,
    windowMs: 0,
    repeat: false,
    cooldownMs: 0,
    hysteresisPct: 0,
    expiresAt: null,
    state: "armed",
    fireCount: 0,
    lastFiredAt: null,
    refValue: a.refValue,
    createdAt: a.at,
    updatedAt: a.at,
    notify: a.notify,
  };
}
