import { z } from "zod";
import { formatPct, formatUsd, formatUtc } from "../core/domain/format.js";
import { parseAmountSpec, type AmountSpec } from "../core/domain/money.js";
import type { Order, OrderSide } from "../core/domain/order.js";
import { needsRiskAck, RISK_ACK_LABEL, riskLines } from "../core/domain/trade-risk.js";
import type { Token } from "../core/domain/token.js";
import { defineCommand, type Actions, type Command, type CommandContext } from "../core/router/command.js";
import { bold, reply } from "../core/router/reply.js";
import type { Reply } from "../core/router/message.js";
import { amountOf, fillRows, routeFeesText, statusText } from "../core/services/trade-format.js";
import type { ConfirmResult, TradeIntent } from "../core/ports/trading.port.js";

/** Words typed as a token: a symbol or mint, at most 64 characters. */
export const tokenArg = z.string().min(1).max(64);
export const amountArg = z.string().min(1).max(40);

/** The ports of /buy, /sell and /swap: their previews and their Confirm, Cancel and fresh-quote buttons. */
export const TRADE_NEEDS = ["tokens", "trading", "clock", "info"] as const;
type TradeNeed = (typeof TRADE_NEEDS)[number];
type TradeContext = CommandContext<TradeNeed>;

/** Where fills found later are pushed: this private chat, or the user's DM on this platform. */
export const notifyTarget = (ctx: CommandContext) => ({
  platform: ctx.msg.platform,
  chatId: ctx.msg.chat.kind === "private" ? ctx.msg.chat.id : ctx.msg.sender.id,
});

export function spec(raw: string, token: Token, allowShare: boolean): AmountSpec {
  return parseAmountSpec(raw, token.decimals, { symbol: token.symbol, allowShare });
}

/** Quote -> previewed order -> the preview with Confirm/Cancel bound to the requester. */
export async function previewTrade(ctx: CommandContext<"trading" | "clock">, intent: TradeIntent): Promise<Reply> {
  const o = await ctx.services.trading.preview(ctx.user.id, intent, notifyTarget(ctx));
  return previewReply(ctx, o);
}

/** How a trade command reads its words: the token paid, the token received and the amount (of the token paid). */
export interface TradeWords {
  input: string;
  output: string;
  amount: string;
  /** Names the token received before the one paid (`/buy JUP 20 USDC`): tokens resolve in the order typed. */
  outputFirst?: boolean;
}

/**
 * /buy, /sell and /swap: public, answered in private, a preview with Confirm/Cancel. They differ only in
 * their words; /buy spends an amount of what it pays, the others also take a share (NN%, all).
 */
export function defineTradeCommand<S extends z.ZodObject>(c: {
  name: OrderSide;
  summary: string;
  usage: string;
  examples: string[];
  args: S;
  positional: Array<keyof z.infer<S> & string>;
  words: (args: z.infer<S>) => TradeWords;
}): Command<S, TradeActions, TradeNeed> {
  const side = c.name;
  return defineCommand({
    name: c.name,
    group: "Trading",
    summary: c.summary,
    usage: c.usage,
    examples: c.examples,
    scope: "public",
    privateReply: true,
    args: c.args,
    positional: c.positional,
    needs: TRADE_NEEDS,
    async run(ctx, a) {
      const w = c.words(a);
      const resolve = (word: string) => ctx.services.tokens.resolve(word);
      let input: Token, output: Token;
      if (w.outputFirst) {
        output = await resolve(w.output);
        input = await resolve(w.input);
      } else {
        input = await resolve(w.input);
        output = await resolve(w.output);
      }
      return previewTrade(ctx, { side, input, output, amount: spec(w.amount, input, side !== "buy") });
    },
    actions: tradeActions,
  });
}

/** What the preview says about fees: the route's own (from the quote), the simulation's, the network's. */
function feesText(o: Order): string {
  // A simulated quote's only route step names its modelled fee ("simulated at ... prices, 0.3% fee").
  const route = o.simulated ? (o.route[0] ?? "simulated, fee included") : (routeFeesText(o) ?? "included in the quote");
  return o.mode === "live" ? `route: ${route}; network ~0.000005 SOL plus priority` : `route: ${route} (already in "Receive")`;
}

