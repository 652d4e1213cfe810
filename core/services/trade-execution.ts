import { DEFAULT_USER_SETTINGS } from "../domain/user-settings.js";
import { isWithdrawal, type Order } from "../domain/order.js";
import type { PriorityFeeLevel } from "../domain/user-settings.js";
import { ackNeededText, needsRiskAck } from "../domain/trade-risk.js";
import { UserError, WalletKeyError, isUserError } from "../errors.js";
import type { KeyVault, SwapQuote, TxCheck } from "../ports/trading.port.js";
import { startOfUtcDay, type TradeContext } from "./trade-context.js";
import type { TradeFills } from "./trade-fills.js";
import type { OrderTracker } from "./trade-tracking.js";
import type { ConfirmResult } from "./trading-types.js";

const WALLET_KEY_UNREADABLE = "Your wallet key could not be decrypted, so nothing was signed or sent. An admin should check MASTER_KEY.";

/** What signing a live order needs: its custodial wallet's address and encrypted key, and the vault. */
interface Signer {
  address: string;
  encryptedSecret: string;
  vault: KeyVault;
}

/**
 * Confirm: the order is claimed exactly once (an atomic status change that also judges the daily cap),
 * then executed: a paper fill, or a live swap built, inspected, signed and stored BEFORE it is sent.
 */
export class TradeExecutor {
  constructor(
    private readonly ctx: TradeContext,
    private readonly fills: TradeFills,
    private readonly tracker: OrderTracker,
  ) {}

  async claimAndExecute(userId: string, orderId: string, dailyCapUsd: number | undefined, acknowledgeRisk = false, withdrawal = false): Promise<ConfirmResult> {
    const d = this.ctx.d;
    const o = await this.ctx.owned(userId, orderId);
    // A withdrawal is confirmed only by the withdrawal service (after its 2FA code), never as a trade.
    if (isWithdrawal(o) !== withdrawal) throw new UserError("order_unknown", "I can't find that order.");
    if (o.status !== "previewed") return { kind: "already", order: o };
    const now = this.ctx.now();
    if (now >= o.quoteExpiresAt) {
      await d.orders.transition(o.id, ["previewed"], "expired", { finalAt: now, error: "quote expired before confirmation" });
      return { kind: "expired", order: await this.ctx.owned(userId, orderId) };
    }
    // TOKEN_SAFETY=warn: a risky token received needs the explicit "I understand the risks"; the order stays previewed.
    if (needsRiskAck(o) && !acknowledgeRisk) throw new UserError("token_unsafe", ackNeededText(o.risk!), { orderId: o.id, mint: o.risk!.mint });
    const cap = dailyCapUsd ?? d.config.dailyCapUsd;
    // The cap is judged and the order claimed in one atomic step: presses at once cannot both fit.
    // Withdrawals are judged against their own cap (the caller passes it), trades against theirs.
    const claim = await d.orders.confirmWithinCap(o.id, now, { since: startOfUtcDay(now), usd: cap });
    if (claim === "over_cap") {
      await d.orders.transition(o.id, ["previewed"], "cancelled", { finalAt: now, error: "daily limit reached" });
      if (isWithdrawal(o)) throw new UserError("withdraw_daily_cap", `Confirming would take you past today's withdrawal limit of $${cap}. Nothing was sent.`);
      throw new UserError("daily_cap", `Confirming would take you past today's limit of $${cap}.`);
    }
    if (claim !== "confirmed") return { kind: "already", order: await this.ctx.owned(userId, orderId) };
    const claimed = { ...o, status: "confirmed" as const, confirmedAt: now };
    await d.audit.record({ at: now, userId, action: `${auditPrefix(o)}.confirmed`, detail: { order: o.id, mode: o.mode } });
    if (needsRiskAck(o)) {
      const r = o.risk!;
      await d.audit.record({ at: now, userId, action: "trade.risk_acknowledged", detail: { order: o.id, mint: r.mint, flags: r.flags.map((f) => f.code), unchecked: r.unchecked } });
    }
    return o.mode === "paper" ? this.fills.fillPaper(claimed, false) : this.executeLive(claimed);
  }

  private async executeLive(o: Order): Promise<ConfirmResult> {
    const d = this.ctx.d;
    const wallet = await this.signerOf(o);
    if (!wallet) return this.closeConfirmed(o, "failed", "wallet unavailable");
    const leg = isWithdrawal(o) ? this.withdrawLeg(o, wallet.address) : this.swapLeg(o, wallet.address);
    let built: { txBase64: string; lastValidBlockHeight: number };
    try {
      // The owner's priority-fee level (clamped to the operator's cap); their settings unreadable: the default.
      const priorityFee = d.settings ? (await d.settings.get(o.userId).catch(() => DEFAULT_USER_SETTINGS)).priorityFee : undefined;
      built = await leg.build(priorityFee);
    } catch (err) {
      d.log.warn({ err, order: o.id }, `${leg.what} build failed`);
      return this.closeConfirmed(o, "failed", leg.buildFailed);
    }
    let check: TxCheck;
    try {
      check = await this.ctx.beforeSigning(() => leg.inspect(built.txBase64));
    } catch (err) {
      return this.failUnsent(o, err);
    }
    if (!check.ok) {
      const r = await this.closeConfirmed(o, "refused", check.reason);
      await d.audit.record({ at: this.ctx.now(), userId: o.userId, action: `${auditPrefix(o)}.refused`, detail: { order: o.id, reason: check.reason } });
      d.log.warn({ order: o.id, reason: check.reason }, `${leg.what} transaction refused`);
      return r;
    }
    const signed = await this.sign(o, wallet, built.txBase64);
    // Stored BEFORE sending: a crash from here on is reconciled from these bytes, never re-signed.
    // Lost to a takeover (reconciliation closed it as interrupted): these bytes are never sent.
    const won = await d.orders.transition(o.id, ["confirmed"], "signed", {
      signature: signed.signature,
      rawTx: signed.signedTxBase64,
      lastValidBlockHeight: built.lastValidBlockHeight,
    });
    if (!won) {
      d.log.warn({ order: o.id }, "order taken over while signing; the signed transaction is discarded unsent");
      return { kind: "already", order: await this.ctx.fresh(o.id) };
    }
    const stored = await this.ctx.fresh(o.id);
    await this.tracker.send(stored);
    return this.tracker.waitFinal(stored, d.config.confirmWaitMs);
  }

