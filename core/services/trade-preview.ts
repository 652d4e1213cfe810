import { randomBytes } from "node:crypto";
import { BUILTIN_TOKENS } from "../domain/builtin-tokens.js";
import { formatAmount, shareOf, unitsToUsd } from "../domain/money.js";
import { NOTHING_EXECUTED, type Order } from "../domain/order.js";
import type { Token } from "../domain/token.js";
import { amountHeld } from "../domain/valuation.js";
import { RemoteError, UserError, isUserError } from "../errors.js";
import type { Wallet } from "../ports/orders.port.js";
import type { SwapQuote } from "../ports/trading.port.js";
import { startOfUtcDay, type TradeContext } from "./trade-context.js";
import { receivedRisk, settleRisk } from "./trade-safety.js";
import { SOL_MINT, type NotifyTarget, type Placement, type PreviewLimits, type TradeAccount, type TradeIntent, type TradingConfig } from "./trading-types.js";

function builtin(symbol: string): Token {
  const t = BUILTIN_TOKENS.find((x) => x.symbol === symbol);
  if (!t) throw new Error(`${symbol} is not a builtin token`);
  return t;
}
const USDC = builtin("USDC");
/** Lamports kept back when selling "all" SOL, for fees and rent. */
const SOL_RESERVE = 10_000_000n;
const newOrderId = () => "o_" + randomBytes(8).toString("hex");

/**
 * The books users trade from, and previews: policy checks (tokens, balance, size, daily cap), then a
 * quote judged against the limits (slippage, price impact) and stored as a previewed order. Nothing
 * moves here.
 */
export class TradePreviewer {
  constructor(private readonly ctx: TradeContext) {}

  /** The book this user trades in: the paper account, or their custodial wallet in live mode. */
  async book(userId: string): Promise<{ book: string; wallet: Wallet | null }> {
    const d = this.ctx.d;
    if (d.config.mode === "paper") {
      await this.ensurePaper(userId);
      return { book: "paper", wallet: null };
    }
    const wallet = (await d.wallets.list(userId)).find((w) => w.kind === "custodial");
    if (!wallet) throw new UserError("no_wallet", "Live trading needs a wallet: create one with /wallet new (in a private chat).");
    return { book: wallet.address, wallet };
  }

  async ensurePaper(userId: string): Promise<void> {
    const d = this.ctx.d;
    const units = BigInt(Math.round(d.config.paperStartUsdc * 1e6));
    const now = this.ctx.now();
    if (await d.books.ensure(userId, "paper", now, { mint: USDC.mint, amount: units, costMicro: units })) {
      await d.books.snapshot(userId, "paper", now, d.config.paperStartUsdc);
    }
  }

  /** What the book holds of a mint (paper positions, or the wallet on-chain). */
  async held(book: string, wallet: Wallet | null, userId: string, mint: string): Promise<bigint> {
    if (!wallet) return amountHeld({ positions: await this.ctx.d.books.positions(userId, book) }, mint);
    return amountHeld({ chain: await this.ctx.chain().balances(wallet.address) }, mint);
  }

  /**
   * The preview for any account (the treasury uses its own book and limits): policy, balance,
   * valuation, quote, stored order. Confirm then executes it once like any other order.
   */
  async previewIn(account: TradeAccount, intent: TradeIntent, notify: NotifyTarget, limits: PreviewLimits = {}, placement: Placement = {}): Promise<Order> {
    // The limits this preview is judged by: the service's, with the caller's own on top.
    const c: TradingConfig = { ...this.ctx.d.config, ...limits, mode: account.mode };
    const { input, output } = intent;
    if (input.mint === output.mint) throw new UserError("same_token", `You can't swap ${input.symbol} for itself.`);
    for (const t of [input, output]) this.checkToken(t, c.allow);
    // The received token's safety is checked while the balance, value and quote are worked out.
    const safety = receivedRisk(this.ctx.d.safety, output, c.allow, this.ctx.d.log);
    const amount = await this.amountOf(account, intent);
    const { usd, now } = await this.valueOf(account.userId, input, amount, c);
    const quote = await this.quoteFor(intent, amount, c);
    // Refused here under TOKEN_SAFETY=block; otherwise carried on the order (amounts net of a transfer fee).
    const { risk, quotedOut, minOut } = settleRisk(await safety, quote, placement);
    const order: Order = {
      id: placement.orderId ?? newOrderId(),
      userId: account.userId,
      mode: account.mode,
      book: account.book,
      wallet: account.wallet?.address ?? null,
      side: intent.side,
      status: "previewed",
      input: { mint: input.mint, symbol: input.symbol, decimals: input.decimals },
      output: { mint: output.mint, symbol: output.symbol, decimals: output.decimals },
      inAmount: amount,
      quotedOut,
      minOut,
      slippageBps: quote.slippageBps,
      priceImpactPct: quote.priceImpactPct,
      route: quote.route,
      routeFees: quote.fees,
      simulated: quote.simulated === true,
      quoteRaw: quote.raw,
      usdValue: usd,
      createdAt: now,
      quoteExpiresAt: now + c.quoteTtlMs,
      ...NOTHING_EXECUTED,
      notify,
      ...(placement.automation ? { automation: placement.automation } : {}),
      ...(risk ? { risk } : {}),
    };
    await this.ctx.d.orders.create(order);
    return order;
  }

