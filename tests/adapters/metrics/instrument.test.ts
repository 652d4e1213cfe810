import { describe, expect, it } from "vitest";
import { instrumentOrders } from "../../../adapters/metrics/instrument.js";
import { Metrics } from "../../../adapters/metrics/metrics.js";
import type { Order, OrderStatus } from "../../../core/domain/order.js";
import type { BookStore, Fill, OrderStore } from "../../../core/ports/orders.port.js";

class FakeOrders implements OrderStore {
  readonly rows = new Map<string, Order>();
  extra = "kept";
  async create(o: Order) {
    this.rows.set(o.id, o);
  }
  async get(id: string) {
    return this.rows.get(id);
  }
  async markTold() {}
  async untold() {
    return [];
  }
  async transition(id: string, from: readonly OrderStatus[], to: OrderStatus, patch = {}) {
    const o = this.rows.get(id);
    if (!o || !from.includes(o.status)) return false;
    this.rows.set(id, { ...o, ...patch, status: to });
    return true;
  }
  async byUser() {
    return [];
  }
  async byStatus() {
    return [];
  }
  async usdSince() {
    return 0;
  }
  async confirmWithinCap(id: string, now: number) {
    return (await this.transition(id, ["previewed"], "confirmed", { confirmedAt: now })) ? ("confirmed" as const) : ("not_previewed" as const);
  }
}

function fakeBooks(orders: FakeOrders): BookStore {
  return {
    ensure: async () => false,
    positions: async () => [],
    realizedMicro: async () => 0n,
    snapshot: async () => {},
    snapshots: async () => [],
    owners: async () => [],
    async applyFill(fill: Fill, _now, opts) {
      const ok = await orders.transition(fill.orderId, opts.from, "filled", { filledOut: fill.outAmount, filledIn: fill.inAmount });
      return ok ? "filled" : "not_in_flight";
    },
  };
}

const order = (id: string, mode: "paper" | "live", status: OrderStatus = "confirmed") =>
  ({ id, mode, status, quotedOut: 2_000_000n, filledOut: null }) as unknown as Order;

const fill = (orderId: string, outAmount: bigint): Fill => ({
  orderId,
  userId: "u",
  book: "paper",
  inMint: "A",
  inAmount: 1n,
  outMint: "B",
  outAmount,
  valueMicro: 1n,
});

const flush = () => new Promise((r) => setTimeout(r, 5));

async function line(m: Metrics, prefix: string): Promise<string | undefined> {
  return (await m.render()).split("\n").find((l) => l.startsWith(prefix));
}

describe("swap metrics from the order and book stores", () => {
  it("counts each final status once, for the caller that won it, with fill slippage", async () => {
    const m = new Metrics({ defaultMetrics: false });
    const raw = new FakeOrders();
    const { orders, books } = instrumentOrders({ orders: raw, books: fakeBooks(raw) }, m);
    await raw.create(order("o1", "live"));
    await raw.create(order("o2", "live", "sent"));
    await raw.create(order("o3", "paper", "previewed"));

    expect(await books.applyFill(fill("o1", 1_990_000n), 1, { requireBalance: false, from: ["confirmed"] })).toBe("filled");
    expect(await books.applyFill(fill("o1", 1_990_000n), 1, { requireBalance: false, from: ["confirmed"] })).toBe("not_in_flight");
    expect(await orders.transition("o2", ["signed", "sent"], "expired", { finalAt: 5 })).toBe(true);
    expect(await orders.transition("o2", ["signed", "sent"], "expired", { finalAt: 6 })).toBe(false);
    expect(await orders.transition("o3", ["previewed"], "confirmed")).toBe(true); // not final: not counted
    await flush();

    expect(await line(m, 'purser_swaps_total{mode="live",outcome="filled"}')).toMatch(/ 1$/);
    expect(await line(m, 'purser_swaps_total{mode="live",outcome="expired"}')).toMatch(/ 1$/);
    expect(await line(m, 'purser_swaps_total{mode="paper"')).toBeUndefined();
    expect(await line(m, "purser_swap_slippage_bps_sum")).toBe("purser_swap_slippage_bps_sum 50");
    expect(await line(m, "purser_swap_slippage_bps_count")).toBe("purser_swap_slippage_bps_count 1");
  });

  it("leaves the wrapped stores' other members alone", async () => {
    const raw = new FakeOrders();
    const { orders } = instrumentOrders({ orders: raw, books: fakeBooks(raw) }, new Metrics({ defaultMetrics: false }));
    await orders.create(order("x", "paper"));
    expect((await orders.get("x"))?.id).toBe("x");
    expect(orders.extra).toBe("kept");
  });
});
