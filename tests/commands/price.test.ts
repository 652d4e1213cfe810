import { randomBytes } from "node:crypto";
import { PNG } from "pngjs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Reply } from "../../core/router/message.js";
import { makeTestApp, type TestApp } from "../helpers/app.js";
import { startJupiterFake, MINT, type JupiterFake } from "../fakes/jupiter-api.js";
import { startPythFake, FEED, type PythFake } from "../fakes/pyth.js";

let app: TestApp;
let jup: JupiterFake;
let pyth: PythFake;
const T0 = Date.UTC(2026, 0, 1);

beforeEach(async () => {
  jup = await startJupiterFake();
  pyth = await startPythFake({ nowS: T0 / 1000 });
});
afterEach(async () => {
  await app?.close();
  await jup.close();
  await pyth.close();
});

const start = (env: Record<string, string> = {}) =>
  makeTestApp({
    env: { JUPITER_API_ROOT: jup.url, PYTH_HERMES_URL: pyth.url, PYTH_BENCHMARKS_URL: pyth.url, PRICE_CACHE_TTL_MS: "0", ...env },
  });

const image = (r: Reply) => {
  const b = r.blocks.find((x) => x.type === "image");
  return b?.type === "image" ? b : undefined;
};

describe("/price with live sources", () => {
  it("answers with price, 24h change, source and age", async () => {
    app = await start();
    const r = await app.say("/price SOL");
    expect(r.text).toMatch(/^SOL\s+\$147\.48\s+\+1\.29% 24h\s+\(jupiter, 0 s ago\)$/);
    expect(jup.requests.map((q) => q.path)).toEqual(["/price/v3"]);
  });

  it("several tokens: one reply, a row each, one batched request", async () => {
    app = await start();
    jup.setUsdPrice(MINT.BONK, 0.00002134, -3.2);
    const r = await app.say("/price SOL JUP BONK");
    expect(r.replies).toHaveLength(1);
    expect(r.text).toContain("Prices");
    expect(r.text).toMatch(/SOL\s+\$147\.48/);
    expect(r.text).toMatch(/JUP\s+\$0\.4056/);
    expect(r.text).toMatch(/BONK\s+\$0\.00002134\s+-3\.20% 24h/);
    expect(jup.requests.filter((q) => q.path === "/price/v3")).toHaveLength(1);
  });

  it.each([
    ["a timeout", () => jup.enqueue({ delayMs: 2000 }, { delayMs: 2000 }, { delayMs: 2000 })],
    ["HTTP 500", () => jup.enqueue({ status: 500 }, { status: 500 }, { status: 500 })],
    ["malformed JSON", () => jup.enqueue({ body: "<html>not json" })],
    ["a NaN price", () => jup.setUsdPrice(MINT.SOL, "NaN")],
    ["a zero price", () => jup.setUsdPrice(MINT.SOL, 0)],
  ])("falls over to Pyth on %s", async (_, breakIt) => {
    app = await start();
    breakIt();
    const r = await app.say("/price SOL");
    expect(r.text).toMatch(/SOL\s+\$147\.22\s+n\/a 24h\s+\(pyth, 0 s ago\)/);
  });

  it("429: backs off by Retry-After, then falls over when it persists", async () => {
    app = await start();
    jup.enqueue({ status: 429, retryAfterS: 1 }, { status: 429, retryAfterS: 1 }, { status: 429, retryAfterS: 1 });
    const r = await app.say("/price SOL");
    expect(r.text).toContain("pyth");
    const at = jup.requests.map((q) => q.at);
    expect(at.length).toBeGreaterThanOrEqual(2);
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(900);
  });

  it("a stale price is rejected and the next source asked", async () => {
    app = await start({ PRICE_SOURCES: "pyth,jupiter" });
    pyth.setFeed(FEED.SOL, { publishTime: T0 / 1000 - 600 });
    expect((await app.say("/price SOL")).text).toContain("(jupiter, 0 s ago)");
    expect(app.services.market.rejected.stale).toBe(1);
  });

  it("a NaN price is rejected and counted (purser_price_rejected_total), and the next source answers", async () => {
    app = await start();
    jup.setUsdPrice(MINT.SOL, "NaN");
    expect((await app.say("/price SOL")).text).toContain("(pyth, 0 s ago)");
    expect(app.services.market.rejected.nan).toBe(1);
    const metrics = await app.metrics.render();
    expect(metrics).toMatch(/^purser_price_rejected_total\{source="jupiter",reason="nan"\} 1$/m);
  });

  it("all sources failing: a clear 'unavailable', never a number", async () => {
    app = await start();
    jup.setUsdPrice(MINT.SOL, null);
    pyth.setFeed(FEED.SOL, { publishTime: T0 / 1000 - 3600 });
    const r = await app.say("/price SOL");
    expect(r.outcome).toBe("error");
    expect(r.text).toBe("Prices are unavailable right now: no source gave a fresh, consistent price. Try again in a minute.");
    expect(r.text).not.toMatch(/\$\d/);
  });

  it("an unknown token says so; a mint address works", async () => {
    app = await start();
    expect((await app.say("/price NOSUCHCOIN")).text).toBe(
      "I don't know a token called NOSUCHCOIN. Check the symbol or use its mint address.",
    );
    expect((await app.say(`/price ${MINT.JUP}`)).text).toMatch(/^JUP\s+\$0\.4056/);
  });

  it("an ambiguous symbol lists the candidates as buttons; picking one prices that mint", async () => {
    app = await start();
    const a = { id: "Moon1111111111111111111111111111111111111111", name: "Moon Token", symbol: "MOON", decimals: 6, isVerified: true };
    const b = { id: "Moon2222222222222222222222222222222222222222", name: "Moon Scam", symbol: "MOON", decimals: 9, isVerified: false };
    jup.tokens = [a, b];
    jup.setUsdPrice(b.id, 0.5);
    const r = await app.say("/price moon");
    expect(r.text).toContain("matches 2 tokens");
    const buttons = r.replies[0]!.buttons!.flat();
    expect(buttons.map((x) => x.label)).toEqual([
      "MOON - Moon Token (Moon...1111) verified",
      "MOON - Moon Scam (Moon...2222) UNVERIFIED",
    ]);
    expect(buttons.every((x) => x.action.startsWith("a1."))).toBe(true); // opaque tokens, no raw mints
    const picked = await app.press(buttons[1]!.action);
    expect(picked.text).toMatch(/^MOON \(unverified\)\s+\$0\.5/);
    expect((await app.press(buttons[0]!.action, { id: "9999" })).text).toBe("This is not your button.");
  });

  it("a lookup by a scam token's mint never decides what its symbol means for everyone", async () => {
    app = await start();
    const real = { id: "Moon1111111111111111111111111111111111111111", name: "Moon Token", symbol: "MOON", decimals: 6, isVerified: true };
    const scam = { id: "Moon2222222222222222222222222222222222222222", name: "Moon Scam", symbol: "MOON", decimals: 9, isVerified: false };
    jup.tokens = [real, scam];
    jup.setUsdPrice(scam.id, 0.5);
    expect((await app.say(`/price ${scam.id}`, { id: "31337" })).text).toMatch(/^MOON \(unverified\)\s+\$0\.5/);
    const r = await app.say("/price moon");
    expect(r.text).toContain("matches 2 tokens");
    expect(r.text).not.toContain("$0.5");
  });

  it("several tokens, one ambiguous: the others priced, its candidates listed briefly, never guessed", async () => {
    app = await start();
    const a = { id: "Moon1111111111111111111111111111111111111111", name: "Moon Token", symbol: "MOON", decimals: 6, isVerified: true };
    const b = { id: "Moon2222222222222222222222222222222222222222", name: "Moon Scam", symbol: "MOON", decimals: 9, isVerified: false };
    jup.tokens = [a, b];
    jup.setUsdPrice(b.id, 0.5);
    const r = await app.say("/price SOL moon");
    expect(r.replies).toHaveLength(1);
    expect(r.text).toMatch(/SOL\s+\$147\.48/);
    expect(r.text).toMatch(/MOON\s+2 tokens match, listed below; not priced/);
    expect(r.text).toContain("MOON matches 2 tokens:\n- MOON - Moon Token (Moon...1111) verified\n- MOON - Moon Scam (Moon...2222) UNVERIFIED");
    expect(r.text).toContain("Use /price <mint> for the one you mean, or /price MOON on its own to pick from a list.");
    expect(r.text).not.toContain("$0.5");
  });

  it("bad input gets the usage line", async () => {
    app = await start();
    expect((await app.say("/price")).text).toBe("Missing tokens. Usage: /price <token> [more tokens]");
    expect((await app.say("/price a b c d e f g h i j k")).text).toContain("At most 10 tokens");
  });
});

