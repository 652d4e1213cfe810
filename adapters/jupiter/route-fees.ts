import type { RouteFee } from "../../core/domain/order.js";

/**
 * The route's fees from a Jupiter quote's `routePlan` (`swapInfo.feeAmount` in base units of
 * `swapInfo.feeMint`), summed per mint, zero fees left out (empty: none charged). Anything unreadable
 * is skipped, never thrown (the quote came from outside). Null when there is no route plan to read.
 */
export function routeFeesOf(routePlan: unknown): RouteFee[] | null {
  if (!Array.isArray(routePlan)) return null;
  const byMint = new Map<string, bigint>();
  for (const step of routePlan as unknown[]) {
    const info = (step as { swapInfo?: { feeAmount?: unknown; feeMint?: unknown } } | null)?.swapInfo;
    if (!info || typeof info.feeMint !== "string" || typeof info.feeAmount !== "string" || !/^\d{1,20}$/.test(info.feeAmount)) continue;
    byMint.set(info.feeMint, (byMint.get(info.feeMint) ?? 0n) + BigInt(info.feeAmount));
  }
  return [...byMint].filter(([, amount]) => amount > 0n).map(([mint, amount]) => ({ mint, amount }));
}

