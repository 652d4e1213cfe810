import { afterEach, describe, expect, it } from "vitest";
import { MINT_X, press, tradingWorld, type TradingWorld } from "../helpers/trading-world.js";

let w: TradingWorld;
afterEach(async () => w?.close());

const paper = async (env: Record<string, string> = {}) => (w = await tradingWorld({ env: { TRADING_MODE: "paper", ...env } }));

describe("paper trading through the same path as live", () => {
  it("/buy shows a preview with Confirm and Cancel; nothing moves until Confirm; Confirm fills once", async () => {
    await paper();
    const { app } = w;
    const preview = await app.say("/buy JUP 20");
    expect(preview.text).toContain("Buy preview");
    expect(preview.text).toMatch(/Pay\s+20 USDC \(~\$20\.00\)/);
    expect(preview.text).toMatch(/Receive\s+~40 JUP/);
    expect(preview.text).toMatch(/Minimum\s+39\.8 JUP \(slippage 0\.50%\)/);
    expect(preview.text).toMatch(/Quote expires\s+in 30 s/);
    expect(preview.text).toMatch(/Fees\s+route: none charged by the route \(already in "Receive"\)/); // read from the quote
    expect(preview.text).toContain("Nothing happens until you press Confirm.");
    expect(preview.replies[0]!.private).toBe(true);
    expect((await app.say("/balance")).text).toMatch(/USDC\s+1,000 USDC/);

    const confirm = press(preview, /^Confirm/);
    const filled = await app.press(confirm);
    expect(filled.text).toContain("Filled (paper)");
    expect(filled.text).toMatch(/Paid\s+20 USDC/);
    expect(filled.text).toMatch(/Received\s+40 JUP/);
    const bal = await app.say("/balance");
    expect(bal.text).toMatch(/JUP\s+40 JUP\s+\$20/);
    expect(bal.text).toMatch(/USDC\s+980 USDC\s+\$980/);
    expect(bal.text).toMatch(/Total\s+\$1,000\.00/);
    expect(bal.text).toContain("Prices: static");

    // double Confirm: the same button again, and a redelivered Confirm update
    expect((await app.press(confirm)).text).toBe("Already done: that button was used.");
    const again = await app.press(confirm, { updateId: "confirm-redelivered" });
    const redelivered = await app.press(confirm, { updateId: "confirm-redelivered" });
    expect(again.outcome).toBe("error");
    expect(redelivered.outcome).toBe("duplicate");
    expect((await app.say("/balance")).text).toMatch(/JUP\s+40 JUP/);
    const trades = await app.say("/trades");
    expect(trades.text).toMatch(/buy 20 USDC -> 40 JUP \(paper, filled/);
  });

  it("a Confirm from another user or a forged token is refused; the owner can still confirm", async () => {
    await paper();
    const { app } = w;
    const preview = await app.say("/buy JUP 20", { id: "1" });
    const confirm = press(preview, /^Confirm/);
    expect((await app.press(confirm, { id: "2" })).text).toBe("This is not your button.");
    expect((await app.press("a1.ForgedTokenForgedToken")).text).toMatch(/not valid/);
    expect((await app.press("raw:confirm:o_1")).text).toBe("That button is not valid.");
    expect((await app.press(confirm, { id: "1" })).text).toContain("Filled (paper)");
  });

  it("a Confirm after the quote expired asks for a fresh quote, and nothing is traded", async () => {
    await paper();
    const { app } = w;
    const preview = await app.say("/sell SOL 1", { id: "7" });
    expect(preview.text).toContain("You have 0 SOL");
    await app.say("/buy SOL 100", { id: "7" }).then((p) => app.press(press(p, /^Confirm/), { id: "7" }));
    const sell = await app.say("/sell SOL 50%", { id: "7" });
    w.clock.advance(31_000);
    const late = await app.press(press(sell, /^Confirm/), { id: "7" });
    expect(late.text).toBe("That quote expired, so nothing was traded. Ask for a fresh one:");
    const fresh = await app.press(press(late, /fresh quote/), { id: "7" });
    expect(fresh.text).toContain("Sell preview");
    expect(fresh.text).toMatch(/Pay\s+0\.333333333 SOL/);
    const done = await app.press(press(fresh, /^Confirm/), { id: "7" });
    expect(done.text).toContain("Filled (paper)");
  });

  it("Cancel cancels and nothing is traded", async () => {
    await paper();
    const preview = await w.app.say("/swap 10 USDC JUP");
    const r = await w.app.press(press(preview, /Cancel/));
    expect(r.text).toBe("Cancelled. Nothing was traded.");
    expect((await w.app.say("/balance")).text).not.toContain("JUP");
  });

  it("/sell all and percentages use the paper balance; 9- and 6-decimal tokens stay exact", async () => {
    await paper();
    const { app } = w;
    expect((await app.say("/buy SOL 0.000000001")).text).toBe("USDC has 6 decimals: 0.000000001 is more precise than that.");
    const buy = await app.say("/buy SOL 150");
    await app.press(press(buy, /^Confirm/));
    expect((await app.say("/balance")).text).toMatch(/SOL\s+1 SOL\s+\$150/);
    const half = await app.say("/sell SOL 50%");
    expect(half.text).toMatch(/Pay\s+0\.5 SOL/);
    const tiny = await app.say("/sell SOL 0.000001");
    expect(tiny.text).toMatch(/Pay\s+0\.000001 SOL/);
    expect(tiny.text).toMatch(/Receive\s+~0\.00015 USDC/);
    const all = await app.say("/sell SOL all");
    expect(all.text).toMatch(/Pay\s+1 SOL/);
    await app.press(press(all, /^Confirm/));
    expect((await app.say("/balance")).text).not.toMatch(/SOL\s+\d/);
  });

  it.each([
    ["/buy JUP 1e30", "Write the amount as a plain number (no exponent), e.g. 0.25."],
    ["/buy JUP -1", "The amount must be positive."],
    ["/buy JUP abc", '"abc" is not an amount. Use a number like 0.5.'],
    ["/buy JUP all", "Give an exact amount here, e.g. 20."],
    ["/sell JUP 150%", "A percentage must be more than 0% and at most 100%."],
    ["/buy JUP 0.0000001", "USDC has 6 decimals: 0.0000001 is more precise than that."],
    ["/buy JUP 0", "The amount must be greater than zero."],
    ["/buy JUP 99999999999999999999999", "That amount is too large."],
    ["/buy JUP", "Missing amount. Usage: /buy <token> <amount> [pay token]"],
    ["/buy NOPE 5", "I don't know a token called NOPE. Check the symbol or use its mint address."],
    ["/swap 5 USDC USDC", "You can't swap USDC for itself."],
    ["/buy JUP 5000", "You have 1,000 USDC in your paper account; that trade needs 5,000."],
  ])("bad input %s gets a clear message", async (text, message) => {
    await paper();
    const r = await w.app.say(text);
    expect(r.outcome).toBe("error");
    expect(r.text).toBe(message);
  });

  it("policy: per-trade limit, daily cap, denylist, unverified tokens, price impact", async () => {
    await paper({ MAX_TRADE_USD: "100", DAILY_TRADE_CAP_USD: "150", TOKEN_DENYLIST: "WIF", PAPER_START_USDC: "5000" });
    const { app } = w;
    expect((await app.say("/buy JUP 101")).text).toBe("That trade is worth about $101.00; the limit is $100 per trade.");
    await app.press(press(await app.say("/buy JUP 100"), /^Confirm/));
    expect((await app.say("/buy JUP 60")).text).toBe("That would take you past today's limit of $150 (used: $100.00).");
    expect((await app.say("/buy WIF 5")).text).toBe("Trading WIF is not allowed here.");
    w.world.jup.setPrice(MINT_X, 1);
    expect((await app.say(`/buy ${MINT_X} 5`)).text).toBe("XUV is not a verified token; trading it is blocked.");
  });

  it("policy: TOKEN_ALLOWLIST limits trading to the listed tokens (even verified ones outside it are refused)", async () => {
    await paper({ TOKEN_ALLOWLIST: "SOL,USDC,JUP" });
    const { app } = w;
    expect((await app.say("/buy JUP 5")).text).toContain("Buy preview");
    expect((await app.say("/buy BONK 5")).text).toBe("BONK is not on this bot's list of tradable tokens.");
    expect((await app.say("/swap 5 USDC WIF")).text).toBe("WIF is not on this bot's list of tradable tokens.");
    expect(await w.app.db.db.selectFrom("orders").select("status").execute()).toEqual([{ status: "previewed" }]);
  });

  it("a quote that allows more slippage than MAX_SLIPPAGE_BPS is refused, whatever the provider says", async () => {
    const { JupiterSwapProvider } = await import("../../adapters/jupiter/jupiter-swap.js");
    await paper(); // for its Jupiter fake
    const real = new JupiterSwapProvider({ root: w.world.jup.url, timeoutMs: 5000 });
    const world = w.world;
    await w.app.close();
    // A provider that loosens the slippage it was asked for (a bug or a hostile proxy).
    const loose = { quote: async (r: Parameters<typeof real.quote>[0]) => ({ ...(await real.quote(r)), slippageBps: 900 }), buildSwap: real.buildSwap.bind(real) };
    w = await tradingWorld({ env: { TRADING_MODE: "paper", MAX_SLIPPAGE_BPS: "100" }, world, trading: { swap: loose } });
    expect((await w.app.say("/buy JUP 5")).text).toBe("The quote allows 900 bps slippage; the limit is 100.");
    expect(await w.app.db.db.selectFrom("orders").select("status").execute()).toEqual([]);
    await world.close();
  });

  it("price impact over the limit is refused after the quote", async () => {
    w = await tradingWorld({ env: { TRADING_MODE: "paper", MAX_PRICE_IMPACT_PCT: "1" } });
    await w.world.close();
    const { startSwapWorld } = await import("../fakes/solana/swap-harness.js");
    const world = await startSwapWorld({ jupiter: { priceImpactPct: "3.5" } });
    await w.app.close();
    w = await tradingWorld({ env: { TRADING_MODE: "paper", MAX_PRICE_IMPACT_PCT: "1" }, world });
    const r = await w.app.say("/swap 10 USDC SOL");
    expect(r.text).toBe("Price impact would be 3.50%; the limit is 1%. Try a smaller amount.");
    await world.close();
  });

  it("a paper order confirmed but not filled when the process died is filled once at start-up, and the user told", async () => {
    await paper();
    const { app } = w;
    const pushed: string[] = [];
    app.services.notifications.register({
      platform: "telegram",
      send: async (chatId, reply) => {
        pushed.push(`${chatId}:${reply.blocks.map((b) => (b.type === "text" ? b.spans.map((s) => (typeof s === "string" ? s : s.text)).join("") : "")).join("|")}`);
        return { ok: true, messageIds: ["1"] };
      },
    });
    const preview = await app.say("/buy JUP 20", { id: "55" });
    const orderId = /order (o_[0-9a-f]{16})/.exec(preview.text)![1]!;
    expect(await app.repos.orders.transition(orderId, ["previewed"], "confirmed", { confirmedAt: app.clock.now() })).toBe(true);
    await app.start({ poll: false });
    await app.start({ poll: false }); // a second reconcile changes nothing
    expect((await app.repos.orders.get(orderId))!.status).toBe("filled");
    expect((await app.say("/balance", { id: "55" })).text).toMatch(/JUP\s+40 JUP/);
    await app.services.outbox.runOnce(); // the fill notice goes through the outbox
    await app.services.outbox.runOnce();
    expect(pushed).toEqual(["55:Trade filled: USDC -> JUP|"]);
  });
});


describe("/pnl", () => {
  it("returns a PNG card of value over time with realised and unrealised PnL", async () => {
    const { PNG } = await import("pngjs");
    await paper();
    const { app } = w;
    await app.press(press(await app.say("/buy SOL 150"), /^Confirm/));
    w.clock.advance(3_600_000);
    w.prices.usd.SOL = 165;
    const bal = await app.say("/balance");
    expect(bal.text).toMatch(/SOL\s+1 SOL\s+\$165\.00\s+\S+\s+PnL \+\$15\.00 \(\+10\.0%\)/);
    expect(bal.text).toMatch(/Unrealised\s+\+\$15\.00/);
    await app.press(press(await app.say("/sell SOL 0.5"), /^Confirm/));
    const r = await app.say("/pnl");
    const img = r.replies[0]!.blocks.find((b) => b.type === "image");
    expect(img?.type).toBe("image");
    if (img?.type !== "image") return;
    // sold 0.5 SOL for 75 USDC (the quote) while SOL is at $165: the rest of the SOL carries the gain
    expect(img.caption).toBe("Value $1,007.50; unrealised +$7.50; realised +$0.00.");
    const png = PNG.sync.read(Buffer.from(img.png));
    expect([png.width, png.height]).toEqual([800, 450]);
  });
});

describe("portfolio snapshots for /pnl", () => {
  it("every user's book is valued on the schedule, whether or not they look at it, a page of users at a time", async () => {
    await paper();
    const { app } = w;
    await app.press(press(await app.say("/buy SOL 150", { id: "501" }), /^Confirm/), { id: "501" });
    await app.press(press(await app.say("/buy JUP 10", { id: "502" }), /^Confirm/), { id: "502" });
    const users = await app.db.db.selectFrom("identities").select(["user_id", "platform_user_id"]).execute();
    const uid = (pid: string) => users.find((u) => u.platform_user_id === pid)!.user_id;
    const before = async (pid: string) => (await app.services.portfolio.history(uid(pid), 0)).points.length;
    const n0 = [await before("501"), await before("502")];
    for (const usd of [160, 170]) {
      w.clock.advance(3_600_000);
      w.prices.usd.SOL = usd;
      expect(await app.services.portfolio.snapshotAll(1)).toBe(2); // pages of one user
    }
    const p501 = (await app.services.portfolio.history(uid("501"), 0)).points;
    expect(p501.length).toBe(n0[0]! + 2);
    expect(p501.slice(-2).map((p) => Math.round(p.valueUsd))).toEqual([1010, 1020]); // 1 SOL + 850 USDC
    expect((await app.services.portfolio.history(uid("502"), 0)).points.length).toBe(n0[1]! + 2);
  });
});

describe("/wallet", () => {
  it("watches a valid address, refuses garbage, and /balance shows the watched holdings", async () => {
    await paper();
    const { app, world } = w;
    expect((await app.say("/wallet watch not-an-address")).text).toBe("That is not a valid Solana address (base58 public key).");
    expect((await app.say("/wallet watch")).text).toBe("Give the address to watch. Usage: /wallet watch <address>");
    const addr = world.user.publicKey.toBase58();
    expect((await app.say(`/wallet watch ${addr}`)).text).toContain(`Watching ${addr}`);
    expect((await app.say(`/wallet watch ${addr}`)).text).toBe("You already have that wallet.");
    expect((await app.say("/wallet")).text).toMatch(new RegExp(`Watch-only\\s+${addr}`));
    const bal = await app.say("/balance");
    expect(bal.text).toContain(`Watched ${addr.slice(0, 4)}...${addr.slice(-4)}`);
    expect(bal.text).toMatch(/SOL\s+10 SOL\s+\$1,500\.00/);
    expect(bal.text).toMatch(/USDC\s+1,000 USDC/);
    expect((await app.say("/wallet new")).text).toBe("New custodial wallets need TRADING_MODE=live and MASTER_KEY set by the operator.");
    expect((await app.say("/wallet frobnicate")).text).toContain("Use /wallet, /wallet watch <address>, /wallet new or /wallet export");
  });
});
