import { afterEach, describe, expect, it } from "vitest";
import { MemoryRateLimiterFactory } from "../../adapters/ratelimit/rate-limiters.js";
import type { IdentityChange, IdentityChangeLog } from "../../core/ports/identity.port.js";
import { IdentityChangeFeed } from "../../core/services/identity-changes.js";
import { IdentityService } from "../../core/services/identity.service.js";
import { repositories, type Db } from "../../db/index.js";
import { FakeClock } from "../helpers/clock.js";
import { sharedTestDatabases, type TestDb } from "../helpers/databases.js";

/** One process: an identity service whose cache hears the database's change log when `feed.poll()` runs. */
function processOn(d: Db, clock: FakeClock) {
  const repos = repositories(d, clock);
  const feed = new IdentityChangeFeed(repos.identityChanges, clock, { pollMs: 0 });
  const lookups: string[] = [];
  const users = Object.assign(Object.create(repos.users) as typeof repos.users, {
    findByIdentity: (platform: "telegram" | "discord", id: string) => {
      lookups.push(`${platform}:${id}`);
      return repos.users.findByIdentity(platform, id);
    },
  });
  const identity = new IdentityService({ users, linkCodes: repos.linkCodes, audit: repos.audit, clock, limiters: new MemoryRateLimiterFactory(), adminKeys: new Set(), invalidations: feed, cacheTtlMs: 15 * 60_000 });
  return { identity, feed, lookups, repos };
}

for (const target of sharedTestDatabases()) {
  describe.skipIf(target.skip)(`identity change log on ${target.name}${target.skip ? ` (skipped: ${target.skip})` : ""}`, () => {
    let t: TestDb | undefined;
    afterEach(async () => {
      await t?.cleanup();
      t = undefined;
    });

    it("a role change and a /link in one process reach another's cache through the database, without Redis", async () => {
      t = target.make();
      const clock = new FakeClock(1_700_000_000_000);
      const a = processOn(await t.open(), clock);
      const b = processOn(await t.open(), clock);
      const tg = await a.identity.resolve("telegram", "1", "ann");
      const dc = await a.identity.resolve("discord", "2", "ann");
      expect((await b.identity.resolve("telegram", "1", "ann")).isAdmin).toBe(false);
      await b.identity.resolve("discord", "2", "ann");
      await b.feed.poll(); // nothing yet
      b.lookups.length = 0;
      await a.identity.setRole(tg.user.id, "admin");
      clock.advance(400);
      expect((await b.identity.resolve("telegram", "1", "ann")).isAdmin).toBe(false); // cached, not read yet
      await b.feed.poll();
      expect((await b.identity.resolve("telegram", "1", "ann")).isAdmin).toBe(true);
      expect(b.lookups).toEqual(["telegram:1"]); // only that user was read again
      const { code } = await a.identity.issueLinkCode(tg.user.id);
      await a.identity.redeemLinkCode(dc, code);
      await b.feed.poll();
      const joined = await b.identity.resolve("discord", "2", "ann");
      expect(joined.user.id).toBe(tg.user.id);
      expect(joined.identities).toHaveLength(2);
      expect((await b.identity.resolve("telegram", "1", "ann")).identities).toHaveLength(2);
      // each change is told once: polling again reads nobody again
      b.lookups.length = 0;
      await b.feed.poll();
      await b.identity.resolve("discord", "2", "ann");
      await b.identity.resolve("telegram", "1", "ann");
      expect(b.lookups).toEqual([]);
    });

    it("a change stamped up to a minute behind (a slow commit, a clock behind) is still seen; rows leave the window", async () => {
      t = target.make();
      const clock = new FakeClock(1_700_000_000_000);
      const d = await t.open();
      const b = processOn(d, clock);
      const told: string[][] = [];
      b.feed.subscribe((ids) => told.push([...ids]));
      await b.repos.identityChanges.append(["u1"], clock.now() - 50_000);
      await b.feed.poll();
      expect(told).toEqual([["u1"]]);
      await b.repos.identityChanges.append(["u2", "u3"], clock.now() - 70_000); // outside the window
      await b.feed.poll();
      expect(told).toEqual([["u1"]]);
      clock.advance(30_000);
      await b.feed.poll(); // u1 has left the window: not told again either
      expect(told).toEqual([["u1"]]);
    });
  });
}

describe("identity change feed", () => {
  it("a read that fails is reported and the next one tells what it missed; reading stops with the last listener", async () => {
    const clock = new FakeClock(1_000_000);
    const rows: IdentityChange[] = [];
    let fail = false;
    const log: IdentityChangeLog = {
      append: async (ids, at) => void rows.push(...ids.map((userId, i) => ({ id: `${at}-${i}`, userId, at }))),
      since: async (since) => {
        if (fail) throw new Error("database gone");
        return rows.filter((r) => r.at >= since);
      },
    };
    const errors: unknown[] = [];
    const feed = new IdentityChangeFeed(log, clock, { pollMs: 0, onError: (e) => errors.push(e) });
    const told: string[][] = [];
    const off = feed.subscribe((ids) => told.push([...ids]));
    await feed.publish(["u1"]);
    fail = true;
    await feed.poll();
    expect(errors).toHaveLength(1);
    expect(told).toEqual([]);
    fail = false;
    await feed.poll();
    expect(told).toEqual([["u1"]]);
    off();
    await feed.publish(["u2"]);
    await feed.poll(); // no listener: nothing told
    expect(told).toEqual([["u1"]]);
  });
});
