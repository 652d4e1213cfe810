import { randomBytes } from "node:crypto";
import { BUILTIN_TOKENS } from "../domain/builtin-tokens.js";
import { IN_FLIGHT_STATUSES, usdToMicro, type Order } from "../domain/order.js";
import { formatAmount, shareOf, unitsToUsd } from "../domain/money.js";
import type { Token } from "../domain/token.js";
import type { Platform } from "../domain/identity.js";
import { RemoteError, UserError, WalletKeyError, isUserError } from "../errors.js";
import type { AuditLog } from "../ports/audit.port.js";
import type { Clock } from "../ports/clock.port.js";
import type { Logger } from "../ports/logger.port.js";
import type { BookStore, OrderStore, Wallet, WalletStore } from "../ports/orders.port.js";
import type { Chain, ConfirmResult, KeyVault, SwapProvider, SwapQuote, ToldOrders, TradeIntent, TradingPort, TxCheck } from "../ports/trading.port.js";
import type { MarketService } from "./market.service.js";

export const SOL_MINT = "So11111111111111111111111111111111111111112";
const USDC = BUILTIN_TOKENS.find((t) => t.symbol === "USDC")!;
/** Lamports kept back when selling "all" SOL, for fees and rent. */
const SOL_RESERVE = 10_000_000n;

export interface TradingConfig {
  mode: "paper" | "live";
  paperStartUsdc: number;
  maxTradeUsd: number;
  dailyCapUsd: number;
  defaultSlippageBps: number;
  maxSlippageBps: number;
  maxPriceImpactPct: number;
  quoteTtlMs: number;
  /**
   * How long a confirmed order may be in another process's hands: unsigned this long after Confirm it
   * was interrupted (closed as failed); ended this long ago and never told, its outcome is pushed.
   */
  takeoverMs: number;
  /** Mints allowed (null = any verified token); always refused: deny. */
  allow: ReadonlySet<string> | null;
  deny: ReadonlySet<string>;
  /** How long Confirm waits for a live swap to land before answering "sent". */
  confirmWaitMs: number;
  pollMs: number;
  resendEveryMs: number;
}

export type TradeEventType = "trade.filled" | "trade.failed" | "trade.expired" | "trade.refused";
export interface TradeEvent {
  type: TradeEventType;
  order: Order;
}

export type { ConfirmResult, TradeIntent } from "../ports/trading.port.js";

export interface TradingDeps {
  orders: OrderStore;
  books: BookStore;
  wallets: WalletStore;
  swap: SwapProvider;
  chain?: Chain;
  vault?: KeyVault;
  market: MarketService;
  audit: AuditLog;
  clock: Clock;
  log: Logger;
  config: TradingConfig;
  /** Fills and failures found in the background are pushed to the user. */
  onEvent: (e: TradeEvent) => Promise<void>;
  sleep?: (ms: number) => Promise<void>;
}

const newOrderId = () => "o_" + randomBytes(8).toString("hex");
const EVENT_OF: Partial<Record<Order["status"], TradeEventType>> = {
  filled: "trade.filled",
  failed: "trade.failed",
  expired: "trade.expired",
  refused: "trade.refused",
};
const TOLD_STATUSES = Object.keys(EVENT_OF) as Order["status"][];
/** How long reconciliation waits for one re-sent order before leaving it to the next pass. */
const RECONCILE_WAIT_MS = 3000;
const startOfUtcDay = (t: number) => t - (t % 86_400_000);
const CHAIN_UNREACHABLE = "The Solana network could not be reached; nothing was sent. Try again in a minute.";
const WALLET_KEY_UNREADABLE = "Your wallet key could not be decrypted, so nothing was signed or sent. An admin should check MASTER_KEY.";

/**
 * Trades the way an exchange handles orders: a durable previewed order first, one execution claimed by
 * an atomic status change, every step stored before the next, reconciliation after any crash.
 * Paper and live share this path; only the execution leg differs.
 */
