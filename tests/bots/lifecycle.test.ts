import { describe, expect, it } from "vitest";
import { makeTestApp } from "../helpers/app.js";
import { FakeClock } from "../helpers/clock.js";
import { until } from "../helpers/faults.js";
import { tempSqliteUrl } from "../helpers/databases.js";
import { StaticPrices } from "../helpers/trading-world.js";

describe("start and close", () => {
  it("the price poller's lease is taken at start and released at close, so another process need not wait it out", async () => {
    const db = await tempSqliteUrl();
    const clock = new FakeClock(Date.now());
    const app = await makeTestApp({ clock, env: { DATABASE_URL: db, MARKET_SOURCE: "live", PRICE_POLL_MS: "250" }, market: { live: [new StaticPrices(clock)], replay: null } });
    await app.start();
    // Held by the app once another owner cannot take it (waited for, not timed: start may be slow under load).
    let held = false;
    await until(async () => {
      held = !(await app.repos.leases.acquire("price-poller", "another-process", 60_000));
      if (!held) await app.repos.leases.release("price-poller", "another-process");
      return held;
    }, "the app to hold the price-poller lease");
    expect(held).toBe(true);
    await app.close();
    const other = await makeTestApp({ env: { DATABASE_URL: db } });
    try {
      expect(await other.repos.leases.acquire("price-poller", "another-process", 60_000)).toBe(true);
    } finally {
      await other.close();
    }
  });
});
