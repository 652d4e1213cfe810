import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { BUILTIN_TOKENS } from "../../core/domain/builtin-tokens.js";
import { makeTestApp, type TestApp } from "../helpers/app.js";
import { FakeClock } from "../helpers/clock.js";
import { tempSqliteUrl } from "../helpers/databases.js";
import { StaticPrices } from "../helpers/trading-world.js";
import { freePort } from "../helpers/net.js";
import { until } from "../helpers/faults.js";

const hasRedis = Boolean(process.env.TEST_REDIS_URL);
const SOL = BUILTIN_TOKENS.find((t) => t.symbol === "SOL")!;

/** A redis-server of our own on `port`; resolves once it is listening (the port is taken). */
async function startRedis(port: number): Promise<ChildProcess> {
  const p = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  const listening = () =>
    new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once("error", () => resolve(true)); // port taken: redis is listening
      s.listen(port, "127.0.0.1", () => s.close(() => resolve(false)));
    });
  // A generous bound: a loaded machine can take seconds to start a process.
  await until(listening, "redis-server listening", 30_000, () => `exit code ${p.exitCode}`);
  return p;
}

describe.skipIf(!hasRedis)(`losing Redis mid-run${hasRedis ? "" : " (skipped: TEST_REDIS_URL is not set: CI runs it)"}`, () => {
  let redis: ChildProcess | undefined;
  let app: TestApp | undefined;
  afterAll(async () => {
    await app?.close();
    redis?.kill("SIGKILL");
  });

  it("degrades to single-process behaviour without losing messages, and recovers when Redis returns", async () => {
    const port = await freePort();
    redis = await startRedis(port);
    const clock = new FakeClock(Date.now());
    app = await makeTestApp({
      clock,
      env: { REDIS_URL: `redis://127.0.0.1:${port}`, DATABASE_URL: await tempSqliteUrl(), PRICE_CACHE_TTL_MS: "60000" },
      market: { live: [new StaticPrices(clock)], replay: null },
    });
    const sent: string[] = [];
    app.services.notifications.register({ platform: "telegram", send: async (chatId) => (sent.push(chatId), { ok: true, messageIds: ["1"] }) });
    await app.services.alerts.start();
    expect((await app.say("/alert SOL above 200", { id: "1" })).text).toMatch(/^Alert/);
    expect((await app.say("/alert SOL above 300", { id: "2" })).text).toMatch(/^Alert/);
    expect((await app.say("/price SOL", { id: "1" })).text).toContain("$150");

    redis.kill("SIGKILL"); // Redis is gone
    // Both connections have seen it go (no fixed pause: the app notices when the socket closes).
    const conns = app.redis!;
    await until(() => conns.main.status !== "ready" && conns.sub.status !== "ready", "both Redis connections to notice the outage");
    expect((await app.say("/price SOL", { id: "3" })).text).toContain("$150"); // cache down: asks the source
    expect((await app.say("/whoami", { id: "3" })).outcome).toBe("replied"); // rate limiter on its insurance
    await app.market.bus.publish([{ mint: SOL.mint, symbol: "SOL", usd: 250, source: "static", at: clock.now() }]);
    await app.services.alerts.idle();
    while ((await app.services.outbox.runOnce()) > 0);
    expect(sent).toEqual(["1"]); // delivered in-process, nothing lost
    expect(await app.leases.acquire("outage-lease", "me", 5000)).toBe(true); // leases fall back to the database

    redis = await startRedis(port); // Redis is back
    // Both connections reconnect on their own back-off (up to 5 s a try): wait for their 'ready'.
    await until(() => conns.main.status === "ready" && conns.sub.status === "ready", "both Redis connections back");
    // The poller publishes every PRICE_POLL_MS; ticks flow through Redis again once the subscription
    // is renewed: publish (as the poller would) until the alert fires.
    await until(async () => {
      await app!.market.bus.publish([{ mint: SOL.mint, symbol: "SOL", usd: 350, source: "static", at: clock.now() }]);
      await app!.services.alerts.idle();
      await app!.services.outbox.runOnce();
      return sent.length >= 2;
    }, "the second alert delivered after Redis returned");
    expect(app.redis!.sub.status).toBe("ready");
    expect(sent).toEqual(["1", "2"]);

    // Proof that the shared path is back (not only the local fallback): another process, joined to
    // the restarted Redis, hears this one's ticks and reads what it caches, and leases are shared again.
    const other = await makeTestApp({ clock, env: { REDIS_URL: `redis://127.0.0.1:${port}`, DATABASE_URL: await tempSqliteUrl() } });
    try {
      const heard: number[] = [];
      other.market.bus.subscribe((ticks) => heard.push(...ticks.map((t) => t.usd)));
      await (other.market.bus as unknown as { ready(): Promise<unknown> }).ready();
      // Published until heard: the first may cross the other's subscription being set up.
      await until(async () => {
        await app!.market.bus.publish([{ mint: SOL.mint, symbol: "SOL", usd: 360, source: "static", at: clock.now() }]);
        return heard.includes(360);
      }, "the other process hearing a tick through Redis");
      expect(heard).toContain(360);
      await app.market.cache.set("outage-probe", { v: 1 }, 60_000);
      expect(await other.market.cache.get("outage-probe")).toEqual({ v: 1 });
      expect(await app.leases.acquire("shared-again", "a", 5000)).toBe(true);
      expect(await other.leases.acquire("shared-again", "b", 5000)).toBe(false);
    } finally {
      await other.close();
    }
  }, 120_000);
});
