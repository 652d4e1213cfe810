import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { autoOrders, firings } from "../helpers/automation-facts.js";
import { AutomationWorkers, EVENT_MS, LockHolder, lockWaiters, type Worker } from "../helpers/automation-workers.js";
import { sharedDatabases, until, type SharedDb } from "../helpers/outbox-faults.js";

/*
 * Issue 17, exactly one order per firing with real worker processes on Postgres (and Redis, the
 * price stream every process hears): paper trading on live prices from a fake Pyth, quotes from the
 * fake Jupiter swap API, both in this test process.
 *
 * 1. Two workers, both hearing every tick, race for hundreds of firings that one tick starts: each
 *    firing is claimed by one (its row is inserted once) and places one order.
 * 2. One worker SIGKILLed between trigger and fill, at three points, then started again on the same
 *    database: after the claim (the quote request held at Jupiter), after the preview (the order
 *    confirmed, its fill held by a row lock this test holds on the user's paper book), and after the
 *    fill before the firing is settled (the settle held by a lock on the firing's row). Each point is
 *    reached as an observed fact (the request arrived; Postgres shows the worker waiting on our lock),
 *    never after a pause. After the restart the firing ends with exactly one filled order and the
 *    balance moved once.
 */

const pgUrl = process.env.TEST_DATABASE_URL;
const redisUrl = process.env.TEST_REDIS_URL;
const skip = !pgUrl || !redisUrl ? "needs TEST_DATABASE_URL and TEST_REDIS_URL (CI sets both)" : false;
const USDC_10 = 10_000_000n;