export class TradingService implements TradingPort, ToldOrders {
  private tracker: ReturnType<typeof setInterval> | undefined;
  private tracking: Promise<void> | undefined;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly d: TradingDeps) {
    this.sleep = d.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  get mode() {
    return this.d.config.mode;
  }

  /** The book this user trades in: the paper account, or their custodial wallet in live mode. */
  async book(userId: string): Promise<{ book: string; wallet: Wallet | null }> {
    if (this.d.config.mode === "paper") {
      await this.ensurePaper(userId);
      return { book: "paper", wallet: null };
    }
    const wallet = (await this.d.wallets.list(userId)).find((w) => w.kind === "custodial");
    if (!wallet) throw new UserError("no_wallet", "Live trading needs a wallet: create one with /wallet new (in a private chat).");
    return { book: wallet.address, wallet };
  }

  async ensurePaper(userId: string): Promise<void> {
    const units = BigInt(Math.round(this.d.config.paperStartUsdc * 1e6));
    const now = this.d.clock.now();
    if (await this.d.books.ensure(userId, "paper", now, { mint: USDC.mint, amount: units, costMicro: units })) {
      await this.d.books.snapshot(userId, "paper", now, this.d.config.paperStartUsdc);
    }
  }

  /** What the book holds of a mint (paper positions, or the wallet on-chain). */
  async held(book: string, wallet: Wallet | null, userId: string, mint: string): Promise<bigint> {
    if (!wallet) return (await this.d.books.positions(userId, book)).find((p) => p.mint === mint)?.amount ?? 0n;
    const b = await this.chain().balances(wallet.address);
    if (mint === SOL_MINT) return b.lamports;
    return b.tokens.filter((t) => t.mint === mint).reduce((a, t) => a + t.amount, 0n);
  }

  /** Policy checks, then a Jupiter quote stored as a previewed order. Nothing moves yet. */
  async preview(userId: string, intent: TradeIntent, notify: { platform: Platform; chatId: string }): Promise<Order> {
    const { book, wallet } = await this.book(userId);
    return this.previewIn({ userId, book, wallet, mode: this.d.config.mode }, intent, notify);
  }

  /**
   * The same preview for any account (the treasury uses its own book and limits): policy, balance,
   * valuation, quote, stored order. Confirm then executes it once like any other order.
   */
  async previewIn(
    account: { userId: string; book: string; wallet: Wallet | null; mode: "paper" | "live" },
    intent: TradeIntent,
    notify: { platform: Platform; chatId: string },
    limits: Partial<Pick<TradingConfig, "maxTradeUsd" | "dailyCapUsd" | "defaultSlippageBps" | "maxSlippageBps" | "maxPriceImpactPct" | "allow">> = {},
  ): Promise<Order> {
    const c = { ...this.d.config, ...limits, mode: account.mode };
    const { userId, book, wallet } = account;
    const { input, output } = intent;
    if (input.mint === output.mint) throw new UserError("same_token", `You can't swap ${input.symbol} for itself.`);
    for (const t of [input, output]) this.checkToken(t, c.allow);
    const held = await this.beforeSigning(() => this.held(book, wallet, userId, input.mint));
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
    const price = await this.d.market.getPrice(input).catch((err: unknown) => {
      if (isUserError(err)) throw new UserError("trade_unpriced", `I can't value this trade: ${err.message}`);
      throw err;
    });
    const usd = unitsToUsd(amount, input.decimals, price.usd);
    if (usd > c.maxTradeUsd) {
      throw new UserError("trade_too_large", `That trade is worth about $${usd.toFixed(2)}; the limit is $${c.maxTradeUsd} per trade.`);
    }
    const now = this.d.clock.now();
    const today = await this.d.orders.usdSince(userId, startOfUtcDay(now));
    if (today + usd > c.dailyCapUsd) {
      throw new UserError("daily_cap", `That would take you past today's limit of $${c.dailyCapUsd} (used: $${today.toFixed(2)}).`);
    }
    const slippageBps = Math.min(c.defaultSlippageBps, c.maxSlippageBps);
    let quote: SwapQuote;
    try {
      quote = await this.d.swap.quote({ inputMint: input.mint, outputMint: output.mint, amount, slippageBps });
    } catch (err) {
      if (isUserError(err)) throw err;
      this.d.log.warn({ err }, "quote failed");
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
    const order: Order = {
      id: newOrderId(),
      userId,
      mode: account.mode,
      book,
      wallet: wallet?.address ?? null,
      side: intent.side,
      status: "previewed",
      input: { mint: input.mint, symbol: input.symbol, decimals: input.decimals },
      output: { mint: output.mint, symbol: output.symbol, decimals: output.decimals },
      inAmount: amount,
      quotedOut: quote.outAmount,
      minOut: quote.minOutAmount,
      slippageBps: quote.slippageBps,
      priceImpactPct: quote.priceImpactPct,
      route: quote.route,
      quoteRaw: quote.raw,
      usdValue: usd,
      createdAt: now,
      quoteExpiresAt: now + c.quoteTtlMs,
      confirmedAt: null,
      signature: null,
      rawTx: null,
      lastValidBlockHeight: null,
      finalAt: null,
      filledIn: null,
      filledOut: null,
      feeLamports: null,
      error: null,
      notify,
    };
    await this.d.orders.create(order);
    return order;
  }

  private checkToken(t: Token, allow: ReadonlySet<string> | null) {
    if (this.d.config.deny.has(t.mint)) throw new UserError("token_denied", `Trading ${t.symbol} is not allowed here.`);
    if (allow && !allow.has(t.mint)) throw new UserError("token_not_allowed", `${t.symbol} is not on this bot's list of tradable tokens.`);
    if (!allow && !t.verified) throw new UserError("token_unverified", `${t.symbol} is not a verified token; trading it is blocked.`);
  }

  async order(userId: string, orderId: string): Promise<Order> {
    const o = await this.d.orders.get(orderId);
    if (!o || o.userId !== userId) throw new UserError("order_unknown", "I can't find that order.");
    return o;
  }

  orders(userId: string, limit: number): Promise<Order[]> {
    return this.d.orders.byUser(userId, limit);
  }

  async cancel(userId: string, orderId: string): Promise<Order> {
    const o = await this.order(userId, orderId);
    await this.d.orders.transition(o.id, ["previewed"], "cancelled", { finalAt: this.d.clock.now() });
    return this.order(userId, orderId);
  }

  /**
   * Confirm: claims the order exactly once, then executes it. `toldByReply`: the caller's reply tells
   * the outcome and marks the order told once delivered (markTold); otherwise a final result counts as
   * told when it is returned.
   */
  async confirm(userId: string, orderId: string, opts: { dailyCapUsd?: number; toldByReply?: boolean } = {}): Promise<ConfirmResult> {
    let r: ConfirmResult;
    try {
      r = await this.claimAndExecute(userId, orderId, opts.dailyCapUsd);
    } catch (err) {
      // A failure the caller answers with an error reply (nothing was sent): told by that reply.
      const o = await this.d.orders.get(orderId);
      if (o?.userId === userId && o.confirmedAt !== null && o.status === "failed") await this.markTold(o.id);
      throw err;
    }
    if (!opts.toldByReply && r.kind !== "already" && EVENT_OF[r.order.status]) await this.markTold(r.order.id);
    return r;
  }

  /** The user has been told this order's outcome (its Confirm reply was delivered). */
  async markTold(orderId: string): Promise<void> {
    await this.d.orders.markTold(orderId, this.d.clock.now());
  }

  private async claimAndExecute(userId: string, orderId: string, dailyCapUsd: number | undefined): Promise<ConfirmResult> {
    const o = await this.order(userId, orderId);
    if (o.status !== "previewed") return { kind: "already", order: o };
    const now = this.d.clock.now();
    if (now >= o.quoteExpiresAt) {
      await this.d.orders.transition(o.id, ["previewed"], "expired", { finalAt: now, error: "quote expired before confirmation" });
      return { kind: "expired", order: await this.order(userId, orderId) };
    }
    const cap = dailyCapUsd ?? this.d.config.dailyCapUsd;
    // The cap is judged and the order claimed in one atomic step: presses at once cannot both fit.
    const claim = await this.d.orders.confirmWithinCap(o.id, now, { since: startOfUtcDay(now), usd: cap });
    if (claim === "over_cap") {
      await this.d.orders.transition(o.id, ["previewed"], "cancelled", { finalAt: now, error: "daily limit reached" });
      throw new UserError("daily_cap", `Confirming would take you past today's limit of $${cap}.`);
    }
    if (claim !== "confirmed") return { kind: "already", order: await this.order(userId, orderId) };
    const claimed = { ...o, status: "confirmed" as const, confirmedAt: now };
    await this.d.audit.record({ at: now, userId, action: "trade.confirmed", detail: { order: o.id, mode: o.mode } });
    return o.mode === "paper" ? this.fillPaper(claimed, false) : this.executeLive(claimed);
  }

  /**
   * What a fill is worth for cost basis: the USD value of what was received (so the bought side starts
   * at its own value and the sold side realises value received minus its cost). Falls back to the
   * preview's notional when the output has no price right now.
   */
  private async receivedValue(o: Order, outAmount: bigint): Promise<bigint> {
    const token = { symbol: o.output.symbol, name: o.output.symbol, mint: o.output.mint, decimals: o.output.decimals, verified: true };
    const q = (await this.d.market.getPrices([token]).catch(() => new Map())).get(o.output.mint);
    return usdToMicro(q ? unitsToUsd(outAmount, o.output.decimals, q.usd) : o.usdValue);
  }

  private async fillPaper(o: Order, push: boolean): Promise<ConfirmResult> {
    const valueMicro = await this.receivedValue(o, o.quotedOut);
    const now = this.d.clock.now();
    const r = await this.d.books.applyFill(
      { orderId: o.id, userId: o.userId, book: o.book, inMint: o.input.mint, inAmount: o.inAmount, outMint: o.output.mint, outAmount: o.quotedOut, valueMicro },
      now,
      { requireBalance: true, from: ["confirmed"] },
    );
    if (r === "insufficient") {
      await this.d.orders.transition(o.id, ["confirmed"], "failed", { finalAt: now, error: `not enough ${o.input.symbol} in the paper account` });
    }
    const fresh = (await this.d.orders.get(o.id))!;
    if (r === "not_in_flight") return { kind: "already", order: fresh };
    const kind = r === "filled" ? "filled" : "failed";
    if (push) await this.emit(kind === "filled" ? "trade.filled" : "trade.failed", fresh);
    return { kind, order: fresh };
  }

  private chain(): Chain {
    if (!this.d.chain) throw new Error("live trading needs a Solana connection");
    return this.d.chain;
  }

  private async executeLive(o: Order): Promise<ConfirmResult> {
    const now = () => this.d.clock.now();
    const wallet = (await this.d.wallets.list(o.userId)).find((w) => w.address === o.wallet && w.kind === "custodial");
    if (!wallet?.encryptedSecret || !this.d.vault) {
      await this.d.orders.transition(o.id, ["confirmed"], "failed", { finalAt: now(), error: "wallet unavailable" });
      return { kind: "failed", order: (await this.d.orders.get(o.id))! };
    }
    let built: { txBase64: string; lastValidBlockHeight: number };
    try {
      built = await this.d.swap.buildSwap(this.quoteOf(o), wallet.address);
    } catch (err) {
      this.d.log.warn({ err, order: o.id }, "swap build failed");
      await this.d.orders.transition(o.id, ["confirmed"], "failed", { finalAt: now(), error: "Jupiter could not build the swap" });
      return { kind: "failed", order: (await this.d.orders.get(o.id))! };
    }
    let check: TxCheck;
    try {
      check = await this.beforeSigning(() =>
        this.chain().inspect(built.txBase64, { owner: wallet.address, inputMint: o.input.mint, outputMint: o.output.mint, inAmount: o.inAmount, minOutAmount: o.minOut }),
      );
    } catch (err) {
      return this.failUnsent(o, err);
    }
    if (!check.ok) {
      await this.d.orders.transition(o.id, ["confirmed"], "refused", { finalAt: now(), error: check.reason });
      await this.d.audit.record({ at: now(), userId: o.userId, action: "trade.refused", detail: { order: o.id, reason: check.reason } });
      this.d.log.warn({ order: o.id, reason: check.reason }, "swap transaction refused");
      return { kind: "refused", order: (await this.d.orders.get(o.id))! };
    }
    let signed: { signedTxBase64: string; signature: string };
    try {
      signed = await this.d.vault.sign(wallet.encryptedSecret, built.txBase64);
    } catch (err) {
      if (err instanceof WalletKeyError) {
        await this.d.audit.record({ at: now(), userId: o.userId, action: "wallet.key_unreadable", detail: { order: o.id, wallet: wallet.address } });
        this.d.log.error({ order: o.id, wallet: wallet.address }, "wallet key could not be decrypted: check MASTER_KEY");
        return this.failUnsent(o, new UserError("wallet_key_unreadable", WALLET_KEY_UNREADABLE));
      }
      return this.failUnsent(o, err);
    }
    // Stored BEFORE sending: a crash from here on is reconciled from these bytes, never re-signed.
    // Lost to a takeover (reconciliation closed it as interrupted): these bytes are never sent.
    const won = await this.d.orders.transition(o.id, ["confirmed"], "signed", {
      signature: signed.signature,
      rawTx: signed.signedTxBase64,
      lastValidBlockHeight: built.lastValidBlockHeight,
    });
    if (!won) {
      this.d.log.warn({ order: o.id }, "order taken over while signing; the signed transaction is discarded unsent");
      return { kind: "already", order: (await this.d.orders.get(o.id))! };
    }
    const stored = (await this.d.orders.get(o.id))!;
    await this.send(stored);
    return this.waitFinal(stored, this.d.config.confirmWaitMs);
  }

  /**
   * A Solana RPC call made before anything is signed: an RPC that cannot be reached is the user's
   * typed `chain_unreachable` answer (nothing was sent), not an unexpected error.
   */
  private async beforeSigning<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof RemoteError) || err.service !== "solana") throw err;
      this.d.log.warn({ err }, "Solana RPC failed before signing; nothing was sent");
      throw new UserError(
        "chain_unreachable",
        err.retryable ? CHAIN_UNREACHABLE : "The Solana network refused the request; nothing was sent.",
        { retryable: err.retryable },
      );
    }
  }

  /**
   * A claimed (confirmed) order that failed before anything was signed is closed as failed at once,
   * never left confirmed-unsent until reconciliation; the failure then reaches the user.
   */
  private async failUnsent(o: Order, err: unknown): Promise<never> {
    const why = isUserError(err) ? err.message : "failed before signing; nothing was sent";
    await this.d.orders.transition(o.id, ["confirmed"], "failed", { finalAt: this.d.clock.now(), error: why });
    throw err;
  }

  private quoteOf(o: Order): SwapQuote {
    return {
      inputMint: o.input.mint,
      outputMint: o.output.mint,
      inAmount: o.inAmount,
      outAmount: o.quotedOut,
      minOutAmount: o.minOut,
      slippageBps: o.slippageBps,
      priceImpactPct: o.priceImpactPct,
      route: o.route,
      fees: [],
      raw: o.quoteRaw,
    };
  }

  private async send(o: Order): Promise<void> {
    try {
      await this.chain().send(o.rawTx!);
    } catch (err) {
      this.d.log.warn({ err, order: o.id }, "send failed; the tracker retries the same bytes while the blockhash is valid");
      return;
    }
    await this.d.orders.transition(o.id, ["signed"], "sent");
  }

  /** Polls until the order is final or `budgetMs` passes (then it is "pending": the tracker finishes it). */
  private async waitFinal(o: Order, budgetMs: number, push = false): Promise<ConfirmResult> {
    const until = Date.now() + budgetMs;
    for (;;) {
      // Signed (maybe sent): an RPC outage now is "pending", never an error that invites a second order.
      const r = await this.step(o, push).catch((err: unknown) => {
        if (!(err instanceof RemoteError)) throw err;
        this.d.log.warn({ err, order: o.id }, "status check failed; the tracker keeps watching");
        return null;
      });
      if (r) return r;
      if (Date.now() >= until) return { kind: "pending", order: (await this.d.orders.get(o.id))! };
      await this.sleep(this.d.config.pollMs);
    }
  }

  /**
   * One reconciliation step for a signed/sent order: landed -> filled (actual amounts) or failed;
   * gone and blockhash expired -> expired; still valid -> the same bytes re-sent. Null while pending.
   */
  private async step(o: Order, push: boolean): Promise<ConfirmResult | null> {
    const chain = this.chain();
    const now = () => this.d.clock.now();
    const st = await chain.status(o.signature!, true);
    if (st.state === "landed") {
      if (!st.ok) {
        if (await this.d.orders.transition(o.id, ["signed", "sent"], "failed", { finalAt: now(), error: st.error ?? "transaction failed on-chain" })) {
          const f = (await this.d.orders.get(o.id))!;
          if (push) await this.emit("trade.failed", f);
          return { kind: "failed", order: f };
        }
        return { kind: "already", order: (await this.d.orders.get(o.id))! };
      }
      const ex = await chain.executed(o.signature!, o.wallet!);
      const spent = ex ? -(ex.deltas.get(o.input.mint) ?? 0n) : o.inAmount;
      const got = ex ? ex.deltas.get(o.output.mint) ?? 0n : o.quotedOut;
      const outAmount = got > 0n ? got : 0n;
      const r = await this.d.books.applyFill(
        {
          orderId: o.id,
          userId: o.userId,
          book: o.book,
          inMint: o.input.mint,
          inAmount: spent > 0n ? spent : o.inAmount,
          outMint: o.output.mint,
          outAmount,
          valueMicro: await this.receivedValue(o, outAmount),
          ...(ex ? { feeLamports: ex.feeLamports } : {}),
        },
        now(),
        { requireBalance: false, from: ["signed", "sent"] },
      );
      const f = (await this.d.orders.get(o.id))!;
      if (r !== "filled") return { kind: "already", order: f };
      if (push) await this.emit("trade.filled", f);
      return { kind: "filled", order: f };
    }
    if (st.state === "pending") return null;
    const height = await chain.blockHeight();
    if (o.lastValidBlockHeight !== null && height > o.lastValidBlockHeight) {
      // One more look with full history before declaring it expired.
      const again = await chain.status(o.signature!, true);
      if (again.state !== "unknown") return null;
      if (await this.d.orders.transition(o.id, ["signed", "sent"], "expired", { finalAt: now(), error: "not landed before its blockhash expired" })) {
        const f = (await this.d.orders.get(o.id))!;
        if (push) await this.emit("trade.expired", f);
        return { kind: "expired", order: f };
      }
      return { kind: "already", order: (await this.d.orders.get(o.id))! };
    }
    await this.send(o); // same signed bytes: safe to repeat
    return null;
  }

  /**
   * Start-up and background: finish every order a crash or restart left in flight, and tell its owner;
   * push the outcome of orders that ended but whose owner was never told (the process died between the
   * end and the Confirm reply reaching them).
   */
  async reconcile(): Promise<Order[]> {
    const done: Order[] = [];
    for (const o of await this.d.orders.byStatus(IN_FLIGHT_STATUSES)) {
      try {
        const r = await this.reconcileOne(o);
        if (r && r.kind !== "already") done.push(r.order);
      } catch (err) {
        this.d.log.error({ err, order: o.id }, "reconcile failed");
      }
    }
    for (const o of await this.d.orders.untold(TOLD_STATUSES, this.d.clock.now() - this.d.config.takeoverMs)) {
      const type = EVENT_OF[o.status];
      if (type) await this.emit(type, o);
    }
    return done;
  }

  private async reconcileOne(o: Order): Promise<ConfirmResult | null> {
    if (o.status === "confirmed") {
      if (o.mode === "paper") return this.fillPaper(o, true);
      // Never signed: nothing was sent, and it is never retried without a fresh confirmation. Young
      // ones may still be executing in another process: only stale ones are closed.
      if (this.d.clock.now() - (o.confirmedAt ?? 0) < this.d.config.takeoverMs) return null;
      if (await this.d.orders.transition(o.id, ["confirmed"], "failed", { finalAt: this.d.clock.now(), error: "interrupted before signing; nothing was sent" })) {
        const f = (await this.d.orders.get(o.id))!;
        await this.emit("trade.failed", f);
        return { kind: "failed", order: f };
      }
      return null;
    }
    if (!this.d.chain) return null;
    // Re-sent bytes usually land within seconds: wait briefly so the outcome is known (and told) now.
    const r = await this.waitFinal(o, RECONCILE_WAIT_MS, true);
    return r.kind === "pending" ? null : r;
  }

  /** Queues the outcome push (the outbox delivers it); once queued, the order counts as told. */
  private async emit(type: TradeEventType, order: Order) {
    try {
      await this.d.onEvent({ type, order });
      await this.markTold(order.id);
    } catch (err) {
      this.d.log.error({ err, order: order.id }, "could not push trade event");
    }
  }

  startTracker(everyMs = 2000): void {
    if (this.tracker) return;
    this.tracker = setInterval(() => {
      if (this.tracking) return;
      // A failed round (the database unreachable) is logged; the next tick tries again.
      this.tracking = this.trackOnce()
        .catch((err: unknown) => this.d.log.warn({ err }, "order tracking round failed: retrying on the next tick"))
        .finally(() => (this.tracking = undefined));
    }, everyMs);
    this.tracker.unref?.();
  }

  private async trackOnce(): Promise<void> {
    await this.reconcile();
  }

  async stop(): Promise<void> {
    if (this.tracker) clearInterval(this.tracker);
    this.tracker = undefined;
    await this.tracking;
  }
}
