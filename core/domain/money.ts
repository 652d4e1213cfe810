import { UserError } from "../errors.js";

/** Largest amount we accept in base units (u64 max: what SPL tokens can hold). */
export const U64_MAX = (1n << 64n) - 1n;

const PLAIN = /^\d{1,30}(\.\d{0,30})?$|^\.\d{1,30}$/;

/**
 * "1.5" -> 1_500_000_000n for 9 decimals. Plain decimal numbers only: no sign, no exponent, no
 * commas; at most `decimals` fractional digits; greater than zero; within u64.
 */
export function parseAmount(input: string, decimals: number, symbol = ""): bigint {
  const s = input.trim().replace(/_/g, "");
  const what = symbol ? ` of ${symbol}` : "";
  if (!s) throw new UserError("bad_amount", `Give an amount${what}, e.g. 1.5.`);
  if (/^-/.test(s)) throw new UserError("bad_amount", "The amount must be positive.");
  if (/e/i.test(s) && /^[\d.]+e[+-]?\d+$/i.test(s)) {
    throw new UserError("bad_amount", `Write the amount as a plain number (no exponent), e.g. 0.25.`);
  }
  if (!PLAIN.test(s)) throw new UserError("bad_amount", `"${s.slice(0, 24)}" is not an amount. Use a number like 0.5.`);
  const [whole = "0", frac = ""] = s.split(".");
  if (frac.length > decimals) {
    throw new UserError("bad_amount", `${symbol || "That token"} has ${decimals} decimals: ${s} is more precise than that.`);
  }
  const units = BigInt(whole || "0") * 10n ** BigInt(decimals) + BigInt((frac + "0".repeat(decimals)).slice(0, decimals) || "0");
  if (units <= 0n) throw new UserError("bad_amount", "The amount must be greater than zero.");
  if (units > U64_MAX) throw new UserError("bad_amount", "That amount is too large.");
  return units;
}

/** 1_500_000_000n, 9 -> "1.5"; trailing zeros trimmed; `maxFrac` rounds down for display. */
export function formatAmount(units: bigint, decimals: number, maxFrac = decimals): string {
  const neg = units < 0n;
  let u = neg ? -units : units;
  if (maxFrac < decimals) {
    const cut = 10n ** BigInt(decimals - maxFrac);
    u = (u / cut) * cut;
  }
  const base = 10n ** BigInt(decimals);
  const whole = (u / base).toString();
  const frac = decimals ? (u % base).toString().padStart(decimals, "0").replace(/0+$/, "") : "";
  const w = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${neg ? "-" : ""}${w}${frac ? `.${frac}` : ""}`;
}

/** The same amount for machines (APIs, streams): a plain decimal string, no thousands separators. */
export const plainAmount = (units: bigint, decimals: number): string => formatAmount(units, decimals).replaceAll(",", "");

export type AmountSpec = { kind: "units"; units: bigint } | { kind: "percent"; bps: number } | { kind: "all" };

/** An amount, or (where allowed) "NN%" of a balance, or "all". */
export function parseAmountSpec(input: string, decimals: number, opts: { symbol?: string; allowShare?: boolean } = {}): AmountSpec {
  const s = input.trim().toLowerCase();
  if (opts.allowShare) {
    if (s === "all" || s === "max") return { kind: "all" };
    const pct = /^(\d{1,3}(?:\.\d{1,2})?)%$/.exec(s);
    if (pct) {
      const bps = Math.round(Number(pct[1]) * 100);
      if (bps <= 0 || bps > 10_000) throw new UserError("bad_amount", "A percentage must be more than 0% and at most 100%.");
      return bps === 10_000 ? { kind: "all" } : { kind: "percent", bps };
    }
    if (s.endsWith("%")) throw new UserError("bad_amount", "A percentage must be more than 0% and at most 100%.");
  } else if (s === "all" || s.endsWith("%")) {
    throw new UserError("bad_amount", "Give an exact amount here, e.g. 20.");
  }
  return { kind: "units", units: parseAmount(input, decimals, opts.symbol) };
}

/** Share of a balance in base units, rounded down. */
export const shareOf = (balance: bigint, bps: number) => (balance * BigInt(bps)) / 10_000n;

/** Display-only: base units times a USD price. */
export function unitsToUsd(units: bigint, decimals: number, usd: number): number {
  const base = 10 ** Math.min(decimals, 15);
  const scaled = decimals > 15 ? units / 10n ** BigInt(decimals - 15) : units;
  return (Number(scaled) / base) * usd;
}
