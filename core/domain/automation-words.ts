/**
 * The words of an automation command: tokens, amounts, shares, price levels, percentages,
 * intervals, counts and dates, each read strictly with a clear UserError for the user.
 *
 * Pure: imports only core/domain and core/errors.ts.
 */

import { UserError, type ErrorCode } from "../errors.js";
import { parseDuration } from "./alert.js";
import { AUTOMATION_LIMITS, type AmountText, type LevelSpec } from "./automation.js";
import { U64_MAX } from "./money.js";

/** The codes automation parsing and resolution throw (UserError.code). */
export type AutomationErrorCode = Extract<
  ErrorCode,
  "bad_automation" | "bad_amount" | "bad_level" | "bad_schedule" | "bad_token" | "same_token" | "level_crossed"
>;

export function fail(code: AutomationErrorCode, message: string, context: Record<string, unknown> = {}): never {
  throw new UserError(code, message, context);
}

/** A word as shown back to the user: short, so a pasted essay is not echoed. */
export const quote = (w: string) => `"${w.length > 24 ? `${w.slice(0, 24)}...` : w}"`;

const KEYWORDS = new Set([
  "at", "every", "each", "times", "x", "until", "till", "for", "to", "into", "buy", "sell", "all", "max",
  "daily", "hourly", "weekly",
]);
export const isKeyword = (w: string) => KEYWORDS.has(w.toLowerCase());

/** "$SOL" -> "SOL"; a symbol or a mint, kept as typed (resolution is the service's job). */
export function parseTokenWord(w: string | undefined, what = "token"): string {
  if (w === undefined) fail("bad_token", `Name the ${what}, e.g. SOL.`);
  const s = /^\$[A-Za-z]/.test(w) ? w.slice(1) : w;
  if (isKeyword(s) || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,43}$/.test(s) || /^[\d.]+$/.test(s)) {
    fail("bad_token", `${quote(w)} is not a ${what}. Use a symbol like SOL or a mint address.`, { word: w.slice(0, 64) });
  }
  return s;
}

/** Strips "$", "_" and thousands separators ("1,000.5"); null when commas are used any other way. */
function plainNumber(w: string): { text: string; usd: boolean } | null {
  const usd = w.startsWith("$");
  let s = (usd ? w.slice(1) : w).replace(/_/g, "");
  if (s.includes(",")) {
    if (!/^\d{1,3}(,\d{3})+(\.\d*)?$/.test(s)) return null;
    s = s.replace(/,/g, "");
  }
  return { text: s, usd };
}

function numberProblem(w: string, s: string): string {
  if (s.startsWith("-")) return "must be positive";
  if (/^[\d.]+e[+-]?\d+$/i.test(s)) return "must be a plain number (no exponent)";
  return `${quote(w)} is not a number`;
}

/**
 * A token amount as decimal text ("$100" -> { text: "100", usd: true }). The exact base units
 * wait for the token's decimals (parseAmount at resolution); here: a plain positive number whose
 * whole part fits in u64.
 */
export function parseAmountWord(w: string | undefined, what = "amount"): { text: string; usd: boolean } {
  if (w === undefined) fail("bad_amount", `Give the ${what}, e.g. 100.`);
  const n = plainNumber(w);
  if (!n || !/^\d{1,20}(\.\d{1,30})?$|^\.\d{1,30}$/.test(n.text)) {
    fail("bad_amount", `The ${what} ${numberProblem(w, n?.text ?? w)}, e.g. 100 or 0.5.`, { word: w.slice(0, 64) });
  }
  const [whole = "", frac = ""] = n.text.split(".");
  if (BigInt(whole || "0") > U64_MAX) fail("bad_amount", `The ${what} is too large.`);
  if (!/[1-9]/.test(whole + frac)) fail("bad_amount", `The ${what} must be greater than zero.`);
  return { text: n.text.startsWith(".") ? `0${n.text}` : n.text, usd: n.usd };
}

/** A share of a holding: "all" / "max" / "100%", "NN%" (up to 2 decimals), or an exact amount. */
export function parseShareWord(w: string): AmountText {
  const s = w.toLowerCase();
  if (s === "all" || s === "max") return { kind: "all" };
  if (s.endsWith("%")) {
    const m = /^(\d{1,3}(?:\.\d{1,2})?)%$/.exec(s);
    const bps = m ? Math.round(Number(m[1]) * 100) : NaN;
    if (!(bps > 0 && bps <= 10_000)) fail("bad_amount", `${quote(w)}: a share of your holding is more than 0% and at most 100%, e.g. 50%.`);
    return bps === 10_000 ? { kind: "all" } : { kind: "percent", bps };
  }
  return { kind: "amount", text: parseAmountWord(w).text };
}

/** "10%", "-10%", "+10%", "2.5%": sign and size, or undefined when the word is not a percentage. */
export function percentOf(w: string): { sign: "" | "+" | "-"; pct: number } | undefined {
  const m = /^([+-]?)(\d{1,6}(?:\.\d{1,4})?)%$/.exec(w);
  if (!m) return undefined;
  return { sign: (m[1] ?? "") as "" | "+" | "-", pct: Number(m[2]) };
}

