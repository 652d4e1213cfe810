import { afterEach, describe, expect, it } from "vitest";
import type { SwapProvider } from "../../core/ports/trading.port.js";
import { SimulatedSwap } from "../../core/services/simulated-swap.service.js";
import { startSwapWorld } from "../fakes/solana/swap-harness.js";
import { MINTS, press, tradingWorld, type TradingWorld } from "../helpers/trading-world.js";

let w: TradingWorld | undefined;
const worlds: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await w?.close();
  w = undefined;
  for (const x of worlds.splice(0)) await x.close();
});

describe("route fees and simulated quotes are parsed once and kept on the order", () => {
  it("Jupiter's route fee is shown in the preview and stays on the stored order through the fill", async () => {
    const world = await startSwapWorld({ jupiter: { feeBps: 30 } });
    worlds.push(world);
    w = await tradingWorld({ env: { TRADING_MODE: "paper" }, world });
    const preview = await w.app.say("/swap 20 USDC SOL");
    expect(preview.text).toMatch(/Fees\s+route: 0\.06 USDC \(already in "Receive"\)/);
    const [row] = await w.app.db.db.selectFrom("orders").select(["id", "route_fees", "simulated"]).execute();
    if (!row) throw new Error("no order stored");
    expect(JSON.parse(row.route_fees ?? "null")).toEqual([{ mint: MINTS.USDC, amount: "60000" }]);
    expect(Number(row.simulated)).toBe(0);

    expect((await w.app.press(press(preview, /^Confirm/))).text).toContain("Filled (paper)");
    const filled = await w.app.repos.orders.get(row.id);
    expect([filled?.status, filled?.routeFees, filled?.simulated]).toEqual(["filled", [{ mint: MINTS.USDC, amount: 60_000n }], false]);
  });

  it("a simulated quote says so in the preview (its modelled fee), and the order is stored as simulated", async () => {
    // The offline quoter the app uses while prices replay, here asked directly.
    let simulated: SwapProvider | undefined;
    const swap: SwapProvider = {
      quote: (req) => {
        if (!simulated) throw new Error("not wired yet");
        return simulated.quote(req);
      },
      buildSwap: () => Promise.reject(new Error("paper trading never builds a transaction")),
    };
    w = await tradingWorld({ env: { TRADING_MODE: "paper" }, trading: { swap } });
    const { app } = w;
    simulated = new SimulatedSwap({ market: app.market.market, token: (m) => app.market.tokens.resolve(m), feeBps: 30 });
    const preview = await app.say("/buy JUP 20");
    expect(preview.text).toMatch(/Fees\s+route: simulated at market prices, 0\.3% fee \(already in "Receive"\)/);
    const [stored] = await app.repos.orders.byUser((await app.db.db.selectFrom("orders").select("user_id").executeTakeFirstOrThrow()).user_id, 1);
    expect([stored?.simulated, stored?.routeFees, stored?.route]).toEqual([true, null, ["simulated at market prices, 0.3% fee"]]);
  });
});
