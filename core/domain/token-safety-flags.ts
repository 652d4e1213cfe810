/**
 * The flags a user sees about a token, derived purely from what the chain says (issue 18).
 *
 * Severity: red = a lever someone else holds over your tokens, or a supply a few wallets control;
 * warn = worth knowing before you buy; info = present, harmless on its own.
 *
 * A part whose source failed is listed in `missing` and yields no flags: the report never says
 * "nothing found" about a part that was not checked.
 *
 * Pure: imports only core/domain.
 */
import { formatAmount, U64_MAX } from "./money.js";
import type { AgeFacts, HolderFacts, MintFacts, SafetyFlag, SafetyFlagCode, SafetyReport } from "./token-safety.js";

export interface SafetyThresholds {
  /** Top-10 holders' share above this is a warning (percent). Default 30. */
  top10WarnPct: number;
  /** ... and above this a red flag (percent). Default 50. */
  top10RedPct: number;
  /** A transfer fee above this is a red flag (bps). Default 1000 (10%); any fee at all is a warning. */
  feeRedBps: number;
  /** Younger than this is a warning (ms). Default 24 h. */
  newWarnMs: number;
  /** Younger than this is a red flag (ms). Default 1 h: most launches that rug do so in their first hour. */
  newRedMs: number;
}

export const DEFAULT_SAFETY_THRESHOLDS: SafetyThresholds = Object.freeze({
  top10WarnPct: 30,
  top10RedPct: 50,
  feeRedBps: 1000,
  newWarnMs: 24 * 3_600_000,
  newRedMs: 3_600_000,
});

/** How many of the largest holders the concentration figure counts. */
export const TOP_HOLDERS = 10;

export interface SafetyFacts {
  mint: string;
  /** null: that source failed (the part is listed in `missing`). */
  mintFacts: MintFacts | null;
  holders: HolderFacts | null;
  age: AgeFacts | null;
}

const SEVERITY_ORDER = { red: 0, warn: 1, info: 2 } as const;

/** Basis points as a percent for people: 250 -> "2.5%", 1000 -> "10%". */
export const bpsText = (bps: number) => `${Number((bps / 100).toFixed(2))}%`;

