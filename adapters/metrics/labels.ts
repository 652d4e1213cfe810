/**
 * Bounded label values: every label Purser exports comes from a known set or is capped, so a
 * stream of odd input (typos, new error codes, token symbols) can never grow the series count
 * without bound. Anything outside the set, or past the cap, becomes "other".
 */
export const OTHER = "other";

const SAFE = /^[A-Za-z0-9_.:-]{1,64}$/;

export class LabelSet {
  private readonly known: ReadonlySet<string> | undefined;
  private readonly seen = new Set<string>();

  /**
   * @param known the allowed values (lower-cased); undefined = any value that looks like an identifier,
   *              first come first served, until `max` distinct values have been seen.
   */
  constructor(known: Iterable<string> | undefined, private readonly max = 50) {
    this.known = known ? new Set([...known].map((v) => v.toLowerCase())) : undefined;
  }

  value(raw: string | undefined | null): string {
    if (raw === undefined || raw === null || raw === "") return OTHER;
    const v = String(raw).toLowerCase();
    if (this.known) return this.known.has(v) ? v : OTHER;
    if (!SAFE.test(v)) return OTHER;
    if (this.seen.has(v)) return v;
    if (this.seen.size >= this.max) return OTHER;
    this.seen.add(v);
    return v;
  }
}

/**
 * Quoted-vs-executed slippage in basis points from base-unit amounts: positive when the fill
 * gave less than the quote, negative when it gave more. bigint math, so large amounts stay exact.
 */
export function slippageBps(quotedOut: bigint, executedOut: bigint): number | undefined {
  if (quotedOut <= 0n || executedOut < 0n) return undefined;
  // Hundredths of a basis point, rounded toward zero, then scaled back.
  return Number(((quotedOut - executedOut) * 1_000_000n) / quotedOut) / 100;
}
