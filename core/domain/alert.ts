import type { Platform } from "./identity.js";

export type AlertKind = "above" | "below" | "move" | "value_above" | "value_below";
export type AlertState = "armed" | "cooling" | "done" | "expired" | "cancelled";
export const ACTIVE_ALERT_STATES: readonly AlertState[] = ["armed", "cooling"];

export interface Alert {
  id: string;
  userId: string;
  kind: AlertKind;
  /** Token mint (null for portfolio-value alerts). */
  mint: string | null;
  symbol: string;
  /** Price level (above/below) or USD value (value_*). */
  level: number;
  /** Move size in percent (move). */
  pct: number;
  windowMs: number;
  repeat: boolean;
  cooldownMs: number;
  /** Re-arm only after the price moves back this far past the level (percent of the level). */
  hysteresisPct: number;
  expiresAt: number | null;
  state: AlertState;
  fireCount: number;
  lastFiredAt: number | null;
  /** Price or value when created (crossing reference). */
  refValue: number;
  createdAt: number;
  updatedAt: number;
  notify: { platform: Platform; chatId: string };
}

/** May a cooling alert arm again at price p and time now? */
export function canRearm(a: Alert, p: number, now: number): boolean {
  if (a.lastFiredAt !== null && now - a.lastFiredAt < a.cooldownMs) return false;
  const h = a.hysteresisPct / 100;
  if (a.kind === "above" || a.kind === "value_above") return p <= a.level * (1 - h);
  if (a.kind === "below" || a.kind === "value_below") return p >= a.level * (1 + h);
  return true;
}

/** Does a threshold alert's condition hold at p? */
export function thresholdHolds(kind: AlertKind, level: number, p: number): boolean {
  if (kind === "above" || kind === "value_above") return p >= level;
  if (kind === "below" || kind === "value_below") return p <= level;
  return false;
}

/** "5m", "1h", "24h", "7d" -> ms; undefined when not a duration. */
export function parseDuration(s: string): number | undefined {
  const m = /^(\d{1,4})\s*(s|m|min|h|d|w)$/i.exec(s.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2]!.toLowerCase();
  const ms = { s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 }[unit]!;
  return n > 0 ? n * ms : undefined;
}

export function formatDuration(ms: number): string {
  for (const [u, v] of [["w", 7 * 86_400_000], ["d", 86_400_000], ["h", 3_600_000], ["m", 60_000]] as const) {
    if (ms >= v && ms % v === 0) return `${ms / v}${u}`;
  }
  return `${Math.round(ms / 1000)}s`;
}
