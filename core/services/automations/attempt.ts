import { isSell, type Automation } from "../../domain/automation.js";
import { sellSize } from "../../domain/automation-trigger.js";
import { formatPrice } from "../../domain/format.js";
import type { AmountSpec } from "../../domain/money.js";
import type { Order } from "../../domain/order.js";
import { isUserError, type ErrorCode } from "../../errors.js";
import type { TradeIntent } from "../../ports/trading.port.js";
import { firingOrderId, type AttemptResult, type AutomationDeps } from "./types.js";

/**
 * Failures that may pass (a remote service, a quote, the market moving past the caps for a moment):
 * the firing is tried again later. Every other refusal is policy and fails the firing at once.
 */
const RETRYABLE: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "quote_failed",
  "no_route",
  "chain_unreachable",
  "token_lookup_failed",
  "prices_unavailable",
  "trade_unpriced",
  "slippage_too_high",
  "price_impact_too_high",
]);

const fmt = (usd: number) => formatPrice(usd);
const NOTHING_HELD = (symbol: string) => `you hold no ${symbol} to sell`;

/**
 * One attempt of a firing: the order `firingOrderId(id, n, k)` is previewed through the trade path
 * (every policy, a fresh quote) and confirmed through the same once-only order path as a Confirmed
 * trade (the daily cap reserved atomically there). Run again after a crash, the attempt finds its
 * order by that id and carries on from where it stands: it never places a second one.
 */
export class FiringAttempt {
  constructor(private readonly d: AutomationDeps) {}

  async run(a: Automation, n: number, k: number): Promise<AttemptResult> {
    const orderId = firingOrderId(a.id, n, k);
    let order: Order | undefined;
    try {
      order = await this.d.trading.findOrder(orderId);
      let capped = false;
      if (!order) {
        const plan = await this.plan(a);
        if (plan.kind === "skip") return { kind: "skipped", reason: plan.reason };
        capped = plan.capped;
        const { book, wallet } = await this.d.trading.book(a.userId);
        const account = { userId: a.userId, book, wallet, mode: this.d.trading.mode };
        // TOKEN_SAFETY: the flags its owner acknowledged at creation; a flag not among them refuses the firing.
        const placement = { orderId, automation: { id: a.id, firing: n }, ...(a.acknowledgedRisk ? { acknowledgedRisk: a.acknowledgedRisk } : {}) };
        order = await this.d.trading.previewIn(account, plan.intent, a.notify, {}, placement);
        const past = await this.pastLimit(a, order);
        if (past) {
          await this.d.trading.cancel(a.userId, order.id);
          return { kind: "failed", reason: past, retryable: true, order: { ...order, status: "cancelled" } };
        }
      }
      return await this.carryOn(a, order, capped);
    } catch (err) {
      const latest = (await this.d.trading.findOrder(orderId).catch(() => undefined)) ?? null;
      if (isUserError(err)) {
        // TOKEN_SAFETY: a flagged token is skipped with the reason (nothing traded); a check that could not run is tried again.
        const unchecked = err.code === "token_unsafe" && err.context["retryable"] === true;
        if (err.code === "token_unsafe" && !unchecked) return { kind: "skipped", reason: err.message };
        return { kind: "failed", reason: err.message, retryable: RETRYABLE.has(err.code) || unchecked, order: latest };
      }
      this.d.log.error({ err, automation: a.id, firing: n, attempt: k }, "automation attempt failed unexpectedly");
      return { kind: "failed", reason: "an unexpected error; it will be tried again", retryable: true, order: latest };
    }
  }

  /**
   * A limit order (or a take-profit) never fills past its level by more than the slippage cap: the
   * trigger watched the price stream, but the fill is the fresh quote's, and a quote that lags the
   * stream (or a thin pool) must not buy above the limit or sell below it. Stops are exempt: getting
   * out is their point, and the slippage and impact caps still bound them. Returns why, or null.
   */
  private async pastLimit(a: Automation, o: Order): Promise<string | null> {
    const r = a.rule;
    if (r.kind !== "limit-buy" && r.kind !== "limit-sell" && r.kind !== "take-profit") return null;
    const tolerance = o.slippageBps / 10_000;
    if (r.kind === "limit-buy") {
      const got = Number(o.quotedOut) / 10 ** o.output.decimals;
      if (!(got > 0)) return null;
      const price = o.usdValue / got;
      return price > r.level.usd * (1 + tolerance) ? `the quote (${fmt(price)} a ${o.output.symbol}) is above your limit (${fmt(r.level.usd)})` : null;
    }
    const sold = Number(o.inAmount) / 10 ** o.input.decimals;
    const receive = await this.d.tokens.resolve(o.output.mint);
    const receiveUsd = (await this.d.prices.getPrice(receive)).usd;
    if (!(sold > 0) || !(receiveUsd > 0)) return null;
    const price = ((Number(o.quotedOut) / 10 ** o.output.decimals) * receiveUsd) / sold;
    return price < r.level.usd * (1 - tolerance) ? `the quote (${fmt(price)} a ${o.input.symbol}) is below your level (${fmt(r.level.usd)})` : null;
  }

  /** What to trade now: the buy as set, or the sell sized to what is held. */
  private async plan(a: Automation): Promise<{ kind: "trade"; intent: TradeIntent; capped: boolean } | { kind: "skip"; reason: string }> {
    const r = a.rule;
    const token = await this.d.tokens.resolve(r.token.mint);
    if (r.kind === "limit-buy" || r.kind === "dca") {
      const pay = await this.d.tokens.resolve(r.pay.mint);
      return { kind: "trade", intent: { side: "buy", input: pay, output: token, amount: { kind: "units", units: r.spend } }, capped: false };
    }
    if (!isSell(r.kind)) throw new Error(`automation ${a.id}: unknown kind ${r.kind}`);
    const receive = await this.d.tokens.resolve(r.receive.mint);
    const { book, wallet } = await this.d.trading.book(a.userId);
    const held = await this.d.trading.held(book, wallet, a.userId, token.mint);
    const size = sellSize(r.amount, held);
    if (size.kind === "skip") {
      return { kind: "skip", reason: size.reason === "nothing_held" ? NOTHING_HELD(token.symbol) : `your share of ${token.symbol} rounds to nothing` };
    }
    // "all" and shares stay shares: the trade path keeps the network fee reserve when selling SOL.
    const amount: AmountSpec = r.amount.kind === "units" ? { kind: "units", units: size.units } : r.amount;
    return { kind: "trade", intent: { side: "sell", input: token, output: receive, amount }, capped: size.capped };
  }

  /** The attempt's order, wherever it stands: confirmed if still previewed, else read for its outcome. */
  private async carryOn(a: Automation, order: Order, capped: boolean): Promise<AttemptResult> {
    let o = order;
    if (o.status === "previewed") o = (await this.d.trading.confirm(a.userId, o.id)).order;
    switch (o.status) {
      case "filled":
        return { kind: "filled", order: o, capped };
      case "previewed":
      case "confirmed":
      case "signed":
      case "sent":
        return { kind: "pending", order: o };
      case "refused":
        return { kind: "failed", reason: o.error ?? "the swap transaction was refused", retryable: false, order: o };
      case "cancelled":
        return { kind: "failed", reason: o.error ?? "the order was cancelled", retryable: false, order: o };
      case "expired":
      case "failed":
        return { kind: "failed", reason: o.error ?? `the order ${o.status}`, retryable: true, order: o };
    }
  }
}
