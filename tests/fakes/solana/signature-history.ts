// getSignaturesForAddress for the fake node: the landed transactions that name an address, plus
// older history a test seeds (a token "created 400 days ago" with thousands of transactions),
// newest first, paged with `before` / `until` and `limit` (at most 1000) as a real node pages them.
import { createHash } from "node:crypto";
import type { TxRecord } from "./chain.js";
import { toBase58 } from "./encoding.js";
import { RpcError } from "./tx-errors.js";

/** One entry of getSignaturesForAddress, with the real field names. */
export interface SignatureInfo {
  signature: string;
  slot: number;
  err: unknown;
  memo: string | null;
  blockTime: number | null;
  confirmationStatus: "confirmed" | "finalized";
}

export interface SeedSpan {
  /** How many signatures to add. */
  count: number;
  /** blockTime (ms) of the oldest one; the others are spread evenly up to `newestAtMs`. */
  oldestAtMs: number;
  newestAtMs: number;
  /** Slots are allotted below this one (default: under the fake's start slot). */
  belowSlot?: number;
}

export const MAX_SIGNATURES_LIMIT = 1000;

/** A 64-byte signature, derived from the address and an index: stable across runs. */
function syntheticSignature(address: string, i: number): string {
  return toBase58(createHash("sha512").update(`sig:${address}:${i}`).digest());
}

export class SignatureHistory {
  private readonly seeded = new Map<string, SignatureInfo[]>();

  /** Adds `count` older signatures touching `address` (slots descend with time). */
  seed(address: string, span: SeedSpan): void {
    const list = this.seeded.get(address) ?? [];
    const below = span.belowSlot ?? Math.min(340_000_000, ...list.map((s) => s.slot));
    const step = span.count > 1 ? (span.newestAtMs - span.oldestAtMs) / (span.count - 1) : 0;
    for (let i = 0; i < span.count; i++) {
      // i = 0 is the newest
      const at = span.count > 1 ? span.newestAtMs - step * i : span.oldestAtMs;
      list.push({
        signature: syntheticSignature(address, list.length),
        slot: below - 1 - i,
        err: null,
        memo: null,
        blockTime: Math.floor(at / 1000),
        confirmationStatus: "finalized",
      });
    }
    this.seeded.set(address, list);
  }

  /** Everything touching `address`, newest first: landed transactions, then seeded history. */
  all(address: string, landed: TxRecord[]): SignatureInfo[] {
    const live: SignatureInfo[] = landed.map((r) => ({
      signature: r.signature,
      slot: r.slot,
      err: r.err,
      memo: null,
      blockTime: r.blockTime,
      confirmationStatus: "confirmed",
    }));
    return [...live, ...(this.seeded.get(address) ?? [])].sort((x, y) => y.slot - x.slot);
  }
}

/** One page as getSignaturesForAddress answers it: strictly older than `before`, down to (not including) `until`. */
export function pageOf(
  all: SignatureInfo[],
  opts: { before?: unknown; until?: unknown; limit?: unknown },
): SignatureInfo[] {
  const limit = opts.limit === undefined ? MAX_SIGNATURES_LIMIT : Number(opts.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SIGNATURES_LIMIT) {
    throw new RpcError(-32602, `Invalid limit; max ${MAX_SIGNATURES_LIMIT}`);
  }
  let start = 0;
  if (typeof opts.before === "string") {
    const i = all.findIndex((s) => s.signature === opts.before);
    if (i < 0) return [];
    start = i + 1;
  }
  let end = all.length;
  if (typeof opts.until === "string") {
    const j = all.findIndex((s) => s.signature === opts.until);
    if (j >= 0) end = j;
  }
  return all.slice(start, Math.min(end, start + limit));
}
