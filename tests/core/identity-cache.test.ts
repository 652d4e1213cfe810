import { afterEach, describe, expect, it } from "vitest";
import { MemoryRateLimiterFactory } from "../../adapters/ratelimit/rate-limiters.js";
import type { Platform } from "../../core/domain/identity.js";
import { IdentityService } from "../../core/services/identity.service.js";
import { createDatabase, migrate, repositories, type Db } from "../../db/index.js";
import { FakeClock } from "../helpers/clock.js";

let db: Db | undefined;
afterEach(async () => db?.close());

/** An identity service over a real (in-memory) database, counting the lookups that reach it. */
async function service(cacheMax: number) {
  db = createDatabase("sqlite::memory:");
  await migrate(db.db);
  const clock = new FakeClock();
  const repos = repositories(db, clock);
  const lookups: string[] = [];
  const users = Object.assign(Object.create(repos.users) as typeof repos.users, {
    findByIdentity: (platform: Platform, id: string) => {
      lookups.push(id);
      return repos.users.findByIdentity(platform, id);
    },
  });
  const identity = new IdentityService({ users, linkCodes: repos.linkCodes, audit: repos.audit, clock, limiters: new MemoryRateLimiterFactory(), adminKeys: new Set(), cacheMax });
  return { identity, lookups, clock };
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
});
