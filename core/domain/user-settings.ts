/**
 * Per-user settings (issue 18). The operator's settings are the ceiling: a stored value above a
 * cap is clamped when read (the cap may have been lowered since), never trusted.
 * Pure: imports only core/domain.
 */
import { z } from "zod";
import { PLATFORMS, type Platform } from "./identity.js";

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
  // high: what live swaps paid before per-user settings (Jupiter's "high" estimate up to the operator's cap)
  priorityFee: "high",
});

// ---------------------------------------------------------------------------------------------------
// Validation, ceilings and quiet hours (issue 18, s18-settings). Pure: zod and Intl only.

export const PRIORITY_FEE_LEVELS: readonly PriorityFeeLevel[] = ["none", "low", "medium", "high"];
export const PAY_TOKENS = ["SOL", "USDC"] as const;

/** Bounds no operator setting can widen: slippage as the config allows it, presets of a sane size. */
export const SETTING_BOUNDS = {
  slippageBps: { min: 1, max: 5000 },
  presets: { count: 4, max: { SOL: 10_000, USDC: 1_000_000 }, decimals: { SOL: 9, USDC: 6 } },
  quickBuyMaxUsd: { max: 1_000_000 },
} as const;

/** The operator's ceilings over every user's settings. */
export interface SettingsCaps {
  /** MAX_SLIPPAGE_BPS. */
  maxSlippageBps: number;
  /** MAX_TRADE_USD: the quick-buy limit never passes it. */
  maxTradeUsd: number;
  /** MAX_PRIORITY_FEE_LEVEL. */
  maxPriorityFee: PriorityFeeLevel;
}

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