describe("/chart", () => {
  it("draws a PNG from Pyth Benchmarks history", async () => {
    app = await start();
    const now = T0 / 1000;
    pyth.setHistory(
      "Crypto.SOL/USD",
      Array.from({ length: 48 }, (_, i) => ({ t: now - (48 - i) * 3600, o: 100 + i, h: 101 + i, l: 99 + i, c: 100 + i, v: 1 })),
    );
    const r = await app.say("/chart SOL 7d");
    const img = image(r.replies[0]!)!;
    expect(img.caption).toContain("Source: pyth-benchmarks");
    const png = PNG.sync.read(Buffer.from(img.png));
    expect([png.width, png.height]).toEqual([800, 450]);
  });

  it("falls back to replay candles, labelled as replay", async () => {
    app = await start();
    const r = await app.say("/chart SOL 30d");
    const img = image(r.replies[0]!)!;
    expect(img.caption).toMatch(/Source: replay \(historical\), to 2025-06-18/);
  });

  it("rejects a bad range with the usage line", async () => {
    app = await start();
    expect((await app.say("/chart SOL 2y")).text).toBe("Range must be 1d, 7d, 30d or 90d. Usage: /chart <token> [1d|7d|30d|90d]");
  });
});

describe("chart history of last resort", () => {
  it("uses the ticks Purser recorded itself when no history source answers", async () => {
    app = await start();
    app.market.market.track([app.services.tokens.builtin("SOL")!]);
    await app.market.market.pollOnce();
    app.clock.advance(16 * 60_000); // next 15-minute bucket of the 1d chart
    jup.setUsdPrice(MINT.SOL, 150);
    pyth.setFeed(FEED.SOL, { price: "15000000000", publishTime: app.clock.now() / 1000 });
    await app.market.market.pollOnce();
    const r = await app.say("/chart SOL 1d");
    const img = image(r.replies[0]!)!;
    expect(img.caption).toContain("Source: recorded ticks");
    expect(img.caption).toContain("$150");
  });
});

