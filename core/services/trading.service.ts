import type { Order } from "../domain/order.js";
import type { ToldOrders, TradingPort } from "../ports/trading.port.js";
import type { Wallet } from "../ports/orders.port.js";
import { EVENT_OF, TradeContext } from "./trade-context.js";
import { TradeExecutor } from "./trade-execution.js";
import { TradeFills } from "./trade-fills.js";
import { TradePreviewer } from "./trade-preview.js";
import { OrderTracker } from "./trade-tracking.js";
import type { Token } from "../domain/token.js";
import type { RiskJudgement } from "../domain/trade-risk.js";
import { receivedRisk } from "./trade-safety.js";
import type { ConfirmResult, NotifyTarget, Placement, PreviewLimits, TradeAccount, TradeIntent, TradingConfig, TradingDeps } from "./trading-types.js";

export {
  SOL_MINT,
  type ConfirmResult,
  type NotifyTarget,
  type Placement,
  type PreviewLimits,
  type TradeAccount,
  type TradeEvent,
  type TradeEventType,
  type TradeIntent,
  type TradingConfig,
  type TradingDeps,
} from "./trading-types.js";

/**
 * Trades the way an exchange handles orders: a durable previewed order first, one execution claimed by
 * an atomic status change, every step stored before the next, reconciliation after any crash.
 * Paper and live share this path; only the execution leg differs. This is the one face commands and
 * the treasury use; the work is done by the previewer (policy, quote), the executor (Confirm), the
 * fills and the tracker (landing, reconciliation, its background loop).
 */
export class TradingService implements TradingPort, ToldOrders {
  private readonly ctx: TradeContext;
  private readonly previewer: TradePreviewer;
  private readonly executor: TradeExecutor;
  private readonly tracker: OrderTracker;

  constructor(d: TradingDeps) {
    this.ctx = new TradeContext(d);
    const fills = new TradeFills(this.ctx);
    this.previewer = new TradePreviewer(this.ctx);
    this.tracker = new OrderTracker(this.ctx, fills);
    this.executor = new TradeExecutor(this.ctx, fills, this.tracker);
  }

  get mode() {
    return this.ctx.d.config.mode;
  }

  /** The limits every user trade is held to (automations show them as the worst case of a firing). */
  get limits(): Pick<TradingConfig, "maxTradeUsd" | "dailyCapUsd" | "maxSlippageBps" | "maxPriceImpactPct" | "quoteTtlMs"> {
    const c = this.ctx.d.config;
    return { maxTradeUsd: c.maxTradeUsd, dailyCapUsd: c.dailyCapUsd, maxSlippageBps: c.maxSlippageBps, maxPriceImpactPct: c.maxPriceImpactPct, quoteTtlMs: c.quoteTtlMs };
  }

  /** Throws the UserError a preview would for a token this bot may not trade (deny list, allow list, unverified). */
  checkToken(t: Token): void {
    this.previewer.checkToken(t);
  }

  /**
   * TOKEN_SAFETY on a token a trade would give you, judged as every preview judges it: null when not
   * checked (no check wired, a built-in token, or one on the allowlist). An automation's draft shows it
   * and asks for the acknowledgement, or is refused under block.
   */
  async judgeReceived(token: Token): Promise<RiskJudgement | null> {
    const r = await receivedRisk(this.ctx.d.safety, token, this.ctx.d.config.allow, this.ctx.d.log);
    return r?.judgement ?? null;
  }

  /** The book this user trades in: the paper account, or their custodial wallet in live mode. */
  book(userId: string): Promise<{ book: string; wallet: Wallet | null }> {
    return this.previewer.book(userId);
  }

  ensurePaper(userId: string): Promise<void> {
    return this.previewer.ensurePaper(userId);
  }

  /** What the book holds of a mint (paper positions, or the wallet on-chain). */
  held(book: string, wallet: Wallet | null, userId: string, mint: string): Promise<bigint> {
    return this.previewer.held(book, wallet, userId, mint);
  }

