import { netOfTransferFee } from "../../domain/trade-risk.js";
import { randomBytes } from "node:crypto";
import { NOTHING_EXECUTED, isWithdrawal, type Order, type TradingMode } from "../../domain/order.js";
import type { Token } from "../../domain/token.js";
import { unitsToUsd } from "../../domain/money.js";
import { UserError, isUserError } from "../../errors.js";
import type { AuditLog } from "../../ports/audit.port.js";
import type { Clock } from "../../ports/clock.port.js";
import type { Logger } from "../../ports/logger.port.js";
import type { OrderStore } from "../../ports/orders.port.js";
import type { TokensPort } from "../../ports/tokens.port.js";
import type { ConfirmResult } from "../../ports/trading.port.js";
import type { TwoFactorPort } from "../../ports/two-factor.port.js";
import type { SettingsPort } from "../../ports/user-settings.port.js";
import type { WithdrawChain } from "../../ports/withdraw-tx.port.js";
import type { WithdrawAddressBook, WithdrawalsPort, WithdrawRequest } from "../../ports/withdrawals.port.js";
import type { PriceQuote } from "../../domain/price.js";
import { startOfUtcDay } from "../trade-context.js";
import type { TradingService } from "../trading.service.js";
import { amountToSend, type Balances } from "./withdraw-amount.js";

/** How long a withdrawal preview (and the code it waits for after Confirm) stays valid. */
export const WITHDRAW_PREVIEW_TTL_MS = 5 * 60_000;
const newOrderId = () => "o_" + randomBytes(8).toString("hex");

export interface WithdrawalConfig {
  /** WITHDRAWALS=on. */
  enabled: boolean;
  mode: TradingMode;
  /** WITHDRAW_DAILY_CAP_USD: the most a user may withdraw per UTC day, judged at Confirm in one atomic step. */
  dailyCapUsd: number;
  previewTtlMs?: number;
}

export interface WithdrawalDeps {
  config: WithdrawalConfig;
  book: WithdrawAddressBook;
  twoFactor: Pick<TwoFactorPort, "enabled" | "verify">;
  /** The order machinery: the user's book, the single claim under the cap, execution, tracking, reconciliation. */
  trading: Pick<TradingService, "book" | "held" | "order" | "confirm" | "cancel">;
  orders: Pick<OrderStore, "create" | "usdSince">;
  tokens: Pick<TokensPort, "resolve">;
  market: { getPrice(token: Token): Promise<PriceQuote> };
  /** Live mode: balances, fees and rent read from Solana (the same builder executes the order). */
  withdrawTx?: WithdrawChain;
  settings?: Pick<SettingsPort, "get">;
  audit: AuditLog;
  clock: Clock;
  log: Logger;
}


/**
 * Withdrawals (issue 19) as orders: the preview resolves the token, the exact amount ("all": everything
 * but the network fee), the matured address-book destination, the fee and any token-account rent, and
 * stores a previewed order (side "withdraw"); Confirm plus a fresh 2FA code claims it once under the
 * daily withdrawal cap, and the trade machinery builds, inspects, signs, stores, sends, tracks and
 * reconciles it. Paper mode simulates: the paper book is debited and no chain is touched.
 */
export class WithdrawalService implements WithdrawalsPort {
  readonly book: WithdrawAddressBook;

  constructor(private readonly d: WithdrawalDeps) {
    this.book = d.book;
  }

  get enabled(): boolean {
    return this.d.config.enabled;
  }

  get dailyCapUsd(): number {
    return this.d.config.dailyCapUsd;
  }

  private assertEnabled(): void {
    if (!this.enabled) throw new UserError("withdrawals_off", "Withdrawals are off on this bot (the operator's WITHDRAWALS setting). Nothing was sent.");
  }

