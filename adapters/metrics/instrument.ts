import type { OrderStatus } from "../../core/domain/order.js";
import { FINAL_STATUSES } from "../../core/domain/order.js";
import type { Logger } from "../../core/ports/logger.port.js";
import type { BookStore, OrderStore } from "../../core/ports/orders.port.js";
import type { Metrics } from "./metrics.js";

/**
 * Swap metrics without touching the trading service: the order store and the book store are
 * wrapped so that every compare-and-set into a final status (the one caller that wins it) and
 * every applied fill is counted once, with quoted-vs-executed slippage for fills. Other methods
 * pass through untouched; a metrics failure never fails the trade.
 */
export function instrumentOrders<O extends OrderStore, B extends BookStore>(
  stores: { orders: O; books: B },
  metrics: Metrics,
  log?: Logger,
): { orders: O; books: B } {
  const { orders, books } = stores;
  const final = new Set<OrderStatus>(FINAL_STATUSES);
  const record = (id: string, f: (o: NonNullable<Awaited<ReturnType<OrderStore["get"]>>>) => void) =>
    void orders
      .get(id)
      .then((o) => o && f(o))
      .catch((err: unknown) => log?.warn({ err, order: id }, "swap metrics skipped"));

  const transition: OrderStore["transition"] = async (id, from, to, patch) => {
    const won = await orders.transition(id, from, to, patch);
    if (won && final.has(to)) record(id, (o) => metrics.orderFinished({ ...o, status: to }));
    return won;
  };
  const applyFill: BookStore["applyFill"] = async (fill, now, opts) => {
    const r = await books.applyFill(fill, now, opts);
    if (r === "filled") record(fill.orderId, (o) => metrics.swap(o.mode, "filled", { quotedOut: o.quotedOut, executedOut: fill.outAmount }));
    return r;
  };
  return { orders: override(orders, { transition }), books: override(books, { applyFill }) };
}

/** The same object with some methods replaced (class instances keep their other methods and fields). */
function override<T extends object>(target: T, methods: Record<string, unknown>): T {
  return new Proxy(target, {
    get(t, p) {
      if (typeof p === "string" && Object.prototype.hasOwnProperty.call(methods, p)) return methods[p];
      const v: unknown = Reflect.get(t, p);
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
  });
}
