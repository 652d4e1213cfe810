import type { OrderRisk } from "../../core/domain/trade-risk.js";

/** The order's risk as stored (risk_json): plain JSON with the transfer fee's amount as a decimal string. */
export function riskToJson(r: OrderRisk | null | undefined): string | null {
  if (!r) return null;
  return JSON.stringify({ ...r, transferFee: r.transferFee ? { bps: r.transferFee.bps, units: r.transferFee.units.toString() } : null });
}

export function riskFromJson(s: string | null): OrderRisk | null {
  if (s === null) return null;
  const r = JSON.parse(s) as Omit<OrderRisk, "transferFee"> & { transferFee: { bps: number; units: string } | null };
  return { ...r, transferFee: r.transferFee ? { bps: r.transferFee.bps, units: BigInt(r.transferFee.units) } : null };
}