  /** The token policy every trade is held to: the deny list, the allow list, else verified tokens only. */
  checkToken(t: Token, allow: ReadonlySet<string> | null = this.ctx.d.config.allow) {
    if (this.ctx.d.config.deny.has(t.mint)) throw new UserError("token_denied", `Trading ${t.symbol} is not allowed here.`);
    if (allow && !allow.has(t.mint)) throw new UserError("token_not_allowed", `${t.symbol} is not on this bot's list of tradable tokens.`);
    if (!allow && !t.verified) throw new UserError("token_unverified", `${t.symbol} is not a verified token; trading it is blocked.`);
  }

  /** The amount to trade, in the input's base units: what the intent names, and the book holds. */
  private async amountOf(account: TradeAccount, intent: TradeIntent): Promise<bigint> {
    const { userId, book, wallet } = account;
    const { input } = intent;
    const held = await this.ctx.beforeSigning(() => this.held(book, wallet, userId, input.mint));
    let amount: bigint;
    if (intent.amount.kind === "units") amount = intent.amount.units;
    else {
      const spendable = wallet && input.mint === SOL_MINT ? (held > SOL_RESERVE ? held - SOL_RESERVE : 0n) : held;
      amount = intent.amount.kind === "all" ? spendable : shareOf(spendable, intent.amount.bps);
    }
    const where = wallet ? "in your wallet" : "in your paper account";
    if (amount <= 0n) throw new UserError("insufficient_balance", `You have no ${input.symbol} ${where} to trade.`);
    if (held < amount) {
      throw new UserError(
        "insufficient_balance",
        `You have ${formatAmount(held, input.decimals)} ${input.symbol} ${where}; that trade needs ${formatAmount(amount, input.decimals)}.`,
      );
    }
    return amount;
  }

  /**
   * The trade's USD value, judged against the per-trade limit and what today's trades left of the cap;
   * `now` is the moment the cap was judged (the order's creation).
   */
  private async valueOf(userId: string, input: Token, amount: bigint, c: TradingConfig): Promise<{ usd: number; now: number }> {
    const price = await this.ctx.d.market.getPrice(input).catch((err: unknown) => {
      if (isUserError(err)) throw new UserError("trade_unpriced", `I can't value this trade: ${err.message}`);
      throw err;
    });
    const usd = unitsToUsd(amount, input.decimals, price.usd);
    if (usd > c.maxTradeUsd) {
      throw new UserError("trade_too_large", `That trade is worth about $${usd.toFixed(2)}; the limit is $${c.maxTradeUsd} per trade.`);
    }
    const now = this.ctx.now();
    const today = await this.ctx.d.orders.usdSince(userId, startOfUtcDay(now));
    if (today + usd > c.dailyCapUsd) {
      throw new UserError("daily_cap", `That would take you past today's limit of $${c.dailyCapUsd} (used: $${today.toFixed(2)}).`);
    }
    return { usd, now };
  }

  /** A quote for exactly this trade, within the slippage and price-impact limits. */
  private async quoteFor(intent: TradeIntent, amount: bigint, c: TradingConfig): Promise<SwapQuote> {
    const { input, output } = intent;
    const slippageBps = Math.min(c.defaultSlippageBps, c.maxSlippageBps);
    let quote: SwapQuote;
    try {
      quote = await this.ctx.d.swap.quote({ inputMint: input.mint, outputMint: output.mint, amount, slippageBps });
    } catch (err) {
      if (isUserError(err)) throw err;
      this.ctx.d.log.warn({ err }, "quote failed");
      const retry = err instanceof RemoteError && err.retryable;
      throw new UserError("quote_failed", `Jupiter did not give a quote${retry ? "; try again in a moment" : ""}.`);
    }
    if (quote.inputMint !== input.mint || quote.outputMint !== output.mint || quote.inAmount !== amount || quote.outAmount <= 0n) {
      throw new UserError("quote_failed", "Jupiter's quote did not match the request; nothing was done.");
    }
    if (quote.slippageBps > c.maxSlippageBps) throw new UserError("slippage_too_high", `The quote allows ${quote.slippageBps} bps slippage; the limit is ${c.maxSlippageBps}.`);
    if (quote.priceImpactPct > c.maxPriceImpactPct) {
      throw new UserError(
        "price_impact_too_high",
        `Price impact would be ${quote.priceImpactPct.toFixed(2)}%; the limit is ${c.maxPriceImpactPct}%. Try a smaller amount.`,
      );
    }
    return quote;
  }
}
