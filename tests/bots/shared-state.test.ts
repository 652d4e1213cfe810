import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { makeTestApp, type TestApp } from "../helpers/app.js";
import { tempSqliteUrl } from "../helpers/databases.js";

const url = process.env.TEST_REDIS_URL;
const apps: TestApp[] = [];
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
});

describe.skipIf(!url)(`two processes sharing Redis${url ? "" : " (skipped: TEST_REDIS_URL is not set)"}`, () => {
  it("the per-user rate limit holds across processes, and leases have one holder", async () => {
    const db = await tempSqliteUrl();
    const prefix = `test-${randomBytes(4).toString("hex")}:`;
    const env = { REDIS_URL: url!, REDIS_PREFIX: prefix, DATABASE_URL: db, USER_RATE_LIMIT_PER_MIN: "3" };
    const a = await makeTestApp({ env });
    const b = await makeTestApp({ env });
    apps.push(a, b);
    const who = { id: `rl-${Date.now()}` };
    const outcomes = [await a.say("/start", who), await b.say("/start", who), await a.say("/start", who), await b.say("/start", who)];
    expect(outcomes.map((o) => o.outcome)).toEqual(["replied", "replied", "replied", "error"]);
    expect(outcomes[3]!.text).toMatch(/too fast/);
    const name = `test-singleton-${Date.now()}`;
    const got = await Promise.all([a.leases.acquire(name, "a", 5000), b.leases.acquire(name, "b", 5000)]);
    expect(got.filter(Boolean)).toHaveLength(1);
    await a.leases.release(name, got[0] ? "a" : "b");
  });

  it("REDIS_PREFIX separates deployments sharing one Redis: limits and leases are not shared", async () => {
    const db = await tempSqliteUrl();
    const env = (p: string) => ({ REDIS_URL: url!, REDIS_PREFIX: p, DATABASE_URL: db, USER_RATE_LIMIT_PER_MIN: "1" });
    const [p1, p2] = [`test-${randomBytes(4).toString("hex")}:`, `test-${randomBytes(4).toString("hex")}:`];
    const a = await makeTestApp({ env: env(p1) });
    const b = await makeTestApp({ env: env(p2) });
    apps.push(a, b);
    const who = { id: "same-user" };
    expect((await a.say("/start", who)).outcome).toBe("replied");
    expect((await a.say("/start", who)).outcome).toBe("error"); // a's limit of 1 a minute
    expect((await b.say("/start", who)).outcome).toBe("replied"); // b's own budget
    expect(await a.leases.acquire("poller", "a", 5000)).toBe(true);
    expect(await b.leases.acquire("poller", "b", 5000)).toBe(true); // its own lease
    const keys = await a.redis!.main.keys(`${p1}*`);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.every((k) => k.startsWith(p1))).toBe(true);
    await a.leases.release("poller", "a");
    await b.leases.release("poller", "b");
  });
});