export async function previewReply(ctx: CommandContext<"clock">, o: Order): Promise<Reply> {
  const secs = Math.max(0, Math.round((o.quoteExpiresAt - ctx.services.clock.now()) / 1000));
  // A token with red flags (TOKEN_SAFETY=warn) is confirmed only by the explicit acknowledgement.
  const ack = needsRiskAck(o);
  const confirmLabel = ack ? `${RISK_ACK_LABEL}${o.mode === "live" ? " (LIVE)" : ""}` : o.mode === "live" ? "Confirm (LIVE)" : "Confirm";
  const [confirm, cancel] = await ctx.buttons(
    [
      { label: confirmLabel, action: ack ? "confirmRisk" : "confirm", payload: { orderId: o.id }, style: ack ? "danger" : "primary" },
      { label: "Cancel", action: "cancel", payload: { orderId: o.id }, style: ack ? "primary" : "danger" },
    ],
    secs * 1000 + 10 * 60_000,
  );
  const risks = riskLines(o);
  const rows: Array<[string, string]> = [
    ["Pay", `${amountOf(o.inAmount, o.input)} (~${formatUsd(o.usdValue)})`],
    ["Receive", `~${amountOf(o.quotedOut, o.output)}`],
    ["Minimum", `${amountOf(o.minOut, o.output)} (slippage ${(o.slippageBps / 100).toFixed(2)}%)`],
    ["Price impact", formatPct(o.priceImpactPct).replace(/^\+/, "")],
    ["Route", o.route.length ? o.route.join(" > ").slice(0, 80) : "Jupiter"],
    ["Fees", feesText(o)],
    ["Quote expires", `in ${secs} s (${formatUtc(o.quoteExpiresAt).slice(11)})`],
    ["Mode", o.mode === "paper" ? "paper (simulated)" : `LIVE from ${o.wallet!.slice(0, 4)}...${o.wallet!.slice(-4)}`],
  ];
  const r = (ack ? reply("warning") : reply())
    .line(bold(`${o.side === "buy" ? "Buy" : o.side === "sell" ? "Sell" : "Swap"} preview`), ` - order ${o.id}`)
    .table(rows);
  if (risks.length) {
    r.line(bold(`Safety of ${o.risk!.symbol}:`));
    for (const l of risks) r.line(l);
  }
  return r
    .line(ack ? `Nothing happens unless you press "${RISK_ACK_LABEL}": only if you accept these risks.` : "Nothing happens until you press Confirm.")
    .buttons(confirm!, cancel!)
    .private_()
    .build();
}

/** The payload of every trade button: the order it acts on. */
const orderRef = z.object({ orderId: z.string().regex(/^o_[0-9a-f]{16}$/) });

/** Confirm, Cancel and "fresh quote" buttons of every trade command. */
type TradeActions = { confirm: typeof orderRef; confirmRisk: typeof orderRef; cancel: typeof orderRef; requote: typeof orderRef };

export const tradeActions: Actions<TradeActions, TradeNeed> = {
  confirm: { payload: orderRef, run: confirmOrder },
  // "I understand the risks": the Confirm of a preview whose token has red flags
  confirmRisk: { payload: orderRef, run: (ctx, ref) => confirmOrder(ctx, ref, true) },
  cancel: { payload: orderRef, run: cancelOrder },
  requote: { payload: orderRef, run: requote },
};

async function cancelOrder(ctx: CommandContext<"trading">, { orderId }: z.infer<typeof orderRef>): Promise<Reply> {
  const o = await ctx.services.trading.cancel(ctx.user.id, orderId);
  return reply().line(o.status === "cancelled" ? "Cancelled. Nothing was traded." : `Already done: this order is ${statusText(o)}.`).private_().edit().build();
}

async function requote(ctx: TradeContext, { orderId }: z.infer<typeof orderRef>): Promise<Reply> {
  const { trading } = ctx.services;
  const o = await trading.order(ctx.user.id, orderId);
  const [input, output] = await Promise.all([ctx.services.tokens.resolve(o.input.mint), ctx.services.tokens.resolve(o.output.mint)]);
  const fresh = await trading.preview(ctx.user.id, { side: o.side, input, output, amount: { kind: "units", units: o.inAmount } }, notifyTarget(ctx));
  return previewReply(ctx, fresh);
}

async function confirmOrder(ctx: CommandContext<"trading" | "info">, { orderId }: z.infer<typeof orderRef>, acknowledgeRisk = false): Promise<Reply> {
  const r = await ctx.services.trading.confirm(ctx.user.id, orderId, acknowledgeRisk ? { toldByReply: true, acknowledgeRisk } : { toldByReply: true });
  const told = confirmReply(ctx, r);
  // Delivered, this reply tells the outcome; if the process dies first, reconciliation pushes it.
  return r.kind === "already" || r.kind === "pending" ? told : told.then((x) => ({ ...x, tellsOrder: r.order.id }));
}

async function confirmReply(ctx: CommandContext<"info">, r: ConfirmResult): Promise<Reply> {
  const { info } = ctx.services;
  const o = r.order;
  switch (r.kind) {
    case "filled":
      return reply("success").line(bold(o.mode === "paper" ? "Filled (paper)" : "Filled")).table(fillRows(o, info.explorerTx)).private_().edit().build();
    case "pending":
      return reply()
        .line(bold("Sent to Solana"), " - waiting for it to land. I'll tell you when it does.")
        .table([["Order", o.id], ["Transaction", info.explorerTx(o.signature ?? "")]])
        .private_()
        .edit()
        .build();
    case "expired": {
      const [again] = await ctx.buttons([{ label: "Get a fresh quote", action: "requote", payload: { orderId: o.id }, style: "primary" }]);
      return reply("warning").line("That quote expired, so nothing was traded. Ask for a fresh one:").buttons(again!).private_().build();
    }
    case "refused":
      return reply("error").line(bold("Refused: "), `the swap transaction was unsafe (${o.error}). Nothing was signed or sent.`).private_().build();
    case "failed":
      return reply("error")
        .line(bold("Not executed: "), o.error ?? "failed", o.signature ? ". Check /balance." : ". Nothing was moved.")
        .private_()
        .build();
    case "already":
      return reply().line(`Already done: this order is ${statusText(o)}.`).private_().build();
  }
}
