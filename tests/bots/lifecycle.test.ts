import { describe, expect, it } from "vitest";
import { makeTestApp } from "../helpers/app.js";
import { FakeClock } from "../helpers/clock.js";
import { tempSqliteUrl } from "../helpers/databases.js";
import { StaticPrices } from "../helpers/trading-world.js";

describe("start and close", () => {
  it("the price poller's lease is taken at start and released at close, so another process need not wait it out", async () => {
    const db = await tempSqliteUrl();
    const clock = new FakeClock(Date.now());
    const app = await makeTestApp({ clock, env: { DATABASE_URL: db, MARKET_SOURCE: "live", PRICE_POLL_MS: "250" }, market: { live: [new StaticPrices(clock)], replay: null } });
    await app.start();
    let held = false;
    for (let i = 0; i < 50 && !held; i++) {
      held = !(await app.repos.leases.acquire("price-poller", "another-process", 60_000));
      if (!held) await app.repos.leases.release("price-poller", "another-process");
      else break;
      await new Promise((r) => setTimeout(r, 50));
    }
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
