import { formatAmount } from "../../domain/money.js";
import { formatUsd } from "../../domain/format.js";
import type { Order } from "../../domain/order.js";
import type { Reply } from "../../domain/message.js";

/** How withdrawals read wherever orders are shown: /trades, pushes, the Confirm reply. */

const units = (n: bigint, t: { decimals: number; symbol: string }) => `${formatAmount(n, t.decimals)} ${t.symbol}`;
const sol = (lamports: bigint) => `${formatAmount(lamports, 9)} SOL`;
export const shortAddress = (a: string) => (a.length > 12 ? `${a.slice(0, 4)}...${a.slice(-4)}` : a);

/** "1.5 SOL to cold": what was (or is to be) sent, and where. */
export function withdrawalWhat(o: Order): string {
  return `${units(o.filledIn ?? o.inAmount, o.input)} to ${o.withdrawal?.label ?? "?"}`;
}

/** The network costs a withdrawal pays in SOL: the fee, and the destination's token account when it creates one. */
export function withdrawalCosts(o: Order): string {
  const w = o.withdrawal;
  if (o.mode === "paper") return "none (paper: simulated, nothing is sent)";
  if (!w) return "-";
  const fee = o.feeLamports ?? w.networkFeeLamports;
  return w.rentLamports > 0n ? `${sol(fee)} network fee + ${sol(w.rentLamports)} to open the destination's ${o.input.symbol} account` : `${sol(fee)} network fee`;
}

/** Rows describing a withdrawal: amount, destination, costs, mode, order (and its transaction once sent). */
export function withdrawalRows(o: Order, explorerTx?: (sig: string) => string): Array<[string, string]> {
  const w = o.withdrawal;
  const rows: Array<[string, string]> = [
    ["Amount", `${units(o.filledIn ?? o.inAmount, o.input)}${o.usdValue ? ` (~${formatUsd(o.usdValue)})` : ""}`],
    ["To", w ? `${w.label}: ${w.to}` : "-"],
    // a Token-2022 transfer fee keeps part of it on the way
    ...(o.quotedOut < o.inAmount
      ? [["Arrives", `${units(o.quotedOut, o.input)} (the token's transfer fee keeps ${units(o.inAmount - o.quotedOut, o.input)})`] as [string, string]]
      : []),
    ["Costs", withdrawalCosts(o)],
    ["Mode", o.mode === "paper" ? "paper (simulated)" : `LIVE from ${shortAddress(o.wallet ?? "")}`],
    ["Order", o.id],
  ];
  if (o.signature && explorerTx) rows.push(["Transaction", explorerTx(o.signature)]);
  return rows;
}

export type WithdrawalEventType = "trade.filled" | "trade.failed" | "trade.expired" | "trade.refused";

/** The push of a withdrawal's outcome, sent to every platform the user is linked on. */
export function withdrawalEventReply(type: WithdrawalEventType, o: Order, explorerTx?: (sig: string) => string): Reply {
  const title: Record<WithdrawalEventType, string> = {
    "trade.filled": `Withdrawal landed: ${withdrawalWhat(o)}`,
    "trade.failed": `Withdrawal failed: ${withdrawalWhat(o)}`,
    "trade.expired": `Withdrawal expired without landing: ${withdrawalWhat(o)}`,
    "trade.refused": `Withdrawal refused: ${withdrawalWhat(o)}`,
  };
  const rows = withdrawalRows(o, explorerTx);
  if (type !== "trade.filled") {
    rows.push(["Why", o.error ?? "-"]);
    rows.push(["Funds", type === "trade.failed" && o.signature ? "check /balance" : "nothing was sent"]);
  }
  return {
    kind: type === "trade.filled" ? "success" : "warning",
    blocks: [
      { type: "text", spans: [{ text: title[type], style: "bold" }] },
      { type: "table", rows },
    ],
    private: true,
  };
}
