import { afterEach, describe, expect, it } from "vitest";
import { MemoryRateLimiterFactory } from "../../adapters/ratelimit/rate-limiters.js";
import type { Platform } from "../../core/domain/identity.js";
import type { IdentityInvalidations } from "../../core/ports/identity.port.js";
import { IdentityService } from "../../core/services/identity.service.js";
import { createDatabase, migrate, repositories, type Db } from "../../db/index.js";
import { FakeClock } from "../helpers/clock.js";

let db: Db | undefined;
afterEach(async () => db?.close());

/** Pub/sub between services in one test, as Redis is between processes. */
function memoryBus(): IdentityInvalidations & { published: string[][] } {
  const listeners = new Set<(ids: readonly string[]) => void>();
  const published: string[][] = [];
  return {
    published,
    publish: async (ids) => {
      published.push([...ids]);
      for (const l of listeners) l(ids);
    },
    subscribe: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
}

/** An identity service over a real (in-memory) database, counting the lookups that reach it. */
async function service(cacheMax: number, extra: { invalidations?: IdentityInvalidations; cacheTtlMs?: number; shared?: Db } = {}) {
  if (!extra.shared) {
    db = createDatabase("sqlite::memory:");
    await migrate(db.db);
  }
  const clock = new FakeClock();
  const repos = repositories(extra.shared ?? db!, clock);
  const lookups: string[] = [];
  const users = Object.assign(Object.create(repos.users) as typeof repos.users, {
    findByIdentity: (platform: Platform, id: string) => {
      lookups.push(id);
      return repos.users.findByIdentity(platform, id);
    },
  });
  const identity = new IdentityService({ users, linkCodes: repos.linkCodes, audit: repos.audit, clock, limiters: new MemoryRateLimiterFactory(), adminKeys: new Set(), cacheMax, ...(extra.invalidations ? { invalidations: extra.invalidations } : {}), ...(extra.cacheTtlMs ? { cacheTtlMs: extra.cacheTtlMs } : {}) });
  return { identity, lookups, clock, repos };
}

describe("identity cache", () => {
  it("is a bounded LRU: a new sender evicts the least recently seen one, not everyone", async () => {
    const { identity, lookups } = await service(2);
    await identity.resolve("telegram", "a", "a");
    await identity.resolve("telegram", "b", "b");
    await identity.resolve("telegram", "a", "a"); // a is now the most recent
    await identity.resolve("telegram", "c", "c"); // evicts b only
    lookups.length = 0;
    await identity.resolve("telegram", "a", "a");
    expect(lookups).toEqual([]);
    await identity.resolve("telegram", "b", "b");
    expect(lookups).toEqual(["b"]);
  });

  it("a role change is seen on the next message, without waiting for the cache to expire", async () => {
    const { identity } = await service(100);
    const first = await identity.resolve("discord", "7", "dora");
    expect(first.isAdmin).toBe(false);
    await identity.setRole(first.user.id, "admin");
    expect((await identity.resolve("discord", "7", "dora")).isAdmin).toBe(true);
  });

  it("linking evicts the two users concerned and nobody else", async () => {
    const { identity, lookups } = await service(100);
    await identity.resolve("telegram", "bystander", "x");
    const tg = await identity.resolve("telegram", "1", "ann");
    const dc = await identity.resolve("discord", "2", "ann");
    const { code } = await identity.issueLinkCode(tg.user.id);
    await identity.redeemLinkCode(dc, code);
    lookups.length = 0;
    expect((await identity.resolve("discord", "2", "ann")).user.id).toBe(tg.user.id);
    expect((await identity.resolve("telegram", "1", "ann")).identities).toHaveLength(2);
    await identity.resolve("telegram", "bystander", "x");
    expect(lookups).toEqual(["2", "1"]);
  });

  it("an entry lives until evicted: an hour later the user is still not looked up again (no TTL)", async () => {
    const { identity, lookups, clock } = await service(100);
    await identity.resolve("telegram", "1", "ann");
    clock.advance(3_600_000);
    lookups.length = 0;
    await identity.resolve("telegram", "1", "ann");
    expect(lookups).toEqual([]);
  });

  it("never grows beyond its bound, however many distinct users write", async () => {
    const { identity, lookups } = await service(50);
    for (let i = 0; i < 300; i++) {
      await identity.resolve("telegram", `u${i}`, `u${i}`);
      expect(identity.cached).toBeLessThanOrEqual(50);
    }
    expect(identity.cached).toBe(50);
    lookups.length = 0;
    await identity.resolve("telegram", "u299", "u299"); // recent: cached
    await identity.resolve("telegram", "u0", "u0"); // long evicted
    expect(lookups).toEqual(["u0"]);
    // Evicting by user still works after the churn (the user index followed the LRU's evictions).
    const u = await identity.resolve("telegram", "u298", "u298");
    await identity.setRole(u.user.id, "admin");
    expect((await identity.resolve("telegram", "u298", "u298")).isAdmin).toBe(true);
  });

  it("a lookup that raced an eviction answers but is not cached (the next message reads again)", async () => {
    const { identity, lookups } = await service(100);
    const first = await identity.resolve("telegram", "1", "ann");
    identity.forgetUser(first.user.id);
    lookups.length = 0;
    const reading = identity.resolve("telegram", "1", "ann"); // its database read is under way...
    identity.forgetUser(first.user.id); // ...when a change elsewhere evicts the user
    await reading;
    await identity.resolve("telegram", "1", "ann");
    expect(lookups).toEqual(["1", "1"]);
  });

  it("with another process on the same database, a /link and a role change there are seen on the next message here", async () => {
    const bus = memoryBus();
    const a = await service(100, { invalidations: bus });
    const b = await service(100, { invalidations: bus, shared: db! });
    const tgB = await b.identity.resolve("telegram", "1", "ann");
    const dcB = await b.identity.resolve("discord", "2", "ann");
    expect(tgB.user.id).not.toBe(dcB.user.id);
    const tg = await a.identity.resolve("telegram", "1", "ann");
    const dc = await a.identity.resolve("discord", "2", "ann");
    const { code } = await a.identity.issueLinkCode(tg.user.id);
    await a.identity.redeemLinkCode(dc, code);
    expect(bus.published).toEqual([[dc.user.id, tg.user.id]]);
    expect((await b.identity.resolve("discord", "2", "ann")).user.id).toBe(tg.user.id);
    expect((await b.identity.resolve("telegram", "1", "ann")).identities).toHaveLength(2);
    await a.identity.setRole(tg.user.id, "admin");
    expect((await b.identity.resolve("discord", "2", "ann")).isAdmin).toBe(true);
  });

  it("with the multi-process safety-net TTL, an entry is read again once it is older than that", async () => {
    const { identity, lookups, clock } = await service(100, { cacheTtlMs: 60_000 });
    await identity.resolve("telegram", "1", "ann");
    lookups.length = 0;
    clock.advance(59_000);
    await identity.resolve("telegram", "1", "ann");
    expect(lookups).toEqual([]);
    clock.advance(2_000);
    await identity.resolve("telegram", "1", "ann");
    expect(lookups).toEqual(["1"]);
  });
});
