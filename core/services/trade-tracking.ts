import { IN_FLIGHT_STATUSES, type Order } from "../domain/order.js";
import { RemoteError } from "../errors.js";
import { EVENT_OF, TOLD_STATUSES, type TradeContext } from "./trade-context.js";
import type { TradeFills } from "./trade-fills.js";
import type { ConfirmResult } from "./trading-types.js";
import { LeaderLoop } from "./leader-loop.js";

/** How long reconciliation waits for one re-sent order before leaving it to the next pass. */
const RECONCILE_WAIT_MS = 3000;

/**
 * Follows orders to their end: a signed swap is polled until it lands (filled or failed) or its
 * blockhash expires, the same signed bytes re-sent meanwhile; after a crash or restart every order left
 * in flight is finished and its owner told. In the background this runs on a LeaderLoop.
 */
export class OrderTracker {
  private loop: LeaderLoop | undefined;

  constructor(
    private readonly ctx: TradeContext,
    private readonly fills: TradeFills,
  ) {}

  /** Sends the stored signed bytes; a failed send is left to the next poll, which sends them again. */
  async send(o: Order): Promise<void> {
    try {
      await this.ctx.chain().send(signedOf(o).rawTx);
    } catch (err) {
      this.ctx.d.log.warn({ err, order: o.id }, "send failed; the tracker retries the same bytes while the blockhash is valid");
      return;
    }
    await this.ctx.d.orders.transition(o.id, ["signed"], "sent");
  }

  /** Polls until the order is final or `budgetMs` passes (then it is "pending": the tracker finishes it). */
  async waitFinal(o: Order, budgetMs: number, push = false): Promise<ConfirmResult> {
    const until = Date.now() + budgetMs;
    for (;;) {
      // Signed (maybe sent): an RPC outage now is "pending", never an error that invites a second order.
      const r = await this.step(o, push).catch((err: unknown) => {
        if (!(err instanceof RemoteError)) throw err;
        this.ctx.d.log.warn({ err, order: o.id }, "status check failed; the tracker keeps watching");
        return null;
      });
      if (r) return r;
      if (Date.now() >= until) return { kind: "pending", order: await this.ctx.fresh(o.id) };
      await this.ctx.sleep(this.ctx.d.config.pollMs);
    }
  }

  /**
   * One reconciliation step for a signed/sent order: landed -> filled (actual amounts) or failed;
   * gone and blockhash expired -> expired; still valid -> the same bytes re-sent. Null while pending.
   */
  private async step(o: Order, push: boolean): Promise<ConfirmResult | null> {
    const { signature } = signedOf(o);
    const st = await this.ctx.chain().status(signature, true);
    if (st.state === "landed") {
      if (st.ok) return this.fills.fillLanded(o, signature, push);
      return this.end(o, "failed", st.error ?? "transaction failed on-chain", push);
    }
    if (st.state === "pending") return null;
    const height = await this.ctx.chain().blockHeight();
    if (o.lastValidBlockHeight !== null && height > o.lastValidBlockHeight) {
      // One more look with full history before declaring it expired.
      const again = await this.ctx.chain().status(signature, true);
      if (again.state !== "unknown") return null;
      return this.end(o, "expired", "not landed before its blockhash expired", push);
    }
    await this.send(o); // same signed bytes: safe to repeat
    return null;
  }

  /** Ends a signed/sent order as failed or expired: "already" when another process ended it first. */
  private async end(o: Order, status: "failed" | "expired", error: string, push: boolean): Promise<ConfirmResult> {
    if (await this.ctx.d.orders.transition(o.id, ["signed", "sent"], status, { finalAt: this.ctx.now(), error })) {
      const f = await this.ctx.fresh(o.id);
      await this.ctx.emit(status === "failed" ? "trade.failed" : "trade.expired", f, push);
      return { kind: status, order: f };
    }
    return { kind: "already", order: await this.ctx.fresh(o.id) };
  }

  /**
   * Start-up and background: finish every order a crash or restart left in flight, and tell its owner;
   * push the outcome of orders that ended but whose owner was never told (the process died between the
   * end and the Confirm reply reaching them).
   */
  async reconcile(): Promise<Order[]> {
    const done: Order[] = [];
    for (const o of await this.ctx.d.orders.byStatus(IN_FLIGHT_STATUSES)) {
      try {
        const r = await this.reconcileOne(o);
        if (r && r.kind !== "already") done.push(r.order);
      } catch (err) {
        this.ctx.d.log.error({ err, order: o.id }, "reconcile failed");
      }
    }
    for (const o of await this.ctx.d.orders.untold(TOLD_STATUSES, this.ctx.now() - this.ctx.d.config.takeoverMs)) {
      const type = EVENT_OF[o.status];
      if (type) await this.ctx.emit(type, o);
    }
    return done;
  }

  private async reconcileOne(o: Order): Promise<ConfirmResult | null> {
    const d = this.ctx.d;
    if (o.status === "confirmed") {
      if (o.mode === "paper") return this.fills.fillPaper(o, true);
      // Never signed: nothing was sent, and it is never retried without a fresh confirmation. Young
      // ones may still be executing in another process: only stale ones are closed.
      if (this.ctx.now() - (o.confirmedAt ?? 0) < d.config.takeoverMs) return null;
      if (await d.orders.transition(o.id, ["confirmed"], "failed", { finalAt: this.ctx.now(), error: "interrupted before signing; nothing was sent" })) {
        const f = await this.ctx.fresh(o.id);
        await this.ctx.emit("trade.failed", f);
        return { kind: "failed", order: f };
      }
      return null;
    }
    if (!d.chain) return null;
    // Re-sent bytes usually land within seconds: wait briefly so the outcome is known (and told) now.
    const r = await this.waitFinal(o, RECONCILE_WAIT_MS, true);
    return r.kind === "pending" ? null : r;
  }

  /** Reconciles in the background every `everyMs` (the first pass one wait after start), one pass at a time. */
  start(everyMs: number): void {
    if (this.loop) return;
    this.loop = new LeaderLoop({
      name: "order tracker",
      everyMs,
      immediate: false,
      log: this.ctx.d.log,
      // A failed round (the database unreachable) is logged; the next one tries again.
      run: async () => {
        await this.reconcile();
      },
    });
    this.loop.start();
  }

  /** Stops the background passes and waits for the one in flight. */
  async stop(): Promise<void> {
    const loop = this.loop;
    this.loop = undefined;
    await loop?.stop();
  }
}

/** A signed order's signature and bytes (stored together before it is ever sent). */
function signedOf(o: Order): { signature: string; rawTx: string } {
  if (o.signature === null || o.rawTx === null) throw new Error(`order ${o.id} (${o.status}) has no signed transaction`);
  return { signature: o.signature, rawTx: o.rawTx };
}