  async preview(userId: string, req: WithdrawRequest): Promise<Order> {
    const d = this.d;
    this.assertEnabled();
    if (!(await d.twoFactor.enabled(userId))) {
      throw new UserError("twofa_off", "Withdrawals need two-factor authentication: set it up first with /2fa setup (in a private chat).");
    }
    const token = await d.tokens.resolve(req.token);
    const asked = req.amount.trim().toLowerCase() === "all" ? ("all" as const) : req.amount;
    // Refused here when unknown, still in its delay, or frozen (the user's own freeze or the operator's).
    const dest = await d.book.usable(userId, req.label);
    const { book, wallet } = await d.trading.book(userId);
    const live = d.config.mode === "live";
    if (live && !wallet) throw new UserError("no_wallet", "Withdrawals send from your custodial wallet: create one with /wallet new.");
    if (live && !d.withdrawTx) throw new UserError("chain_unreachable", "Withdrawals need a Solana connection, which this bot does not have. Nothing was sent.");
    const priorityFee = d.settings ? (await d.settings.get(userId).catch(() => undefined))?.priorityFee : undefined;
    const balances: Balances =
      live && wallet && d.withdrawTx
        ? { live: true, plan: await d.withdrawTx.plan({ owner: wallet.address, to: dest.address, mint: token.mint, decimals: token.decimals }, priorityFee) }
        : { live: false, held: await d.trading.held(book, null, userId, token.mint) };
    const amount = amountToSend(asked, token, balances);
    const usd = await this.valueOf(token, amount);
    const now = d.clock.now();
    const today = await d.orders.usdSince(userId, startOfUtcDay(now), "withdraw");
    if (today + usd > d.config.dailyCapUsd) {
      throw new UserError(
        "withdraw_daily_cap",
        `That would take you past today's withdrawal limit of $${d.config.dailyCapUsd} (used: $${today.toFixed(2)}, this one: ~$${usd.toFixed(2)}).`,
      );
    }
    const ref = { mint: token.mint, symbol: token.symbol, decimals: token.decimals };
    // A Token-2022 transfer fee: the amount leaves the wallet, the destination receives it minus the fee.
    const arrives = balances.live ? netOfTransferFee({ quotedOut: amount, minOut: amount }, balances.plan.transferFee).quotedOut : amount;
    const order: Order = {
      id: newOrderId(),
      userId,
      mode: d.config.mode,
      book,
      wallet: wallet?.address ?? null,
      side: "withdraw",
      status: "previewed",
      input: ref,
      output: ref,
      inAmount: amount,
      quotedOut: arrives,
      minOut: arrives,
      slippageBps: 0,
      priceImpactPct: 0,
      route: [],
      routeFees: null,
      simulated: !live,
      quoteRaw: null,
      usdValue: usd,
      createdAt: now,
      quoteExpiresAt: now + (d.config.previewTtlMs ?? WITHDRAW_PREVIEW_TTL_MS),
      ...NOTHING_EXECUTED,
      notify: req.notify ?? { platform: "console", chatId: "console" },
      withdrawal: {
        to: dest.address,
        label: dest.label,
        networkFeeLamports: balances.live ? balances.plan.networkFeeLamports : 0n,
        rentLamports: balances.live ? balances.plan.rentLamports : 0n,
      },
    };
    await d.orders.create(order);
    await d.audit.record({
      at: now,
      userId,
      action: "withdraw.previewed",
      detail: { order: order.id, mode: order.mode, mint: token.mint, amount: amount.toString(), label: dest.label, to: dest.address, usd },
    });
    d.log.info({ order: order.id, user: userId, mode: order.mode, mint: token.mint, amount: amount.toString(), to: dest.address }, "withdrawal previewed");
    return order;
  }

  /** The USD value the daily cap counts; a token with no price cannot be judged, so it is not sent. */
  private async valueOf(token: Token, amount: bigint): Promise<number> {
    const q = await this.d.market.getPrice(token).catch(() => undefined);
    if (!q) throw new UserError("trade_unpriced", `I can't value ${token.symbol} right now, so the daily withdrawal limit can't be judged. Try again later.`);
    return unitsToUsd(amount, token.decimals, q.usd);
  }

  async order(userId: string, orderId: string): Promise<Order> {
    const o = await this.d.trading.order(userId, orderId);
    if (!isWithdrawal(o)) throw new UserError("order_unknown", "I can't find that withdrawal.");
    return o;
  }

  async confirm(userId: string, orderId: string, code: string): Promise<Order> {
    return (await this.confirmWithCode(userId, orderId, code)).order;
  }

  /**
   * Confirm with a fresh 2FA code, checked BEFORE the order is claimed: a wrong, reused or stale code
   * (or a locked account) leaves the order previewed. The destination is judged again (removed, frozen
   * since the preview: refused and the order cancelled). Then the order is claimed once under the daily
   * withdrawal cap and executed. `toldByReply`: the caller's reply tells the outcome (see TradingService).
   */
  async confirmWithCode(userId: string, orderId: string, code: string, opts: { toldByReply?: boolean } = {}): Promise<ConfirmResult> {
    const d = this.d;
    this.assertEnabled();
    const o = await this.order(userId, orderId);
    if (!o.withdrawal) throw new UserError("order_unknown", "I can't find that withdrawal.");
    if (o.status !== "previewed") return { kind: "already", order: o };
    try {
      await d.twoFactor.verify(userId, code, "withdraw");
    } catch (err) {
      // Never the code itself: only that it was refused, and why.
      d.log.warn({ order: o.id, user: userId, why: isUserError(err) ? err.code : "error" }, "withdrawal code refused; nothing claimed");
      throw err;
    }
    try {
      const dest = await d.book.usable(userId, o.withdrawal.label);
      if (dest.address !== o.withdrawal.to) throw new UserError("withdraw_address_unknown", `The address for "${o.withdrawal.label}" changed since the preview.`);
    } catch (err) {
      if (!isUserError(err)) throw err;
      await d.trading.cancel(userId, orderId);
      await d.audit.record({ at: d.clock.now(), userId, action: "withdraw.destination_refused", detail: { order: o.id, label: o.withdrawal.label, code: err.code } });
      throw new UserError(err.code, `${err.message} Nothing was sent.`, err.context);
    }
    const r = await d.trading.confirm(userId, orderId, { dailyCapUsd: d.config.dailyCapUsd, withdrawal: true, ...(opts.toldByReply ? { toldByReply: true } : {}) });
    if (r.kind !== "already") {
      d.log.info({ order: o.id, user: userId, outcome: r.kind, status: r.order.status, signature: r.order.signature }, "withdrawal confirmed");
      await d.audit.record({ at: d.clock.now(), userId, action: "withdraw.result", detail: { order: o.id, status: r.order.status, signature: r.order.signature } });
    }
    return r;
  }

  async cancel(userId: string, orderId: string): Promise<Order> {
    const o = await this.order(userId, orderId);
    const after = await this.d.trading.cancel(userId, orderId);
    if (o.status === "previewed" && after.status === "cancelled") {
      await this.d.audit.record({ at: this.d.clock.now(), userId, action: "withdraw.cancelled", detail: { order: o.id } });
    }
    return after;
  }
}
