import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisCache } from "../../../adapters/redis/redis-cache.js";
import { RedisPriceBus } from "../../../adapters/redis/redis-price-bus.js";
import type { PriceTick } from "../../../core/domain/price.js";

const url = process.env.TEST_REDIS_URL;
const why = "TEST_REDIS_URL is not set (CI sets it to the local Redis)";

describe.skipIf(!url)(`redis cache and price bus${url ? "" : ` (skipped: ${why})`}`, () => {
  const conns: Redis[] = [];
  const open = () => {
    const r = new Redis(url!, { maxRetriesPerRequest: 1 });
    conns.push(r);
    return r;
  };
  const prefix = `test:${process.pid}:${Date.now()}:`;
  beforeAll(() => undefined);
  afterAll(async () => {
    await Promise.all(conns.map((c) => c.quit()));
  });

  it("caches JSON values with a TTL shared across connections", async () => {
    const a = new RedisCache(open(), prefix);
    const b = new RedisCache(open(), prefix);
    // Time is the subject: a TTL long enough that the read right after the write is inside it even on a
    // loaded machine, then a wait past it (a late wake-up only makes it more past).
    await a.set("k", { usd: 1.5, source: "jupiter" }, 2000);
    expect(await b.get("k")).toEqual({ usd: 1.5, source: "jupiter" });
    await new Promise((r) => setTimeout(r, 2100));
    expect(await b.get("k")).toBeUndefined();
  });

  it("fans price ticks out to subscribers in other processes, dropping garbage", async () => {
    const channel = `${prefix}ticks`;
    const publisher = new RedisPriceBus(open(), open(), channel);
    const subscriber = new RedisPriceBus(open(), open(), channel);
    const got: PriceTick[] = [];
    subscriber.subscribe((t) => got.push(...t));
    await subscriber.ready();
    const raw = open();
    await raw.publish(channel, "not json");
    await raw.publish(channel, JSON.stringify([{ bogus: true }]));
    const tick: PriceTick = { mint: "m", symbol: "SOL", usd: 150, source: "jupiter", at: 1 };
    await publisher.publish([tick]);
    for (const t0 = Date.now(); !got.length && Date.now() - t0 < 30_000; ) await new Promise((r) => setTimeout(r, 20)); // until heard
    expect(got).toEqual([tick]);
  });
});

describe.skipIf(!url)(`redis leases${url ? "" : " (skipped: TEST_REDIS_URL is not set)"}`, () => {
  it("one holder at a time; renewal by the holder; taken over after expiry; release only by the owner", async () => {
    const { RedisLeases } = await import("../../../adapters/redis/redis-leases.js");
    const r = new Redis(url!, { maxRetriesPerRequest: 1 });
    const leases = new RedisLeases(r, `test:lease:${process.pid}:${Date.now()}:`);
    // Long enough that the checks made while it is held all fall inside it on a loaded machine.
    const TTL = 2000;
    try {
      expect(await leases.acquire("poller", "a", TTL)).toBe(true);
      expect(await leases.acquire("poller", "b", TTL)).toBe(false);
      expect(await leases.acquire("poller", "a", TTL)).toBe(true);
      await leases.release("poller", "b"); // not b's to release
      expect(await leases.acquire("poller", "b", TTL)).toBe(false);
      await new Promise((res) => setTimeout(res, TTL + 100)); // past the TTL (lateness only adds to it)
      expect(await leases.acquire("poller", "b", TTL)).toBe(true);
      await leases.release("poller", "b");
      expect(await leases.acquire("poller", "a", TTL)).toBe(true);
    } finally {
      await r.quit();
    }
  });
});
