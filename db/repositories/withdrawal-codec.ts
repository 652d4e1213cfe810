import type { WithdrawalInfo } from "../../core/domain/order.js";

/** A withdrawal's destination and costs as stored (withdrawal_json): lamport amounts as decimal strings. */
export function withdrawalToJson(w: WithdrawalInfo | null | undefined): string | null {
  if (!w) return null;
  return JSON.stringify({ to: w.to, label: w.label, networkFeeLamports: w.networkFeeLamports.toString(), rentLamports: w.rentLamports.toString() });
}

export function withdrawalFromJson(s: string | null): WithdrawalInfo | null {
  if (s === null) return null;
  const r = JSON.parse(s) as { to: string; label: string; networkFeeLamports: string; rentLamports: string };
  return { to: r.to, label: r.label, networkFeeLamports: BigInt(r.networkFeeLamports), rentLamports: BigInt(r.rentLamports) };
}
