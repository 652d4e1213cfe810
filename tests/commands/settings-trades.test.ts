import { PublicKey } from "@solana/web3.js";
import { afterEach, describe, expect, it } from "vitest";
import { SolanaChain } from "../../adapters/solana/solana-chain.js";
import { silentLogger } from "../../core/ports/logger.port.js";
import { startSwapWorld, type SwapWorld } from "../fakes/solana/swap-harness.js";
import { FakeClock } from "../helpers/clock.js";
import { tempSqliteUrl } from "../helpers/databases.js";
import { MINTS, press, tradingWorld, USD, type TradingWorld } from "../helpers/trading-world.js";

const MASTER_KEY = "test-master-key-0123456789abcdefghijklmnop";
const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function live(env: Record<string, string> = {}): Promise<{ w: TradingWorld; world: SwapWorld }> {
  const world = await startSwapWorld();
  world.sol.createMint(6, undefined, { address: MINTS.JUP });
  world.jup.setPrice(MINTS.JUP, USD.JUP!);
  cleanup.push(() => world.close());
  const w = await tradingWorld({
    world,
    clock: new FakeClock(Date.now()),
    env: { TRADING_MODE: "live", MASTER_KEY, DATABASE_URL: await tempSqliteUrl(), ...env },
    trading: { chain: new SolanaChain({ rpcUrl: world.sol.url, wsUrl: world.sol.wsUrl, log: silentLogger }), confirmWaitMs: 1500 },
  });
  cleanup.push(() => w.close());
  return { w, world };
}

async function funded(w: TradingWorld, id: string) {
  const r = await w.app.say("/wallet new", { id });
  const pk = new PublicKey(/Your new wallet: (\w+)/.exec(r.text)![1]!);
  w.world.sol.airdrop(pk, 2_000_000_000n);
  w.world.sol.mintTo(w.world.mints.USDC, pk, 500_000_000n);
}

/** Buys 15 USDC of SOL as `id`, confirmed: what the preview said, and what Jupiter was asked. */
async function buy(w: TradingWorld, world: SwapWorld, id: string) {
  const quotes = world.jup.requestsTo("quote").length;
  const swaps = world.jup.requestsTo("swap").length;
  const preview = await w.app.say("/buy SOL 15", { id });
  const filled = await w.app.press(press(preview, /^Confirm/), { id });
  expect(filled.text).toMatch(/^Filled/);
  return {
    preview: preview.text,
    slippage: world.jup.requestsTo("quote").slice(quotes).map((r) => Number(r.query.slippageBps)),
    fee: world.jup.requestsTo("swap").slice(swaps).map((r) => (r.body as { prioritizationFeeLamports?: unknown }).prioritizationFeeLamports),
  };
}

describe("a user's settings apply to their trades", () => {
  it("their default slippage and priority-fee level go into the quote and the live swap; others keep the operator's", async () => {
    const { w, world } = await live({ DEFAULT_SLIPPAGE_BPS: "50", MAX_SLIPPAGE_BPS: "100", PRIORITY_FEE_MAX_LAMPORTS: "800000" });
    await funded(w, "42");
    await funded(w, "43");
    expect((await w.app.say("/settings slippage 30", { id: "42" })).text).toContain("Saved.");
    expect((await w.app.say("/settings fee medium", { id: "42" })).text).toContain("Saved.");

    const mine = await buy(w, world, "42");
    expect(mine.preview).toContain("slippage 0.30%");
    expect(mine.slippage).toEqual([30]);
    expect(mine.fee).toEqual([{ priorityLevelWithMaxLamports: { priorityLevel: "medium", maxLamports: 400_000 } }]);

    const theirs = await buy(w, world, "43");
    expect(theirs.preview).toContain("slippage 0.50%");
    expect(theirs.slippage).toEqual([50]);
    expect(theirs.fee).toEqual([{ priorityLevelWithMaxLamports: { priorityLevel: "high", maxLamports: 800_000 } }]); // the default level, high: what swaps paid before settings

    await w.app.say("/settings fee none", { id: "43" });
    expect((await buy(w, world, "43")).fee).toEqual([undefined]);
  });

  it("an operator who lowers a cap later lowers what users get, without their asking", async () => {
    const { w, world } = await live({ MAX_SLIPPAGE_BPS: "20", MAX_PRIORITY_FEE_LEVEL: "low" });
    await funded(w, "42");
    // Stored as if chosen under wider caps.
    const { user } = await w.app.services.identity.resolve("telegram", "42", "u");
    const wide = JSON.stringify({ slippageBps: 90, priorityFee: "high" });
    await w.app.db.db.insertInto("user_settings").values({ user_id: user.id, settings: wide, updated_at: 0 }).execute();
    expect((await w.app.say("/settings", { id: "42" })).text).toMatch(/Slippage\s+20 bps[\s\S]*Priority fee\s+low/);
    const b = await buy(w, world, "42");
    expect(b.slippage).toEqual([20]);
    expect(b.fee).toEqual([{ priorityLevelWithMaxLamports: { priorityLevel: "medium", maxLamports: 250_000 } }]);
  });
});