describe.skipIf(skip)(`automations with real worker processes on Postgres${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let w: SharedDb;
  let k: AutomationWorkers;
  const summary: string[] = [];

  beforeAll(async () => {
    w = await sharedDatabases[1]!.open();
    k = await AutomationWorkers.open(w, redisUrl!);
  }, EVENT_MS);

  afterAll(async () => {
    console.info(summary.join("\n"));
    await k?.close();
    await w?.close();
  }, EVENT_MS);

  /** Orders and firings have all settled: no firing still running. */
  const settled = async (ids: readonly string[]) => {
    const f = (await firings(w.db)).filter((x) => ids.includes(x.automation_id));
    return f.length >= ids.length && f.every((x) => x.status !== "running") ? f : undefined;
  };
  const usdcHeld = async (userId: string) => {
    const p = (await w.repos.books.positions(userId, "paper")).find((x) => x.mint === "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v");
    return p?.amount ?? 0n;
  };

  it("two workers hearing the same tick place exactly one order per firing (200 firings at once)", async () => {
    k.setSol(150);
    const s = await k.seed(20, 10, 140, 810_000);
    const ids = s.automations.map((a) => a.id);
    const [a, b] = await Promise.all([k.start(), k.start()]);
    const t0 = Date.now();
    k.setSol(135); // the leader's poller publishes it; both engines hear it on Redis
    const f = await until(() => settled(ids), EVENT_MS, "200 firings settled");
    const ms = Date.now() - t0;
    const orders = (await autoOrders(w.db)).filter((o) => ids.includes(o.automationId));
    const per = new Map<string, number>();
    for (const o of orders) per.set(o.automationId, (per.get(o.automationId) ?? 0) + 1);
    summary.push(`[automation workers] 2 workers, 200 firings settled ${ms} ms after the price moved: ${orders.length} orders (${orders.filter((o) => o.status === "filled").length} filled), max per automation ${Math.max(...per.values())}, firings ${JSON.stringify(countBy(f.map((x) => x.status)))}`);
    expect(f.map((x) => [x.n, x.status])).toEqual(ids.map(() => [1, "filled"]));
    expect(orders).toHaveLength(200);
    expect(ids.every((id) => per.get(id) === 1)).toBe(true);
    expect(orders.every((o) => o.status === "filled")).toBe(true);
    for (const u of s.users) expect(await usdcHeld(u.userId)).toBe(1000_000_000n - 10n * USDC_10);
    await Promise.all([a.stop(), b.stop()]);
  }, EVENT_MS * 3);

  interface Point {
    name: string;
    /** Installs the gate; resolves once the worker is held at the point and has been SIGKILLed. */
    arm(p: () => Worker, userId: string, automationId: string): Promise<() => Promise<void>>;
  }

  const points: Point[] = [
    {
      name: "after the claim, before the preview (its quote request held at Jupiter)",
      arm: async (p) => {
        const fired = new Promise<void>((done) =>
          k.swap.jup.setGate(async (route) => {
            if (route !== "quote") return;
            await p().kill();
            done();
            return "drop";
          }),
        );
        return async () => {
          await k.trigger(fired, "the quote request");
          k.swap.jup.setGate(null);
        };
      },
    },
    {
      name: "after the preview, before the fill (the paper book's row locked)",
      arm: async (p, userId, id) => {
        const book = await LockHolder.open(w.url);
        expect(await book.hold("SELECT * FROM books WHERE user_id = $1 AND book = 'paper' FOR UPDATE", [userId])).toBe(1);
        return async () => {
          await until(async () => ((await lockWaiters(w)).some((q) => /books/.test(q)) && (await autoOrders(w.db, id)).length ? true : undefined), EVENT_MS, "the fill waiting on the book");
          await p().kill();
          await book.release();
          await book.close();
        };
      },
    },
    {
      name: "after the fill, before the firing is settled (the firing's row locked)",
      arm: async (p, userId, id) => {
        const book = await LockHolder.open(w.url);
        const firing = await LockHolder.open(w.url);
        expect(await book.hold("SELECT * FROM books WHERE user_id = $1 AND book = 'paper' FOR UPDATE", [userId])).toBe(1);
        return async () => {
          await until(async () => ((await lockWaiters(w)).some((q) => /books/.test(q)) ? true : undefined), EVENT_MS, "the fill waiting on the book");
          expect(await firing.hold("SELECT * FROM automation_firings WHERE automation_id = $1 FOR UPDATE", [id])).toBe(1);
          await book.release(); // the fill goes through ...
          await until(
            async () => ((await autoOrders(w.db, id)).some((o) => o.status === "filled") && (await lockWaiters(w)).some((q) => /automation_firings/.test(q)) ? true : undefined),
            EVENT_MS,
            "the order filled and the settle waiting on the firing",
          ); // ... and the settle waits
          await p().kill();
          await firing.release();
          await Promise.all([book.close(), firing.close()]);
        };
      },
    },
  ];

  for (const [i, point] of points.entries()) {
    it(`SIGKILL ${point.name}: exactly one order after the restart`, async () => {
      k.setSol(150);
      const s = await k.seed(1, 1, 140, 820_000 + i);
      const { userId } = s.users[0]!;
      const id = s.automations[0]!.id;
      let proc = await k.start();
      const held = await point.arm(() => proc, userId, id);
      k.setSol(135);
      await held();
      expect(proc.gone()).toBe(true);
      const before = { orders: await autoOrders(w.db, id), firings: await firings(w.db, id) };
      proc = await k.start(); // same database: the firing's lease runs out and it is taken over
      const f = await until(() => settled([id]), EVENT_MS, `${point.name}: the firing settled after the restart`);
      const orders = await autoOrders(w.db, id);
      summary.push(
        `[automation kills] ${point.name}: at the kill ${before.firings.map((x) => `firing ${x.n} ${x.status} attempt ${x.attempts}`).join(", ") || "no firing"}, ` +
          `orders ${before.orders.map((o) => o.status).join(",") || "none"}; after the restart firing ${f.map((x) => `${x.status} (attempts ${x.attempts})`).join(", ")}, ` +
          `orders ${orders.map((o) => `${o.id} ${o.status}`).join(", ")}`,
      );
      expect(before.firings.map((x) => [x.n, x.status])).toEqual([[1, "running"]]); // it was killed mid-firing
      expect(f.map((x) => [x.n, x.status])).toEqual([[1, "filled"]]);
      expect(orders.filter((o) => o.status === "filled")).toHaveLength(1);
      expect(await usdcHeld(userId)).toBe(1000_000_000n - USDC_10); // the balance moved once
      expect((await w.repos.automations.get(id))?.state).toBe("done");
      await proc.stop();
    }, EVENT_MS * 3);
  }
});

function countBy(xs: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
}
