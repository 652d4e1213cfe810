import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { MICRO } from "../../core/domain/order.js";
import type { Db } from "../../db/index.js";
import { startSwapWorld, type SwapWorld } from "../fakes/solana/swap-harness.js";
import { FakeClock } from "../helpers/clock.js";
import { sharedTestDatabases } from "../helpers/databases.js";
import { MINTS, tradingWorld, type TradingWorld } from "../helpers/trading-world.js";
import { confirmWithCode, newAddress, preview, type WithdrawWorld } from "../helpers/withdraw-world.js";
import { FakeAddressBook, FakeTwoFactor, GOOD_CODE } from "../helpers/withdrawals.js";
import { withdrawCodeHandler, withdrawSendActions } from "../../commands/withdraw.send.js";

/*
 * Issue 19 in paper mode (WITHDRAWALS=on simulates: the paper book is debited, no chain is touched), and
 * the daily withdrawal cap under simultaneous Confirms from two processes on one database (SQLite, and
 * Postgres when TEST_DATABASE_URL is set).
 */

let world: SwapWorld;
beforeAll(async () => {
  world = await startSwapWorld();
});
afterAll(() => world.close());
const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** A paper-mode Purser with the given book and 2FA fakes (shared between "processes" of one test). */
async function paper(clock: FakeClock, book: FakeAddressBook, twoFactor: FakeTwoFactor, env: Record<string, string> = {}, db?: Db): Promise<WithdrawWorld> {
  const w: TradingWorld = await tradingWorld({ world, clock, env: { WITHDRAWALS: "on", ...env }, withdrawals: { book, twoFactor }, ...(db ? { db } : {}) });
  cleanup.push(() => w.close());
  return { w, book, twoFactor, close: () => w.close() };
}

async function userOf(x: WithdrawWorld, id: string): Promise<string> {
  await x.w.app.say("/balance", { id });
  return (await x.w.app.repos.users.findByIdentity("telegram", id))!.user.id;
}

describe("withdrawals in paper mode", () => {
  it("are off unless the operator turns them on", async () => {
    const clock = new FakeClock(Date.now());
    const book = new FakeAddressBook(() => clock.now());
    const x = await paper(clock, book, new FakeTwoFactor(() => clock.now()), { WITHDRAWALS: "off" });
    const userId = await userOf(x, "7");
    book.put(userId, "cold", newAddress().toBase58());
    await expect(preview(x, userId, { amount: "10", token: "USDC", label: "cold" })).rejects.toThrow(/Withdrawals are off on this bot/);
  });

  it("are simulated: the paper book is debited without any PnL, no chain is touched, /trades shows it", async () => {
    const clock = new FakeClock(Date.now());
    const book = new FakeAddressBook(() => clock.now());
    const x = await paper(clock, book, new FakeTwoFactor(() => clock.now()));
    const userId = await userOf(x, "7");
    book.put(userId, "cold", newAddress().toBase58());
    const rpcCalls = world.sol.callsTo("getBalance").length + world.sol.callsTo("sendTransaction").length;
    const p = await preview(x, userId, { amount: "100", token: "USDC", label: "cold" });
    expect(p.text).toMatch(/Costs\s+none \(paper: simulated, nothing is sent\)/);
    expect(p.text).toMatch(/Mode\s+paper \(simulated\)/);
    const r = await confirmWithCode(x, p.ctx, p.orderId);
    expect(r.text).toMatch(/^Withdrawn \(paper, simulated\): 100 USDC to cold/);
    const positions = await x.w.app.repos.books.positions(userId, "paper");
    expect(positions.find((q) => q.mint === MINTS.USDC)).toMatchObject({ amount: 900_000_000n, costMicro: BigInt(900 * MICRO) });
    expect(await x.w.app.repos.books.realizedMicro(userId, "paper")).toBe(0n);
    expect(world.sol.callsTo("getBalance").length + world.sol.callsTo("sendTransaction").length).toBe(rpcCalls);
    expect((await x.w.app.say("/trades", { id: "7" })).text).toMatch(/withdraw 100 USDC to cold \(paper, filled, ~\$100\.00\)/);
    // more than the paper account holds: refused at the preview
    await expect(preview(x, userId, { amount: "901", token: "USDC", label: "cold" })).rejects.toThrow(/You have 900 USDC in your paper account/);
    // "all" is the whole position
    const all = await preview(x, userId, { amount: "all", token: "USDC", label: "cold" });
    expect(all.text).toMatch(/Amount\s+900 USDC/);
  });
});

describe.each(sharedTestDatabases())("the daily withdrawal cap ($name)", ({ skip, make }) => {
  it.skipIf(skip)("holds under simultaneous Confirms from two processes, and is separate from the trade cap", async () => {
    const t = make();
    cleanup.push(() => t.cleanup());
    const clock = new FakeClock(Date.now());
    const book = new FakeAddressBook(() => clock.now());
    const twoFactor = new FakeTwoFactor(() => clock.now());
    const env = { WITHDRAW_DAILY_CAP_USD: "500" };
    const a = await paper(clock, book, twoFactor, env, await t.open());
    const b = await paper(clock, book, twoFactor, env, await t.open());
    for (let round = 0; round < 4; round++) {
      const id = `cap${round}`;
      const userId = await userOf(a, id);
      book.put(userId, "cold", newAddress().toBase58());
      const p1 = await preview(a, userId, { amount: "300", token: "USDC", label: "cold" });
      const p2 = await preview(b, userId, { amount: "300", token: "USDC", label: "cold" });
      // Both Confirms asked for their code (one pending step per user: taken in turn), then both codes arrive at once.
      for (const [x, p] of [[a, p1], [b, p2]] as const) {
        await withdrawSendActions.withdrawConfirm.run(p.ctx, { orderId: p.orderId });
        expect(await x.twoFactor.takeExpected(userId)).toEqual({ kind: "withdraw", ref: p.orderId });
      }
      const results = await Promise.allSettled([withdrawCodeHandler(p1.ctx, p1.orderId, GOOD_CODE), withdrawCodeHandler(p2.ctx, p2.orderId, GOOD_CODE)]);
      const done = results.filter((r) => r.status === "fulfilled");
      const refused = results.filter((r) => r.status === "rejected");
      expect(done, `round ${round}`).toHaveLength(1);
      expect(refused).toHaveLength(1);
      expect(String((refused[0] as PromiseRejectedResult).reason)).toMatch(/today's withdrawal limit of \$500\. Nothing was sent\./);
      const statuses = [(await a.w.app.repos.orders.get(p1.orderId))!.status, (await a.w.app.repos.orders.get(p2.orderId))!.status].sort();
      expect(statuses).toEqual(["cancelled", "filled"]);
      const usdc = (await a.w.app.repos.books.positions(userId, "paper")).find((q) => q.mint === MINTS.USDC)!.amount;
      expect(usdc).toBe(700_000_000n);
      // A later withdrawal is judged against what is left of the cap at the preview already.
      await expect(preview(a, userId, { amount: "250", token: "USDC", label: "cold" })).rejects.toThrow(/withdrawal limit of \$500 \(used: \$300\.00/);
      // Trades are not counted against it, nor it against trades.
      expect(await a.w.app.repos.orders.usdSince(userId, 0)).toBe(0);
      expect(await a.w.app.repos.orders.usdSince(userId, 0, "withdraw")).toBe(300);
    }
  });
});
