import { afterEach, describe, expect, it } from "vitest";
import { HttpServer } from "../../bots/http.js";
import { mountStream, STREAM_PATH } from "../../bots/web-stream.js";
import { silentLogger } from "../../core/ports/logger.port.js";
import { StreamClient } from "../helpers/stream-client.js";
import { press, tradingWorld, type TradingWorld } from "../helpers/trading-world.js";

let w: TradingWorld | undefined;
let http: HttpServer | undefined;
afterEach(async () => {
  await http?.close();
  await w?.close();
  w = undefined;
  http = undefined;
});

describe("the stream on the real app", () => {
  it("a paper buy confirmed in chat and an alert firing reach their owner's stream only; the market's ticks reach subscribers", async () => {
    w = await tradingWorld({ env: { TRADING_MODE: "paper" } });
    const { app } = w;
    await app.say("/start");
    await app.say("/start", { id: "2002" });
    const alice = (await app.repos.users.findByIdentity("telegram", "1001"))!.user.id;
    const bob = (await app.repos.users.findByIdentity("telegram", "2002"))!.user.id;
    const tokens = new Map([
      ["pst_alice", alice],
      ["pst_bob", bob],
    ]);
    http = new HttpServer(silentLogger);
    const stream = mountStream(app, http, {
      origin: "http://127.0.0.1",
      auth: { session: async () => undefined, token: async (t) => (tokens.has(t) ? { userId: tokens.get(t)!, scope: "trade" } : undefined) },
    });
    const url = `ws://127.0.0.1:${await http.listen(0, "127.0.0.1")}${STREAM_PATH}`;
    const a = await StreamClient.open(url, { headers: { authorization: "Bearer pst_alice" } });
    const b = await StreamClient.open(url, { headers: { authorization: "Bearer pst_bob" } });
    await Promise.all([a.type("ready"), b.type("ready")]);

    const preview = await app.say("/buy JUP 20");
    expect((await app.press(press(preview, /^Confirm/))).text).toContain("Filled (paper)");
    const fill = (await a.until((m) => m.type === "event")).event;
    expect(fill).toMatchObject({ kind: "fill", mode: "paper", side: "buy", status: "filled", input: { symbol: "USDC", amount: "20" }, output: { symbol: "JUP", amount: "40" } });

    await b.subscribe("JUP");
    await app.market.bus.publish([{ symbol: "JUP", mint: "m", usd: 0.51, source: "jupiter", at: 1 }]);
    expect(await b.type("price")).toMatchObject({ symbol: "JUP", priceUsd: 0.51 });
    expect(b.messages.filter((m) => m.type === "event")).toEqual([]);
    expect((await stream()).stats().users).toBe(2);

    // An alert of bob's fires on a tick: his stream hears it once the firing is written; alice's does not.
    await app.services.alerts.start();
    expect((await app.say("/alert JUP above 0.6", { id: "2002" })).text).toContain("Alert");
    app.services.alerts.onTicks([{ symbol: "JUP", mint: (await app.market.tokens.resolve("JUP")).mint, usd: 0.7, source: "static", at: app.clock.now() }]);
    await app.services.alerts.idle();
    expect((await b.until((m) => m.type === "event")).event).toMatchObject({ kind: "alert", symbol: "JUP", alertKind: "above", level: 0.6, value: 0.7, firing: 1 });
    expect(a.messages.filter((m) => m.type === "event")).toHaveLength(1); // still only her fill
  });
});
