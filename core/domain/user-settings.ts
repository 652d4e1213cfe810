/**
 * Per-user settings (issue 18). The operator's settings are the ceiling: a stored value above a
 * cap is clamped when read (the cap may have been lowered since), never trusted.
 * Pure: imports only core/domain.
 */
import type { Platform } from "./identity.js";

export type PriorityFeeLevel = "none" | "low" | "medium" | "high";

export interface QuietHours {
  /** "HH:MM" local time in `tz`; start > end wraps midnight. */
  start: string;
  end: string;
  /** IANA time zone, e.g. "Europe/Berlin". */
  tz: string;
}

export interface UserSettings {
  /** Default slippage for this user's trades (bps), at most the operator's MAX_SLIPPAGE_BPS. */
  slippageBps: number | null;
  /** One-tap buy sizes, in the pay token. */
  buyPresets: { SOL: string[]; USDC: string[] };
  /** Token one-tap buys pay with. */
  payToken: "SOL" | "USDC";
  /** Skip the preview for preset buys at or under this USD value (never above MAX_TRADE_USD); null: always preview. */
  quickBuyMaxUsd: number | null;
  /** Which linked platforms get pushes (alerts, fills, automation outcomes); null: all. */
  pushPlatforms: Platform[] | null;
  /** Pushes held during these hours and summarised after; null: none. */
  quietHours: QuietHours | null;
  /** Priority fee for live swaps, within the operator's cap. */
  priorityFee: PriorityFeeLevel;
}

export const DEFAULT_USER_SETTINGS: Readonly<UserSettings> = Object.freeze({
  slippageBps: null,
  buyPresets: { SOL: ["0.1", "0.5", "1"], USDC: ["10", "50", "100"] },
  payToken: "SOL",
  quickBuyMaxUsd: null,
  pushPlatforms: null,
  quietHours: null,
  priorityFee: "low",
});