function ageText(ms: number): string {
  const min = Math.max(0, Math.floor(ms / 60_000));
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} h`;
  return `${Math.floor(h / 24)} days`;
}

/**
 * Top-10 holders' share of the supply in percent (2 decimals), pool and burn accounts left out of the
 * ten (they are nobody's to sell). bigint math: no precision lost on u64 amounts. null when the supply is zero.
 */
export function top10Share(h: HolderFacts): number | null {
  if (h.supply <= 0n) return null;
  const top = h.largest
    .filter((a) => a.excluded === null)
    .map((a) => a.amount)
    .sort((a, b) => (a > b ? -1 : a < b ? 1 : 0))
    .slice(0, TOP_HOLDERS)
    .reduce((s, a) => s + a, 0n);
  // Hundredths of a percent, rounded half up.
  const hundredths = (top * 20_000n + h.supply) / (2n * h.supply);
  return Number(hundredths) / 100;
}

function flag(code: SafetyFlagCode, severity: SafetyFlag["severity"], title: string, meaning: string): SafetyFlag {
  return { code, severity, title, meaning };
}

function mintFlags(m: MintFacts, t: SafetyThresholds): SafetyFlag[] {
  const out: SafetyFlag[] = [];
  if (m.mintAuthority !== null) out.push(flag("mint_authority", "red", "Mint authority present", "more tokens can be minted at any time, diluting you"));
  if (m.freezeAuthority !== null) out.push(flag("freeze_authority", "red", "Freeze authority present", "the issuer can freeze your tokens so you cannot sell"));
  const x = m.extensions;
  if (x.permanentDelegate) out.push(flag("permanent_delegate", "red", "Permanent delegate", "an address can take or burn your tokens"));
  if (x.nonTransferable) out.push(flag("non_transferable", "red", "Non-transferable", "once received, the tokens can never be sold or moved"));
  if (x.defaultFrozen) {
    out.push(flag("default_frozen", "red", "Accounts start frozen", "new holders' tokens start frozen: you cannot sell until the issuer thaws your account"));
  }
  if (x.transferFee && x.transferFee.bps > 0) {
    const { bps, maxFee } = x.transferFee;
    const cap = maxFee < U64_MAX ? ` (at most ${formatAmount(maxFee, m.decimals)} tokens per transfer)` : "";
    out.push(
      flag("transfer_fee", bps > t.feeRedBps ? "red" : "warn", `Transfer fee ${bpsText(bps)}`, `every transfer, including your sell, loses ${bpsText(bps)}${cap}`),
    );
  }
  if (x.transferHook) out.push(flag("transfer_hook", "warn", "Transfer hook", "a program runs on every transfer and can block sells"));
  if (x.other?.length) out.push(flag("other_extensions", "info", "Other Token-2022 extensions", `also present: ${x.other.join(", ")}`));
  return out;
}

function holderFlag(pct: number, t: SafetyThresholds): SafetyFlag | null {
  if (pct <= t.top10WarnPct) return null;
  const red = pct > t.top10RedPct;
  return flag(
    "top_holders",
    red ? "red" : "warn",
    `Top 10 holders own ${pct}%`,
    `the 10 largest wallets (pools and burns excluded) hold ${pct}% of the supply: ${red ? "they can crash the price by selling" : "a few sellers can move the price a lot"}`,
  );
}

function ageFlag(a: AgeFacts, now: number, t: SafetyThresholds): SafetyFlag | null {
  if (a.firstSeenAt === null) return null;
  const age = now - a.firstSeenAt;
  if (age >= t.newWarnMs) return null;
  // A search that hit its page limit only knows a lower bound: never red on a bound alone.
  if (a.atLeast) return flag("new_token", "warn", "New token", `at least ${ageText(age)} old (very active: its first transaction was not reached); new tokens are the riskiest`);
  const red = age < t.newRedMs;
  return flag("new_token", red ? "red" : "warn", "New token", `first seen ${ageText(age)} ago: ${red ? "most rug pulls happen in a token's first hour" : "new tokens are the riskiest"}`);
}

/**
 * The safety report: every flag the facts support, red first, and which parts could not be checked.
 * An age search that found nothing (firstSeenAt null) counts as not checked.
 */
export function evaluateSafety(facts: SafetyFacts, now: number, opts: Partial<SafetyThresholds> = {}): SafetyReport {
  const t = { ...DEFAULT_SAFETY_THRESHOLDS, ...opts };
  const flags: SafetyFlag[] = [];
  const missing: SafetyReport["missing"] = [];
  if (facts.mintFacts) flags.push(...mintFlags(facts.mintFacts, t));
  else missing.push("mint");
  let top10Pct: number | null = null;
  if (facts.holders) {
    top10Pct = top10Share(facts.holders);
    const f = top10Pct === null ? null : holderFlag(top10Pct, t);
    if (f) flags.push(f);
  } else missing.push("holders");
  if (facts.age && facts.age.firstSeenAt !== null) {
    const f = ageFlag(facts.age, now, t);
    if (f) flags.push(f);
  } else missing.push("age");
  flags.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
  return {
    mint: facts.mint,
    facts: { mint: facts.mintFacts, holders: facts.holders, age: facts.age },
    top10Pct,
    flags,
    missing,
    checkedAt: now,
  };
}

/** Flags of a severity. */
export const flagsOf = (r: SafetyReport, severity: SafetyFlag["severity"]) => r.flags.filter((f) => f.severity === severity);

/** "No flags" may be said only of a complete report. */
export const isClean = (r: SafetyReport) => r.missing.length === 0 && r.flags.every((f) => f.severity === "info");

/**
 * What Token-2022 takes from a transfer of `amount` into your account: ceil(amount * bps / 10000),
 * capped at maxFee (the program's own rule). 0 without a transfer fee.
 */
export function transferFeeOn(amount: bigint, fee: { bps: number; maxFee: bigint } | undefined): bigint {
  if (!fee || fee.bps <= 0 || amount <= 0n) return 0n;
  const raw = (amount * BigInt(fee.bps) + 9_999n) / 10_000n;
  return raw > fee.maxFee ? fee.maxFee : raw;
}