/** True when `tz` is an IANA time zone this runtime knows. */
export function isTimeZone(tz: string): boolean {
  if (!tz || tz.length > 64) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const presetList = (token: "SOL" | "USDC") =>
  z
    .array(
      z
        .string()
        .regex(new RegExp(`^\\d{1,7}(\\.\\d{1,${SETTING_BOUNDS.presets.decimals[token]}})?$`), `${token} presets are plain amounts like 0.5 (at most ${SETTING_BOUNDS.presets.decimals[token]} decimals)`)
        .refine((s) => Number(s) > 0, `${token} presets must be more than 0`)
        .refine((s) => Number(s) <= SETTING_BOUNDS.presets.max[token], `Each ${token} preset can be at most ${SETTING_BOUNDS.presets.max[token]} ${token}.`),
    )
    .min(1, `Give at least one ${token} preset`)
    .max(SETTING_BOUNDS.presets.count, `At most ${SETTING_BOUNDS.presets.count} ${token} presets`);

export const quietHoursSchema = z
  .object({
    start: z.string().regex(HHMM, "Quiet hours are HH:MM-HH:MM, e.g. 22:00-07:00"),
    end: z.string().regex(HHMM, "Quiet hours are HH:MM-HH:MM, e.g. 22:00-07:00"),
    tz: z.string().refine(isTimeZone, "That is not a time zone I know: use an IANA name like Europe/Berlin or America/New_York"),
  })
  .refine((q) => q.start !== q.end, "Quiet hours must start and end at different times");

/** Every setting's own bounds (the operator's ceilings are checked on top: see settingsOverCap). */
export const userSettingsSchema = z.object({
  slippageBps: z
    .number()
    .int("Slippage is a whole number of basis points")
    .min(SETTING_BOUNDS.slippageBps.min, `Slippage is at least ${SETTING_BOUNDS.slippageBps.min} bps`)
    .max(SETTING_BOUNDS.slippageBps.max, `Slippage is at most ${SETTING_BOUNDS.slippageBps.max} bps`)
    .nullable(),
  buyPresets: z.object({ SOL: presetList("SOL"), USDC: presetList("USDC") }),
  payToken: z.enum(PAY_TOKENS, "Pay with SOL or USDC"),
  quickBuyMaxUsd: z.number().positive("The quick-buy limit must be more than $0").max(SETTING_BOUNDS.quickBuyMaxUsd.max).nullable(),
  pushPlatforms: z
    .array(z.enum(PLATFORMS as [Platform, ...Platform[]], `Platforms are ${PLATFORMS.join(", ")}`))
    .min(1, "Name at least one platform, or all")
    .refine((a) => new Set(a).size === a.length, "Name each platform once")
    .nullable(),
  quietHours: quietHoursSchema.nullable(),
  priorityFee: z.enum(PRIORITY_FEE_LEVELS as ["none", "low", "medium", "high"], "Priority fee is none, low, medium or high"),
});

/** A change a user asks for: any subset of the settings. */
export const userSettingsPatchSchema = userSettingsSchema.partial();

const feeRank = (l: PriorityFeeLevel) => PRIORITY_FEE_LEVELS.indexOf(l);

/** The first setting of `patch` over an operator's ceiling, with the sentence the user sees; undefined when none is. */
export function settingsOverCap(patch: Partial<UserSettings>, caps: SettingsCaps): { setting: keyof UserSettings; message: string } | undefined {
  if (patch.slippageBps != null && patch.slippageBps > caps.maxSlippageBps) {
    return { setting: "slippageBps", message: `Slippage can be at most ${caps.maxSlippageBps} bps: the operator's cap (MAX_SLIPPAGE_BPS).` };
  }
  if (patch.quickBuyMaxUsd != null && patch.quickBuyMaxUsd > caps.maxTradeUsd) {
    return { setting: "quickBuyMaxUsd", message: `The quick-buy limit can be at most $${caps.maxTradeUsd}: the operator's cap (MAX_TRADE_USD).` };
  }
  if (patch.priorityFee !== undefined && feeRank(patch.priorityFee) > feeRank(caps.maxPriorityFee)) {
    return { setting: "priorityFee", message: `The priority fee can be at most ${caps.maxPriorityFee}: the operator's cap (MAX_PRIORITY_FEE_LEVEL).` };
  }
  return undefined;
}

/**
 * What applies to the user: the stored values over the defaults, each read through its schema (a
 * stored value that no longer reads is the default), then clamped to the operator's ceilings, which
 * may have been lowered since the user chose.
 */
export function effectiveSettings(stored: Partial<UserSettings> | undefined, caps: SettingsCaps): UserSettings {
  const out: UserSettings = structuredClone({ ...DEFAULT_USER_SETTINGS }) as UserSettings;
  const shape = userSettingsSchema.shape;
  for (const key of Object.keys(shape) as Array<keyof UserSettings>) {
    if (!stored || !Object.hasOwn(stored, key)) continue;
    const r = shape[key].safeParse(stored[key]);
    if (r.success) (out as unknown as Record<string, unknown>)[key] = r.data;
  }
  if (out.slippageBps !== null) out.slippageBps = Math.min(out.slippageBps, caps.maxSlippageBps);
  if (out.quickBuyMaxUsd !== null) out.quickBuyMaxUsd = Math.min(out.quickBuyMaxUsd, caps.maxTradeUsd);
  if (feeRank(out.priorityFee) > feeRank(caps.maxPriorityFee)) out.priorityFee = caps.maxPriorityFee;
  return out;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
/** Local hour and minute at `ms` in `tz` (Intl applies the zone's rules, daylight saving included). */
function localMinute(ms: number, tz: string): number {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-GB", { timeZone: tz, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    if (formatters.size > 500) formatters.clear();
    formatters.set(tz, f);
  }
  let h = 0;
  let m = 0;
  for (const p of f.formatToParts(ms)) {
    if (p.type === "hour") h = Number(p.value) % 24;
    else if (p.type === "minute") m = Number(p.value);
  }
  return h * 60 + m;
}

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Whether `nowMs` falls in the quiet hours, in their own time zone: [start, end), wrapping midnight when start > end. */
export function inQuietHours(qh: QuietHours, nowMs: number): boolean {
  const m = localMinute(nowMs, qh.tz);
  const s = minutesOf(qh.start);
  const e = minutesOf(qh.end);
  return s < e ? m >= s && m < e : m >= s || m < e;
}

/**
 * When the quiet hours that hold `nowMs` end: the first whole minute after it that is no longer quiet
 * (undefined when `nowMs` is not in quiet hours). Walks the clock in real minutes, so a day that is
 * 23 or 25 hours long (daylight saving) ends them at the right instant. Two callers during the same
 * quiet hours get the same answer.
 */
export function quietHoursEnd(qh: QuietHours, nowMs: number): number | undefined {
  if (!inQuietHours(qh, nowMs)) return undefined;
  let t = Math.floor(nowMs / 60_000) * 60_000;
  for (let i = 0; i < 26 * 60; i++) {
    t += 60_000;
    if (!inQuietHours(qh, t)) return t;
  }
  return t;
}