  /** A swap: built by the swap provider (Jupiter), judged by the swap rules. */
  private swapLeg(o: Order, owner: string): Leg {
    const d = this.ctx.d;
    return {
      what: "swap",
      buildFailed: "Jupiter could not build the swap",
      build: (priorityFee) => d.swap.buildSwap(quoteOf(o), owner, priorityFee ? { priorityFee } : {}),
      inspect: (tx) => this.ctx.chain().inspect(tx, { owner, inputMint: o.input.mint, outputMint: o.output.mint, inAmount: o.inAmount, minOutAmount: o.minOut }),
    };
  }

  /** A withdrawal (issue 19): Purser builds the transfer itself and judges it by the withdrawal rules. */
  private withdrawLeg(o: Order, owner: string): Leg {
    const tx = this.ctx.d.withdrawTx;
    const to = o.withdrawal?.to;
    const transfer = { owner, to: to ?? "", mint: o.input.mint, decimals: o.input.decimals, amount: o.inAmount };
    const missing = async (): Promise<never> => {
      throw new Error(tx ? `withdrawal ${o.id} has no destination` : "live withdrawals need the Solana withdrawal builder");
    };
    return {
      what: "withdrawal",
      buildFailed: "the withdrawal transaction could not be built; nothing was sent",
      build: (priorityFee) => (tx && to ? tx.build(transfer, priorityFee) : missing()),
      inspect: (built) => (tx && to ? tx.inspect(built, transfer) : missing()),
    };
  }

  /** The order's custodial wallet with its key, if it is still there and a vault can sign with it. */
  private async signerOf(o: Order): Promise<Signer | undefined> {
    const wallet = (await this.ctx.d.wallets.list(o.userId)).find((w) => w.address === o.wallet && w.kind === "custodial");
    const vault = this.ctx.d.vault;
    if (!wallet?.encryptedSecret || !vault) return undefined;
    return { address: wallet.address, encryptedSecret: wallet.encryptedSecret, vault };
  }

  /** Signs the inspected transaction; a key that cannot be decrypted is audited and told as such. */
  private async sign(o: Order, wallet: Signer, txBase64: string): Promise<{ signedTxBase64: string; signature: string }> {
    const d = this.ctx.d;
    try {
      return await wallet.vault.sign(wallet.encryptedSecret, txBase64);
    } catch (err) {
      if (err instanceof WalletKeyError) {
        await d.audit.record({ at: this.ctx.now(), userId: o.userId, action: "wallet.key_unreadable", detail: { order: o.id, wallet: wallet.address } });
        d.log.error({ order: o.id, wallet: wallet.address }, "wallet key could not be decrypted: check MASTER_KEY");
        return this.failUnsent(o, new UserError("wallet_key_unreadable", WALLET_KEY_UNREADABLE));
      }
      return this.failUnsent(o, err);
    }
  }

  /** Closes a claimed order that never got as far as signing (failed or refused) and returns it. */
  private async closeConfirmed(o: Order, status: "failed" | "refused", error: string): Promise<ConfirmResult> {
    await this.ctx.d.orders.transition(o.id, ["confirmed"], status, { finalAt: this.ctx.now(), error });
    return { kind: status, order: await this.ctx.fresh(o.id) };
  }

  /**
   * A claimed (confirmed) order that failed before anything was signed is closed as failed at once,
   * never left confirmed-unsent until reconciliation; the failure then reaches the user.
   */
  private async failUnsent(o: Order, err: unknown): Promise<never> {
    const why = isUserError(err) ? err.message : "failed before signing; nothing was sent";
    await this.ctx.d.orders.transition(o.id, ["confirmed"], "failed", { finalAt: this.ctx.now(), error: why });
    throw err;
  }
}

/** How one kind of order becomes a transaction: built, then inspected before anything is signed. */
interface Leg {
  what: string;
  /** The order's error when building fails (nothing was signed or sent). */
  buildFailed: string;
  build(priorityFee: PriorityFeeLevel | undefined): Promise<{ txBase64: string; lastValidBlockHeight: number }>;
  inspect(txBase64: string): Promise<TxCheck>;
}

/** Audit actions: "trade.confirmed", "withdraw.refused", ... */
const auditPrefix = (o: Order) => (isWithdrawal(o) ? "withdraw" : "trade");

/** The stored quote as the provider gave it: what building the swap needs. */
function quoteOf(o: Order): SwapQuote {
  return {
    inputMint: o.input.mint,
    outputMint: o.output.mint,
    inAmount: o.inAmount,
    outAmount: o.quotedOut,
    minOutAmount: o.minOut,
    slippageBps: o.slippageBps,
    priceImpactPct: o.priceImpactPct,
    route: o.route,
    fees: o.routeFees,
    ...(o.simulated ? { simulated: true } : {}),
    raw: o.quoteRaw,
  };
}
