import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repositories, type Db, type Repositories } from "../../db/index.js";
import { testDatabases, type TestDb } from "../helpers/databases.js";

for (const target of testDatabases()) {
  describe.skipIf(target.skip)(`repositories on ${target.name}${target.skip ? ` (skipped: ${target.skip})` : ""}`, () => {
    let t: TestDb;
    let d: Db;
    let r: Repositories;
    beforeAll(async () => {
      t = target.make();
      d = await t.open();
      r = repositories(d);
    });
    afterAll(async () => t?.cleanup());

    it("creates a user with its first identity, and finds it again", async () => {
      const a = await r.users.createWithIdentity({ platform: "telegram", platformUserId: "10", displayName: "ann", now: 1000 });
      const b = await r.users.findByIdentity("telegram", "10");
      expect(b?.user.id).toBe(a.user.id);
      expect(b?.user.createdAt).toBe(1000);
      expect(b?.identities).toHaveLength(1);
      expect(await r.users.findByIdentity("discord", "10")).toBeUndefined();
    });

    it("concurrent first messages from one identity create one user", async () => {
      const results = await Promise.all(
        Array.from({ length: 5 }, () =>
          r.users.createWithIdentity({ platform: "discord", platformUserId: "race", displayName: "r", now: 5 }),
        ),
      );
      expect(new Set(results.map((x) => x.user.id)).size).toBe(1);
    });

    it("merges identities into one user", async () => {
      const a = await r.users.createWithIdentity({ platform: "telegram", platformUserId: "m1", displayName: "a", now: 1 });
      const b = await r.users.createWithIdentity({ platform: "discord", platformUserId: "m2", displayName: "b", now: 2 });
      await r.users.merge(b.user.id, a.user.id, 3);
      const found = await r.users.findByIdentity("discord", "m2");
      expect(found?.user.id).toBe(a.user.id);
      expect(found?.identities.map((i) => i.platform).sort()).toEqual(["discord", "telegram"]);
    });

    it("claims an update once, takes over a stale claim, the retention job deletes old ones", async () => {
      expect(await r.updates.claim("telegram", "1", 100, 50)).toBe("claimed");
      expect(await r.updates.claim("telegram", "1", 120, 50)).toBe("duplicate");
      expect(await r.updates.claim("telegram", "1", 200, 50)).toBe("claimed"); // stale: its process died
      await r.updates.complete("telegram", "1", 201);
      expect(await r.updates.claim("telegram", "1", 10_000, 50)).toBe("duplicate"); // done stays done
      const both = await Promise.all([r.updates.claim("discord", "x", 1, 50), r.updates.claim("discord", "x", 1, 50)]);
      expect(both.sort()).toEqual(["claimed", "duplicate"]);
      expect((await r.retention.purgeBatch("processed_updates", 150, 1000)).rows).toBeGreaterThanOrEqual(1);
    });

    it("link codes are single-use and expire", async () => {
      await r.linkCodes.create({ codeHash: "h1", userId: "u1", now: 0, expiresAt: 100 });
      await r.linkCodes.create({ codeHash: "h2", userId: "u1", now: 0, expiresAt: 100 });
      expect(await r.linkCodes.owner("h1")).toBe("u1");
      const both = await Promise.all([r.linkCodes.consume("h1", "u2", 50), r.linkCodes.consume("h1", "u3", 50)]);
      expect(both.filter((x) => x.ok)).toHaveLength(1);
      expect(await r.linkCodes.consume("h2", "u2", 100)).toEqual({ ok: false, reason: "expired" });
      expect(await r.linkCodes.consume("nope", "u2", 1)).toEqual({ ok: false, reason: "unknown" });
    });

    it("action token groups are used once", async () => {
      const base = { groupId: "g", userId: "u", command: "c", action: "a", payload: { n: 1n.toString() }, expiresAt: 10, usedAt: null };
      await r.actionTokens.insert([{ ...base, token: "t1" }, { ...base, token: "t2", action: "b" }]);
      expect((await r.actionTokens.get("t2"))?.action).toBe("b");
      expect((await r.actionTokens.get("t1"))?.payload).toEqual({ n: "1" });
      const both = await Promise.all([r.actionTokens.consumeGroup("g", 5), r.actionTokens.consumeGroup("g", 5)]);
      expect(both.filter(Boolean)).toHaveLength(1);
      expect((await r.actionTokens.get("t2"))?.usedAt).toBe(5);
    });

    it("kv compare-and-set and leases hold one owner at a time", async () => {
      expect(await r.kv.get("k")).toBeUndefined();
      expect(await r.kv.compareAndSet("k", undefined, "1", 1)).toBe(true);
      expect(await r.kv.compareAndSet("k", undefined, "2", 1)).toBe(false);
      expect(await r.kv.compareAndSet("k", "1", "2", 2)).toBe(true);
      await r.kv.set("k", "3", 3);
      expect(await r.kv.get("k")).toBe("3");
      const both = await Promise.all([r.leases.acquire("poller", "a", 60_000), r.leases.acquire("poller", "b", 60_000)]);
      expect(both.filter(Boolean)).toHaveLength(1);
      const holder = both[0] ? "a" : "b";
      expect(await r.leases.acquire("poller", holder, 60_000)).toBe(true); // renew
      await r.leases.release("poller", holder);
      expect(await r.leases.acquire("poller", holder === "a" ? "b" : "a", 60_000)).toBe(true);
      expect(await r.leases.acquire("expiring", "a", -1)).toBe(true); // already expired
      expect(await r.leases.acquire("expiring", "b", 60_000)).toBe(true);
    });

    it("outbox: concurrent claimers split the rows; a renewed lease is not taken over; outcomes need the lease", async () => {
      const msg = (i: number) => ({ dedupeKey: `ob-${i}`, kind: "test", target: { platform: "telegram" as const, chatId: String(i) }, reply: { kind: "info" as const, blocks: [] } });
      for (let i = 0; i < 20; i++) expect(await r.outbox.enqueue(msg(i), 1000)).toBe(true);
      expect(await r.outbox.enqueue(msg(0), 1000)).toBe(false); // same dedupe key
      // Many rounds of three concurrent claimers: never more rows than asked, never a row twice.
      let now = 1000;
      for (let round = 0; round < 20; round++, now += 1000) {
        const got = await Promise.all(["x", "y", "z"].map((o) => r.outbox.claim(`${o}${round}`, now, 100, 8)));
        expect(got.map((g) => g.length <= 8)).toEqual([true, true, true]);
        const ids = got.flat().map((m) => m.id);
        expect([ids.length, new Set(ids).size]).toEqual([20, 20]);
      }
      const [a, b] = await Promise.all([r.outbox.claim("a", now, 100, 15), r.outbox.claim("b", now, 100, 15)]);
      expect([a.length + b.length, a.length > 0 && b.length > 0]).toEqual([20, true]);
      // a keeps its rows beyond the first lease; 150 ms later nobody else may claim them
      expect(await r.outbox.extend(a.map((m) => m.id), "a", now + 300)).toBe(a.length);
      expect(await r.outbox.extend(a.map((m) => m.id), "b", now + 9999)).toBe(0); // not b's to extend
      const c = await r.outbox.claim("c", now + 150, 100, 50);
      expect(c.map((m) => m.id).sort()).toEqual(b.map((m) => m.id).sort()); // b's lease ran out at +100
      expect(await r.outbox.markSent(a[0]!.id, "a", now + 160)).toBe(true);
      expect(await r.outbox.markSent(b[0]!.id, "b", now + 160)).toBe(false); // c holds it now
    });

    it("outbox: a claimer takes only its platforms' rows, and a push's delivered parts survive a takeover", async () => {
      const push = (key: string, platform: "telegram" | "discord") => ({ dedupeKey: key, kind: "test", target: { platform, chatId: "80351110224678912" }, reply: { kind: "info" as const, blocks: [] } });
      // Earlier in time than the other tests' rows, so only these two are due.
      await r.outbox.enqueue(push("plat-tg", "telegram"), 500);
      await r.outbox.enqueue(push("plat-dc", "discord"), 500);
      expect(await r.outbox.claim("none", 500, 100, 50, [])).toEqual([]); // no notifier yet: nothing taken
      const tg = await r.outbox.claim("tg", 500, 100, 50, ["telegram"]);
      expect(tg.map((m) => [m.dedupeKey, m.partsSent])).toEqual([["plat-tg", 0]]);
      await r.outbox.progress(tg[0]!.id, "someone-else", 5); // not the holder: ignored
      await r.outbox.progress(tg[0]!.id, "tg", 1);
      await r.outbox.progress(tg[0]!.id, "tg", 1);
      const takeover = await r.outbox.claim("tg2", 700, 100, 50, ["telegram"]); // tg's lease ran out
      expect(takeover.map((m) => [m.dedupeKey, m.partsSent])).toEqual([["plat-tg", 1]]);
      const dc = await r.outbox.claim("dc", 700, 100, 50, ["discord", "telegram"]);
      expect(dc.map((m) => m.dedupeKey)).toEqual(["plat-dc"]);
      for (const [m, owner] of [[takeover[0]!, "tg2"], [dc[0]!, "dc"]] as const) expect(await r.outbox.markSent(m.id, owner, 750)).toBe(true);
    });

    it("audit log records and lists newest first", async () => {
      await r.audit.record({ at: 1, action: "x.one", detail: { a: 1 } });
      await r.audit.record({ at: 2, action: "x.two", userId: "u", platform: "discord" });
      const rows = await r.audit.recent(10);
      expect(rows[0]?.action).toBe("x.two");
      expect((await r.audit.recent(10, "x.one"))[0]?.detail).toEqual({ a: 1 });
    });
  });
}
