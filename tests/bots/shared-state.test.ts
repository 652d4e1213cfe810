import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { RedisIdentityInvalidations } from "../../adapters/redis/redis-identity-invalidations.js";
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

  it("a /link and a role change made in one process are seen by the other's next message (pub/sub eviction, not a TTL)", async () => {
    const db = await tempSqliteUrl();
    const prefix = `test-${randomBytes(4).toString("hex")}:`;
    const env = { REDIS_URL: url!, REDIS_PREFIX: prefix, DATABASE_URL: db };
    const a = await makeTestApp({ env });
    const b = await makeTestApp({ env });
    apps.push(a, b);
    // A listener on b's subscriber connection, registered after b's identity service: when it hears
    // an eviction, b's cache has already dropped the users (same message event, in order).
    const heard: string[][] = [];
    let wake: () => void = () => {};
    const probe = new RedisIdentityInvalidations(b.redis!.main, b.redis!.sub, `${prefix}identity`);
    const unsub = probe.subscribe((ids) => {
      heard.push([...ids]);
      wake();
    });
    await probe.ready();
    const next = () => new Promise<void>((r) => (wake = r));
    const tg = { platform: "telegram" as const, id: "111", name: "ann_tg" };
    const dc = { platform: "discord" as const, id: "222", name: "ann_dc" };
    const userOf = (t: string) => /User\s+(\w+)/.exec(t)?.[1];
    // b has both identities cached as two users; its clock never moves, so no TTL can expire them.
    const tgB = userOf((await b.say("/whoami", tg)).text);
    expect(userOf((await b.say("/whoami", dc)).text)).not.toBe(tgB);
    const code = /link code: (\w+)/.exec((await a.say("/link", tg)).text)![1]!;
    const linked = next();
    expect((await a.say(`/link ${code}`, dc)).text).toContain("Linked.");
    await linked;
    const dcWho = (await b.say("/whoami", dc)).text;
    expect(userOf(dcWho)).toBe(tgB);
    expect(dcWho).toMatch(/Linked\s+telegram:111/);
    const promoted = next();
    const owner = (await a.services.identity.resolve("telegram", "111", "ann_tg")).user.id;
    await a.services.identity.setRole(owner, "admin");
    await promoted;
    expect((await b.services.identity.resolve("discord", "222", "ann_dc")).isAdmin).toBe(true);
    expect(heard).toHaveLength(2);
    unsub();
  });
});