  /** Policy checks, then a Jupiter quote stored as a previewed order. Nothing moves yet. */
  async preview(userId: string, intent: TradeIntent, notify: NotifyTarget): Promise<Order> {
    const { book, wallet } = await this.book(userId);
    // The user's default slippage (within MAX_SLIPPAGE_BPS) instead of the operator's, when they set one.
    const mine = this.ctx.d.settings ? (await this.ctx.d.settings.get(userId)).slippageBps : null;
    return this.previewIn({ userId, book, wallet, mode: this.ctx.d.config.mode }, intent, notify, mine !== null ? { defaultSlippageBps: mine } : {});
  }

  /**
   * The same preview for any account (the treasury uses its own book and limits): policy, balance,
   * valuation, quote, stored order. Confirm then executes it once like any other order.
   */
  previewIn(account: TradeAccount, intent: TradeIntent, notify: NotifyTarget, limits: PreviewLimits = {}, placement: Placement = {}): Promise<Order> {
    return this.previewer.previewIn(account, intent, notify, limits, placement);
  }

  /** Any order by id (undefined when there is none): an automation looks up the order its attempt placed. */
  findOrder(orderId: string): Promise<Order | undefined> {
    return this.ctx.d.orders.get(orderId);
  }

  order(userId: string, orderId: string): Promise<Order> {
    return this.ctx.owned(userId, orderId);
  }

  orders(userId: string, limit: number): Promise<Order[]> {
    return this.ctx.d.orders.byUser(userId, limit);
  }

  async cancel(userId: string, orderId: string): Promise<Order> {
    const o = await this.order(userId, orderId);
    await this.ctx.d.orders.transition(o.id, ["previewed"], "cancelled", { finalAt: this.ctx.now() });
    return this.order(userId, orderId);
  }

  /**
   * Confirm: claims the order exactly once, then executes it. `toldByReply`: the caller's reply tells
   * the outcome and marks the order told once delivered (markTold); otherwise a final result counts as
   * told when it is returned. `acknowledgeRisk`: the user pressed "I understand the risks" (an order whose
   * received token needs it is refused with token_unsafe without it, and stays previewed).
   * `withdrawal`: the withdrawal service confirming a withdrawal (after its 2FA code); a withdrawal is
   * never confirmed without it, nor a trade with it.
   */
  async confirm(
    userId: string,
    orderId: string,
    opts: { dailyCapUsd?: number; toldByReply?: boolean; acknowledgeRisk?: boolean; withdrawal?: boolean } = {},
  ): Promise<ConfirmResult> {
    let r: ConfirmResult;
    try {
      r = await this.executor.claimAndExecute(userId, orderId, opts.dailyCapUsd, opts.acknowledgeRisk === true, opts.withdrawal === true);
    } catch (err) {
      // A failure the caller answers with an error reply (nothing was sent): told by that reply.
      const o = await this.ctx.d.orders.get(orderId);
      if (o?.userId === userId && o.confirmedAt !== null && o.status === "failed") await this.markTold(o.id);
      throw err;
    }
    if (!opts.toldByReply && r.kind !== "already" && EVENT_OF[r.order.status]) await this.markTold(r.order.id);
    return r;
  }

  /** The user has been told this order's outcome (its Confirm reply was delivered). */
  markTold(orderId: string): Promise<void> {
    return this.ctx.markTold(orderId);
  }

  /**
   * Start-up and background: finish every order a crash or restart left in flight, and tell its owner;
   * push the outcome of orders that ended but whose owner was never told.
   */
  reconcile(): Promise<Order[]> {
    return this.tracker.reconcile();
  }

  /** Reconciles in the background (a LeaderLoop, one pass at a time) until stop(). */
  startTracker(everyMs = 2000): void {
    this.tracker.start(everyMs);
  }

  async stop(): Promise<void> {
    await this.tracker.stop();
  }
}
