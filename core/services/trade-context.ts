import type { Order } from "../domain/order.js";
import { RemoteError, UserError } from "../errors.js";
import type { Chain } from "../ports/trading.port.js";
import type { TradeEventType, TradingDeps } from "./trading-types.js";

/** The push each final status gets when its owner was not told by a reply. */
export const EVENT_OF: Partial<Record<Order["status"], TradeEventType>> = {
  filled: "trade.filled",
  failed: "trade.failed",
  expired: "trade.expired",
  refused: "trade.refused",
};
export const TOLD_STATUSES = Object.keys(EVENT_OF) as Order["status"][];
export const startOfUtcDay = (t: number) => t - (t % 86_400_000);
const CHAIN_UNREACHABLE = "The Solana network could not be reached; nothing was sent. Try again in a minute.";

/**
 * What every part of trading shares (preview, execution, fills, tracking): the dependencies, the order
 * store read back after each step, the Solana connection, and the outcome push.
 */
export class TradeContext {
  readonly sleep: (ms: number) => Promise<void>;

  constructor(readonly d: TradingDeps) {
    this.sleep = d.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  now(): number {
    return this.d.clock.now();
  }

  chain(): Chain {
    if (!this.d.chain) throw new Error("live trading needs a Solana connection");
    return this.d.chain;
  }

  /** The order as stored now (after a transition): it exists, since orders in use are never deleted. */
  async fresh(orderId: string): Promise<Order> {
    const o = await this.d.orders.get(orderId);
    if (!o) throw new Error(`order ${orderId} is gone`);
    return o;
  }

  /** The user's own order, or the user's "I can't find that order". */
  async owned(userId: string, orderId: string): Promise<Order> {
    const o = await this.d.orders.get(orderId);
    if (!o || o.userId !== userId) throw new UserError("order_unknown", "I can't find that order.");
    return o;
  }

  /** The user has been told this order's outcome (its Confirm reply was delivered, or its push queued). */
  async markTold(orderId: string): Promise<void> {
    await this.d.orders.markTold(orderId, this.now());
  }

  /**
   * Queues the outcome push (the outbox delivers it); once queued, the order counts as told. `push`
   * false: the caller's reply tells the owner, nothing is queued, but live listeners of the user's
   * events (the web stream) still hear the outcome.
   */
  async emit(type: TradeEventType, order: Order, push = true): Promise<void> {
    if (!push) {
      try {
        this.d.onTold?.({ type, order });
      } catch (err) {
        this.d.log.warn({ err, order: order.id }, "trade outcome listener failed");
      }
      return;
    }
    try {
      await this.d.onEvent({ type, order });
      await this.markTold(order.id);
    } catch (err) {
      this.d.log.error({ err, order: order.id }, "could not push trade event");
    }
  }

  /**
   * A Solana RPC call made before anything is signed: an RPC that cannot be reached is the user's
   * typed `chain_unreachable` answer (nothing was sent), not an unexpected error.
   */
  async beforeSigning<T>(call: () => Promise<T>): Promise<T> {
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
}
