import { afterEach, describe, expect, it } from "vitest";
import { NOTHING_EXECUTED, type Order, type OrderStatus } from "../../core/domain/order.js";
import type { Fill } from "../../core/ports/orders.port.js";
import { repositories } from "../../db/index.js";
import { sharedTestDatabases, type TestDb } from "../helpers/databases.js";

/*
 * Fills from two processes at once (two independent Db instances over one database: two
 * better-sqlite3 connections on one WAL file, two pg pools on one schema) lose nothing: two fills
 * racing into a position that does not exist yet both land, and two sells of different tokens racing
 * to book realised PnL both count. Each round uses a fresh live book (no book row, no positions).
 */

const ROUNDS = 200;
/** Rounds run side by side (each its own user and book): only to keep the test fast. */
const AT_ONCE = 4;
const MINT = { SOL: "sol-mint", JUP: "jup-mint", WIF: "wif-mint", USDC: "usdc-mint" } as const;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function order(id: string, userId: string, book: string, status: OrderStatus): Order {
  const t = { mint: "m", symbol: "M", decimals: 6 };
  return {
    id,
    userId,
    mode: "live",
    book,
    wallet: book,
    side: "swap",
    status,
    input: t,
    output: t,
    inAmount: 1n,
    quotedOut: 1n,
    minOut: 1n,
    slippageBps: 50,
    priceImpactPct: 0,
    route: [],
    routeFees: null,
    simulated: false,
    quoteRaw: null,
    usdValue: 1,
    createdAt: 0,
    quoteExpiresAt: 1,
    ...NOTHING_EXECUTED,
    confirmedAt: 0,
    notify: { platform: "telegram", chatId: "1" },
  };
}

type Repos = ReturnType<typeof repositories>;
interface Tally {
  rounds: number;
  fills: number;
  /** Fills reported "filled" whose amount is missing from the book afterwards. */
  lost: number;
  /** Fills that threw or did not report "filled". */
  failed: number;
  /** Rounds whose realised PnL is not the sum of both sells. */
  pnlOff: number;
  /** What the failed fills said (distinct). */
  why: string[];
}

async function settle(tally: Tally, fills: Array<Promise<unknown>>): Promise<number> {
  let ok = 0;
  for (const r of await Promise.allSettled(fills)) {
    tally.fills++;
    if (r.status === "fulfilled" && r.value === "filled") ok++;
    else {
      tally.failed++;
      const why = r.status === "fulfilled" ? String(r.value) : `${(r.reason as Error).name}: ${(r.reason as Error).message}`;
      if (!tally.why.includes(why)) tally.why.push(why);
    }
  }
  return ok;
}

async function round(i: number, a: Repos, b: Repos, tally: Tally): Promise<void> {
  const user = `u${i}`;
  const book = `wallet-${i}`;
  const fill = (id: string, inMint: string, inAmount: bigint, outMint: string, outAmount: bigint, valueMicro: bigint): Fill => ({
    orderId: `${book}-${id}`,
    userId: user,
    book,
    inMint,
    inAmount,
    outMint,
    outAmount,
    valueMicro,
  });
  for (const id of ["buy1", "buy2", "wif"]) await a.orders.create(order(`${book}-${id}`, user, book, "sent"));
  for (const id of ["sellJup", "sellWif"]) await a.orders.create(order(`${book}-${id}`, user, book, "confirmed"));
  const live = { requireBalance: false, from: ["signed", "sent"] as OrderStatus[] };
  const paper = { requireBalance: true, from: ["confirmed"] as OrderStatus[] };

  // Two buys racing into a position (and a book) that does not exist yet: 2 x 200 JUP for $100 each.
  const bought = await settle(tally, [
    a.books.applyFill(fill("buy1", MINT.SOL, 1_000_000_000n, MINT.JUP, 200_000_000n, 100_000_000n), 1, live),
    b.books.applyFill(fill("buy2", MINT.SOL, 1_000_000_000n, MINT.JUP, 200_000_000n, 100_000_000n), 1, live),
  ]);
  const jup = (await a.books.positions(user, book)).find((p) => p.mint === MINT.JUP);
  tally.lost += bought - Number((jup?.amount ?? 0n) / 200_000_000n);

  // 50 WIF for $100, then two sells of different tokens into different tokens racing to book
  // realised PnL: 100 JUP (cost $50) for 60 USDC -> +$10; 25 WIF (cost $50) for $45 of SOL -> -$5.
  await settle(tally, [a.books.applyFill(fill("wif", MINT.SOL, 1_000_000_000n, MINT.WIF, 50_000_000n, 100_000_000n), 2, live)]);
  const sold = await settle(tally, [
    a.books.applyFill(fill("sellJup", MINT.JUP, 100_000_000n, MINT.USDC, 60_000_000n, 60_000_000n), 3, paper),
    b.books.applyFill(fill("sellWif", MINT.WIF, 25_000_000n, MINT.SOL, 300_000_000n, 45_000_000n), 3, paper),
  ]);
  const held = new Map((await b.books.positions(user, book)).map((p) => [p.mint, p.amount]));
  const jupLeft = (jup?.amount ?? 0n) - 100_000_000n;
  const expected: Array<[string, bigint]> = [[MINT.JUP, jupLeft], [MINT.WIF, 25_000_000n], [MINT.USDC, 60_000_000n], [MINT.SOL, 300_000_000n]];
  if (sold === 2) tally.lost += expected.filter(([m, v]) => held.get(m) !== v).length;
  if ((await b.books.realizedMicro(user, book)) !== 5_000_000n) tally.pnlOff++;
  tally.rounds++;
}

for (const t of sharedTestDatabases()) {
  describe.skipIf(t.skip)(`${t.name}: fills from two processes at once${t.skip ? ` (skipped: ${t.skip})` : ""}`, () => {
    it(`${ROUNDS} rounds of fills racing into a fresh position and sells racing for realised PnL lose nothing`, async () => {
      const tdb: TestDb = t.make();
      cleanups.push(() => tdb.cleanup());
      const a = repositories(await tdb.open());
      const b = repositories(await tdb.open());
      const tally: Tally = { rounds: 0, fills: 0, lost: 0, failed: 0, pnlOff: 0, why: [] };
      const t0 = Date.now();
      for (let i = 0; i < ROUNDS; i += AT_ONCE) await Promise.all(Array.from({ length: AT_ONCE }, (_, j) => round(i + j, a, b, tally)));
      console.info(`[faults-fills] ${t.name}: ${JSON.stringify(tally)} in ${Date.now() - t0} ms`);
      expect(tally).toEqual({ rounds: ROUNDS, fills: ROUNDS * 5, lost: 0, failed: 0, pnlOff: 0, why: [] });
    }, 60_000);
  });
}