const redisUrl = process.env.TEST_REDIS_URL;
describe.skipIf(!redisUrl)(`prices shared through Redis${redisUrl ? "" : " (skipped: TEST_REDIS_URL is not set)"}`, () => {
  it("a second process is served from the shared cache and hears the first one's price stream", async () => {
    const env = { REDIS_URL: redisUrl!, REDIS_PREFIX: `test-${randomBytes(4).toString("hex")}:`, PRICE_CACHE_TTL_MS: "60000" };
    app = await start(env);
    const other = await start(env);
    try {
      const heard: string[] = [];
      other.market.bus.subscribe((ticks) => heard.push(...ticks.map((t) => `${t.symbol}@${t.source}`)));
      await (other.market.bus as unknown as { ready(): Promise<unknown> }).ready();
      // a unique mint per run keeps runs from sharing cache entries
      const mint = `Shrd${Date.now()}`.replace(/0/g, "z").padEnd(44, "1").slice(0, 44);
      jup.tokens = [{ id: mint, name: "Shared", symbol: "SHRD", decimals: 6, isVerified: true }];
      jup.setUsdPrice(mint, 2.5);
      expect((await app.say(`/price ${mint}`)).text).toContain("$2.5");
      const before = jup.requests.filter((q) => q.path === "/price/v3").length;
      expect((await other.say(`/price ${mint}`)).text).toContain("$2.5");
      expect(jup.requests.filter((q) => q.path === "/price/v3").length).toBe(before);
      app.market.market.track([app.services.tokens.builtin("SOL")!]);
      await app.market.market.pollOnce();
      for (let i = 0; i < 50 && !heard.length; i++) await new Promise((r) => setTimeout(r, 20));
      expect(heard).toContain("SOL@jupiter");
    } finally {
      await other.close();
    }
  });
});
