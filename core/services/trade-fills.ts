import { unitsToUsd } from "../domain/money.js";
import { isWithdrawal, usdToMicro, type Order } from "../domain/order.js";
import type { TradeContext } from "./trade-context.js";
import type { ConfirmResult } from "./trading-types.js";

/**
 * Fills: the book moves (positions, cost basis, realised PnL) and the order becomes filled in one
 * atomic step, for paper orders at the quote and for live ones at what the chain says was swapped.
 */
export class TradeFills {
  constructor(private readonly ctx: TradeContext) {}

  /**
   * What a fill is worth for cost basis: the USD value of what was received (so the bought side starts
   * at its own value and the sold side realises value received minus its cost). Falls back to the
   * preview's notional when the output has no price right now.
   */
  private async receivedValue(o: Order, outAmount: bigint): Promise<bigint> {
    const token = { symbol: o.output.symbol, name: o.output.symbol, mint: o.output.mint, decimals: o.output.decimals, verified: true };
    const q = (await this.ctx.d.market.getPrices([token]).catch(() => new Map())).get(o.output.mint);
    return usdToMicro(q ? unitsToUsd(outAmount, o.output.decimals, q.usd) : o.usdValue);
  }

  /** A confirmed paper order filled at its quote, if the paper account still holds the input. */
  async fillPaper(o: Order, push: boolean): Promise<ConfirmResult> {
    // A paper withdrawal (WITHDRAWALS=on in paper mode) is simulated: the paper book is debited, no chain is touched.
    const withdrawal = isWithdrawal(o);
    const valueMicro = withdrawal ? usdToMicro(o.usdValue) : await this.receivedValue(o, o.quotedOut);
    const now = this.ctx.now();
    const r = await this.ctx.d.books.applyFill(
      {
        orderId: o.id,
        userId: o.userId,
        book: o.book,
        inMint: o.input.mint,
        inAmount: o.inAmount,
        outMint: o.output.mint,
        outAmount: o.quotedOut,
        valueMicro,
        ...(withdrawal ? { kind: "withdrawal" as const } : {}),
      },
      now,
      { requireBalance: true, from: ["confirmed"] },
    );
    if (r === "insufficient") {
      await this.ctx.d.orders.transition(o.id, ["confirmed"], "failed", { finalAt: now, error: `not enough ${o.input.symbol} in the paper account` });
    }
    const fresh = await this.ctx.fresh(o.id);
    if (r === "not_in_flight") return { kind: "already", order: fresh };
    const kind = r === "filled" ? "filled" : "failed";
    await this.ctx.emit(kind === "filled" ? "trade.filled" : "trade.failed", fresh, push);
    return { kind, order: fresh };
  }

  /** A live swap that landed successfully, filled with the amounts the chain shows it moved. */
  async fillLanded(o: Order, signature: string, push: boolean): Promise<ConfirmResult> {
    if (o.wallet === null) throw new Error(`live order ${o.id} has no wallet`);
    const ex = await this.ctx.chain().executed(signature, o.wallet);
    const spent = ex ? -(ex.deltas.get(o.input.mint) ?? 0n) : o.inAmount;
    const got = ex ? ex.deltas.get(o.output.mint) ?? 0n : o.quotedOut;
    // A withdrawal moves exactly its amount (the inspection saw to it): that much leaves the book, and was delivered.
    const withdrawal = isWithdrawal(o);
    const outAmount = withdrawal ? o.inAmount : got > 0n ? got : 0n;
    const r = await this.ctx.d.books.applyFill(
      {
        orderId: o.id,
        userId: o.userId,
        book: o.book,
        inMint: o.input.mint,
        inAmount: withdrawal ? o.inAmount : spent > 0n ? spent : o.inAmount,
        outMint: o.output.mint,
        outAmount,
        valueMicro: withdrawal ? usdToMicro(o.usdValue) : await this.receivedValue(o, outAmount),
        ...(ex ? { feeLamports: ex.feeLamports } : {}),
        ...(withdrawal ? { kind: "withdrawal" as const } : {}),
      },
      this.ctx.now(),
      { requireBalance: false, from: ["signed", "sent"] },
    );
    const f = await this.ctx.fresh(o.id);
    if (r !== "filled") return { kind: "already", order: f };
    await this.ctx.emit("trade.filled", f, push);
    return { kind: "filled", order: f };
  }
}
