import { afterEach, describe, expect, it } from "vitest";
import { repositories } from "../../db/index.js";
import { FakeClock } from "../helpers/clock.js";
import { sharedTestDatabases, type TestDb } from "../helpers/databases.js";

const opened: TestDb[] = [];
afterEach(async () => {
  for (const t of opened.splice(0)) await t.cleanup();
});

for (const t of sharedTestDatabases()) {
  describe.skipIf(t.skip)(`web sign-in links, sessions and API tokens are stored (${t.name})`, () => {
    it("a sign-in link raced by two connections is used exactly once", async () => {
      const tdb = t.make();
      opened.push(tdb);
      const a = repositories(await tdb.open(), new FakeClock()).webAuth;
      const b = repositories(await tdb.open(), new FakeClock()).webAuth;
      for (let i = 0; i < 20; i++) {
        await a.createLoginLink({ tokenHash: `h${i}`, userId: "u1", now: 1_000, expiresAt: 2_000 });
        const both = await Promise.all([a.consumeLoginLink(`h${i}`, 1_500), b.consumeLoginLink(`h${i}`, 1_500)]);
        expect(both.filter((r) => r.ok)).toHaveLength(1);
        expect(both.find((r) => !r.ok)).toEqual({ ok: false, reason: "used" });
      }
      await a.createLoginLink({ tokenHash: "late", userId: "u1", now: 1_000, expiresAt: 2_000 });
      expect(await a.consumeLoginLink("late", 2_000)).toEqual({ ok: false, reason: "expired" });
      expect(await a.consumeLoginLink("never", 1_000)).toEqual({ ok: false, reason: "unknown" });
    });

    it("sessions expire and are revoked per user; tokens read back with numbers, revoked only by their owner", async () => {
      const tdb = t.make();
      opened.push(tdb);
      const r = repositories(await tdb.open(), new FakeClock()).webAuth;
      await r.createSession({ idHash: "s1", userId: "u1", now: 1_000, expiresAt: 10_000 });
      await r.createSession({ idHash: "s2", userId: "u1", now: 1_000, expiresAt: 10_000 });
      await r.createSession({ idHash: "s3", userId: "u2", now: 1_000, expiresAt: 10_000 });
      expect(await r.findSession("s1", 5_000)).toEqual({ userId: "u1", createdAt: 1_000, expiresAt: 10_000, lastSeenAt: 1_000 });
      expect(await r.findSession("s1", 10_000)).toBeUndefined();
      expect(await r.revokeSessions("u1", 5_000)).toBe(2);
      expect(await r.findSession("s2", 5_000)).toBeUndefined();
      expect(await r.findSession("s3", 5_000)).toBeDefined();

      await r.createApiToken({ id: "abc", userId: "u1", tokenHash: "th", scope: "read", label: "x", createdAt: 1_000 });
      expect(await r.revokeApiToken("u2", "abc", 2_000)).toBe(false);
      await r.touchApiToken("abc", 1_500);
      expect(await r.findApiToken("abc")).toEqual({ id: "abc", userId: "u1", tokenHash: "th", scope: "read", label: "x", createdAt: 1_000, lastUsedAt: 1_500, revokedAt: null });
      expect(await r.revokeApiToken("u1", "abc", 2_000)).toBe(true);
      expect(await r.revokeApiToken("u1", "abc", 2_000)).toBe(false);
      expect((await r.listApiTokens("u1"))[0]!.revokedAt).toBe(2_000);
    });
  });
}