/** An absolute USD price ("205", "$205", "0.000021", "1,250.5"), within (0, maxPriceUsd]. */
export function parsePriceWord(w: string): number {
  const n = plainNumber(w);
  if (!n || !/^\d{1,15}(\.\d{1,18})?$|^\.\d{1,18}$/.test(n.text)) {
    fail("bad_level", `The price ${numberProblem(w, n?.text ?? w)}, e.g. 205 or 0.00002.`, { word: w.slice(0, 64) });
  }
  const v = Number(n.text);
  if (!(v > 0)) fail("bad_level", "The price must be greater than zero.");
  if (v > AUTOMATION_LIMITS.maxPriceUsd) fail("bad_level", "That price is too large.");
  return v;
}

/**
 * A level: an absolute price, or "N%" meaning that far on `side` of the price when set. A sign
 * may be written ("-5%" below, "+20%" above) but must agree with the side.
 */
export function parseLevelWord(w: string | undefined, side: "below" | "above", what: string): LevelSpec {
  if (w === undefined) fail("bad_level", `Give the ${what}: a price like 205, or a percentage like 10%.`);
  const p = percentOf(w);
  if (!p) {
    if (w.endsWith("%")) fail("bad_level", `${quote(w)} is not a percentage, e.g. 10%.`);
    return { kind: "price", usd: parsePriceWord(w) };
  }
  if ((p.sign === "+" && side === "below") || (p.sign === "-" && side === "above")) {
    fail("bad_level", `A ${what} is ${side} the price: write ${p.pct}% (it means ${p.pct}% ${side} the price when set).`);
  }
  const { minBelowPct, maxBelowPct, maxAbovePct } = AUTOMATION_LIMITS;
  const max = side === "below" ? maxBelowPct : maxAbovePct;
  if (!(p.pct >= minBelowPct && p.pct <= max)) fail("bad_level", `A ${what} of ${p.pct}% is out of range: use ${minBelowPct}% to ${max}%.`);
  return { kind: "percent", pct: p.pct, side };
}

/** The trailing distance: "N%" between minBelowPct and maxBelowPct. */
export function parseTrailWord(w: string | undefined): number {
  const p = w === undefined ? undefined : percentOf(w.replace(/^-/, ""));
  if (!p || p.sign === "+") fail("bad_level", "Give the trailing distance as a percentage, e.g. /trail SOL 10%.");
  const { minBelowPct, maxBelowPct } = AUTOMATION_LIMITS;
  if (!(p.pct >= minBelowPct && p.pct <= maxBelowPct)) fail("bad_level", `A trailing distance of ${p.pct}% is out of range: use ${minBelowPct}% to ${maxBelowPct}%.`);
  return p.pct;
}

const NAMED_INTERVALS: Readonly<Record<string, number>> = {
  hour: 3_600_000, hourly: 3_600_000, day: 86_400_000, daily: 86_400_000, week: 7 * 86_400_000, weekly: 7 * 86_400_000,
};

/** A DCA interval: "6h", "1d", "2w", "day", "daily" ...; between 1 hour and 30 days. */
export function parseEveryWord(w: string | undefined): number {
  if (w === undefined) fail("bad_schedule", "Say how often, e.g. every 1d.");
  const ms = NAMED_INTERVALS[w.toLowerCase()] ?? parseDuration(w);
  if (ms === undefined) fail("bad_schedule", `${quote(w)} is not an interval: use e.g. 6h, 1d or 7d.`);
  if (ms < AUTOMATION_LIMITS.minEveryMs) fail("bad_schedule", "A DCA runs at most once an hour: use an interval of 1h or more.");
  if (ms > AUTOMATION_LIMITS.maxEveryMs) fail("bad_schedule", "A DCA interval can be at most 30d.");
  return ms;
}

/** How many buys: a whole number from 1 to maxTimes. */
export function parseTimesWord(w: string | undefined): number {
  if (w === undefined || !/^\d{1,9}$/.test(w)) fail("bad_schedule", `Say how many times as a whole number, e.g. times 10${w === undefined ? "" : ` (not ${quote(w)})`}.`);
  const n = Number(w);
  if (n < 1) fail("bad_schedule", "times must be at least 1.");
  if (n > AUTOMATION_LIMITS.maxTimes) fail("bad_schedule", `times can be at most ${AUTOMATION_LIMITS.maxTimes}.`);
  return n;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?Z?)?$/i;

/** "2025-02-01" (the start of that day, UTC) or "2025-02-01T12:00[:00][Z]" (UTC) -> epoch ms. */
export function parseDateWord(w: string | undefined): number {
  const m = w === undefined ? null : DATE_RE.exec(w);
  if (!m) fail("bad_schedule", `Give the end date as YYYY-MM-DD or YYYY-MM-DDTHH:MM (UTC)${w === undefined ? "" : `, not ${quote(w)}`}.`);
  const [y, mo, d, hh, mi, ss] = m.slice(1).map((v) => Number(v ?? 0)) as [number, number, number, number, number, number];
  const t = Date.UTC(y, mo - 1, d, hh, mi, ss);
  const back = new Date(t);
  if (mo < 1 || mo > 12 || back.getUTCDate() !== d || hh > 23 || mi > 59 || ss > 59) fail("bad_schedule", `${quote(w ?? "")} is not a real date.`);
  return t;
}
