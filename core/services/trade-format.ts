import { formatAmount } from "../domain/money.js";
import { formatUsd, formatUtc } from "../domain/format.js";
import { isWithdrawal, type Order } from "../domain/order.js";
import { withdrawalEventReply, withdrawalWhat } from "./withdrawals/withdraw-format.js";
import type { Reply } from "../domain/message.js";
import type { TradeEvent } from "./trading.service.js";

export const amountOf = (units: bigint, t: { decimals: number; symbol: string }) => `${formatAmount(units, t.decimals)} ${t.symbol}`;

const STATUS_TEXT: Record<Order["status"], string> = {
  previewed: "waiting for confirmation",
  cancelled: "cancelled",
  expired: "expired",
  confirmed: "executing",
  signed: "signed, sending",
  sent: "sent, waiting to land",
  filled: "filled",
  failed: "failed",
  refused: "refused (unsafe transaction)",
};

export const statusText = (o: Order) => STATUS_TEXT[o.status];

/**
 * The route's fees as the quote gave them, in the input or output token's units when the fee is
 * charged in one of them. Undefined when the fees are not known (a quote without fee information, or an
 * order stored before fees were recorded).
 */
export function routeFeesText(o: Pick<Order, "routeFees" | "input" | "output">): string | undefined {
  if (!o.routeFees) return undefined;
  const parts = o.routeFees
    .filter((f) => f.amount > 0n)
    .map(({ mint, amount }) =>
      mint === o.input.mint ? amountOf(amount, o.input) : mint === o.output.mint ? amountOf(amount, o.output) : `${amount} base units of ${mint.slice(0, 4)}...${mint.slice(-4)}`,
    );
  return parts.length ? parts.join(" + ") : "none charged by the route";
}

/** Rows shown for a filled order: what was actually paid and received. */
export function fillRows(o: Order, explorerTx?: (sig: string) => string): Array<[string, string]> {
  const rows: Array<[string, string]> = [
    ["Paid", amountOf(o.filledIn ?? o.inAmount, o.input)],
    ["Received", amountOf(o.filledOut ?? o.quotedOut, o.output)],
    ["Quoted", amountOf(o.quotedOut, o.output)],
    ["Mode", o.mode === "paper" ? "paper" : "LIVE"],
    ["Order", o.id],
  ];
  if (o.feeLamports !== null) rows.push(["Network fee", `${formatAmount(o.feeLamports, 9)} SOL`]);
  if (o.signature && explorerTx) rows.push(["Transaction", explorerTx(o.signature)]);
  return rows;
}

/** The push a user gets when a trade finishes in the background (after a restart, or a slow landing). */
export function tradeEventReply(e: TradeEvent, explorerTx?: (sig: string) => string): Reply {
  const o = e.order;
  if (isWithdrawal(o)) return withdrawalEventReply(e.type, o, explorerTx);
  const title: Record<TradeEvent["type"], string> = {
    "trade.filled": `Trade filled: ${o.input.symbol} -> ${o.output.symbol}`,
    "trade.failed": `Trade failed: ${o.input.symbol} -> ${o.output.symbol}`,
    "trade.expired": `Trade expired without landing: ${o.input.symbol} -> ${o.output.symbol}`,
    "trade.refused": `Trade refused: ${o.input.symbol} -> ${o.output.symbol}`,
  };
  const rows = e.type === "trade.filled" ? fillRows(o, explorerTx) : [["Order", o.id] as [string, string], ["Why", o.error ?? "-"] as [string, string]];
  if (e.type !== "trade.filled") rows.push(["Funds", e.type === "trade.failed" && o.signature ? "check /balance" : "nothing was moved"]);
  return {
    kind: e.type === "trade.filled" ? "success" : "warning",
    blocks: [
      { type: "text", spans: [{ text: title[e.type], style: "bold" }] },
      { type: "table", rows },
    ],
    private: true,
  };
}

export function orderLine(o: Order): [string, string] {
  const when = formatUtc(o.createdAt).slice(5, 16);
  // "withdraw 1.5 SOL to cold (live, filled, ~$225)"
  if (isWithdrawal(o)) return [`${when} ${o.id}`, `withdraw ${withdrawalWhat(o)} (${o.mode}, ${statusText(o)}${o.usdValue ? `, ~${formatUsd(o.usdValue)}` : ""})`];
  const amounts = o.status === "filled" ? `${amountOf(o.filledIn ?? o.inAmount, o.input)} -> ${amountOf(o.filledOut ?? o.quotedOut, o.output)}` : `${amountOf(o.inAmount, o.input)} -> ~${amountOf(o.quotedOut, o.output)}`;
  // an order an automation placed names it and the firing: "auto a1b2c3d4e #2"
  const by = o.automation ? `, auto ${o.automation.id} #${o.automation.firing}` : "";
  return [`${when} ${o.id}`, `${o.side} ${amounts} (${o.mode}, ${statusText(o)}${o.usdValue ? `, ~${formatUsd(o.usdValue)}` : ""}${by})`];
}
