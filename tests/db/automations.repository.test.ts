import type { Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Automation } from "../../core/domain/automation.js";
import { repositories, type Db, type Repositories } from "../../db/index.js";
import * as automationsMigration from "../../db/migrations/2026-12-06T1300-automations.js";
import * as automationRiskMigration from "../../db/migrations/2026-12-07T0900-automation-risk.js";
import { CorruptAutomationError } from "../../db/repositories/automation-codec.js";
import { KyselyAutomations } from "../../db/repositories/automations.repository.js";
import { automation, BONK, draft, firing, order, push, RULES } from "../helpers/automation-rows.js";
import { testDatabases, type TestDb } from "../helpers/databases.js";

const ids = (as: Automation[]) => as.map((a) => a.id);

for (const target of testDatabases()) {
  describe.skipIf(target.skip)(`the automation store on ${target.name}${target.skip ? ` (skipped: ${target.skip})` : ""}`, () => {
    let t: TestDb;
    let d: Db;
    let r: Repositories;
    beforeAll(async () => {
      t = target.make();
      d = await t.open();
      r = repositories(d);
    });
    afterAll(async () => t?.cleanup());

    it("a fresh database is migrated up to the automations tables, and the migration goes down and up again", async () => {
      const raw = d.db as unknown as Kysely<Record<string, Record<string, unknown>>>;
      const applied = await raw.selectFrom("kysely_migration").select("name").orderBy("name").execute();
      expect(applied.map((m) => m.name)).toContain("2026-12-06T1300-automations");
      await automationRiskMigration.down(raw);
      await automationsMigration.down(raw);
      await automationsMigration.up(raw);
      await automationRiskMigration.up(raw);
      await r.automations.create(automation("amigrate1", RULES.stop), null);
      expect((await r.automations.get("amigrate1"))?.rule).toEqual(RULES.stop);
    });

    it("stores a rule of every kind and reads it back as confirmed, amounts past 2^64 included", async () => {
      const all = Object.values(RULES).map((rule, i) => automation(`around00${i}`, rule, { userId: "u-round", createdAt: 2_000 + i, updatedAt: 2_000 + i }));
      for (const a of all) await r.automations.create(a, a.rule.kind === "dca" ? a.rule.startAt : null);
      for (const a of all) expect(await r.automations.get(a.id)).toEqual(a);
      expect(await r.automations.get("anothere0")).toBeUndefined();
    });

    it("lists a user's automations in the asked states, newest first; by state; and those changed since a time", async () => {
      await r.automations.create(draft("alist0001", "u-list", 10, "armed"), null);
      await r.automations.create(draft("alist0002", "u-list", 30, "paused"), null);
      await r.automations.create(draft("alist0003", "u-list", 20, "cancelled"), null);
      await r.automations.create(draft("alist0004", "u-list", 40, "proposed"), null);
      await r.automations.create(draft("alist0005", "u-other", 50, "armed"), null);
      expect(ids(await r.automations.byUser("u-list", ["armed", "paused", "cancelled"]))).toEqual(["alist0002", "alist0003", "alist0001"]);
      expect(ids(await r.automations.byUser("u-list", []))).toEqual([]);
      expect(ids(await r.automations.byState(["paused"]))).toEqual(["alist0002"]);
      expect(ids(await r.automations.changedSince(40))).toEqual(expect.arrayContaining(["alist0004", "alist0005"]));
      expect(ids(await r.automations.changedSince(40))).not.toContain("alist0002");
    });

    it("arms a draft once, only its owner's, and only while the user's active automations stay within the limit", async () => {
      await r.automations.create(draft("aarm00001", "u-arm", 1), null);
      await r.automations.create(draft("aarm00002", "u-arm", 2), null);
      await r.automations.create(draft("aarm00003", "u-arm", 3), null);
      await r.automations.create(draft("aarm00004", "u-arm", 4, "paused"), null);
      await r.automations.create(draft("aarm00005", "u-arm", 5, "done"), null);
      expect(await r.automations.arm("aarm00001", "u-intruder", 100, 20)).toBe("not_proposed");
      expect(await r.automations.arm("aarm00001", "u-arm", 100, 3)).toBe("armed");
      expect(await r.automations.arm("aarm00001", "u-arm", 101, 3)).toBe("not_proposed");
      expect(await r.automations.arm("aarm00002", "u-arm", 102, 3)).toBe("armed");
      // armed 2 + paused 1 = 3: the limit; done ones do not count.
      expect(await r.automations.arm("aarm00003", "u-arm", 103, 3)).toBe("over_limit");
      expect(await r.automations.get("aarm00003")).toMatchObject({ state: "proposed" });
      expect(await r.automations.get("aarm00002")).toMatchObject({ state: "armed", updatedAt: 102 });
    });

    it("changes state only from the expected states, one automation or all of a user's", async () => {
      await r.automations.create(draft("aset00001", "u-set", 1, "armed"), null);
      await r.automations.create(draft("aset00002", "u-set", 2, "armed"), null);
      await r.automations.create(draft("aset00003", "u-set", 3, "done"), null);
      expect(await r.automations.setState("aset00003", ["armed", "paused"], "cancelled", 10)).toBe(false);
      expect(await r.automations.setState("aset00001", ["armed"], "paused", 10)).toBe(true);
      expect(await r.automations.setState("aset00001", ["armed"], "paused", 11)).toBe(false);
      expect(await r.automations.setStateOfUser("u-set", ["armed"], "paused", 12)).toEqual(["aset00002"]);
      expect(await r.automations.setStateOfUser("u-set", ["paused"], "armed", 13)).toEqual(["aset00001", "aset00002"]);
      expect(ids(await r.automations.byUser("u-set", ["armed"]))).toEqual(["aset00002", "aset00001"]);
      expect(await r.automations.get("aset00003")).toMatchObject({ state: "done", updatedAt: 3 });
    });

    it("raises the high of the armed trailing stops on that token only, and never lowers it", async () => {
      // A token of this test's own: the other tests' automations are on SOL.
      const JUP = { mint: "JUPyiwrYJFskUPiHa7hkeR8VUtAeFoSYbKedZNsDvCN", symbol: "JUP", decimals: 6 };
      const trail = { ...RULES.trailing, token: JUP };
      await r.automations.create(automation("atrail001", trail, { high: 220 }), null);
      await r.automations.create(automation("atrail002", trail, { high: 240 }), null);
      await r.automations.create(automation("atrail003", trail, { high: 200, state: "paused" }), null);
      await r.automations.create(automation("atrail004", { ...RULES.trailing, token: BONK, refUsd: 0.00003 }), null);
      await r.automations.create(automation("atrail005", { ...RULES["take-profit"], token: JUP }), null);
      expect(await r.automations.raiseHigh(JUP.mint, 230, 50)).toEqual(["atrail001"]);
      expect(await r.automations.raiseHigh(JUP.mint, 225, 51)).toEqual([]);
      expect((await r.automations.get("atrail001"))?.high).toBe(230);
      expect((await r.automations.get("atrail002"))?.high).toBe(240);
      expect((await r.automations.get("atrail003"))?.high).toBe(200);
      expect((await r.automations.get("atrail004"))?.high).toBe(0.00003);
      expect((await r.automations.get("atrail005"))?.high).toBeNull();
    });

    it("hands out the armed DCAs that are due, earliest due first, up to the limit", async () => {
      const dca = (id: string, nextAt: number | null, state: Automation["state"] = "armed") =>
        r.automations.create(automation(id, RULES.dca, { userId: "u-dca", state }), nextAt);
      await dca("adca00001", 9_000_300);
      await dca("adca00002", 9_000_100);
      await dca("adca00003", 9_000_200);
      await dca("adca00004", 9_000_150, "paused");
      await dca("adca00005", 9_999_999);
      await dca("adca00006", null);
      const due = (await r.automations.dueDca(9_000_300, 10)).filter((a) => a.userId === "u-dca");
      expect(ids(due)).toEqual(["adca00002", "adca00003", "adca00001"]);
      expect(ids((await r.automations.dueDca(9_000_300, 1)).filter((a) => a.userId === "u-dca"))).toEqual(["adca00002"]);
    });

    it("claims a firing once, reads it back, and lists an automation's firings in order", async () => {
      expect(await r.automations.claimFiring(firing("afire0001", 2))).toBe(true);
      expect(await r.automations.claimFiring(firing("afire0001", 1, { priceUsd: null }))).toBe(true);
      expect(await r.automations.claimFiring(firing("afire0001", 1, { attempts: 9 }))).toBe(false);
      expect(await r.automations.getFiring("afire0001", 1)).toEqual(firing("afire0001", 1, { priceUsd: null }));
      expect((await r.automations.firingsOf("afire0001")).map((f) => f.n)).toEqual([1, 2]);
      expect(await r.automations.getFiring("afire0001", 3)).toBeUndefined();
    });

    it("takes a firing over only once its lease passed and only with the attempts count it saw", async () => {
      await r.automations.claimFiring(firing("atake0001", 1, { leaseUntil: 100 }));
      expect(await r.automations.takeFiring("atake0001", 1, 1, 99, 200)).toBe(false);
      expect(await r.automations.takeFiring("atake0001", 1, 2, 100, 200)).toBe(false);
      expect(await r.automations.takeFiring("atake0001", 1, 1, 100, 200)).toBe(true);
      expect(await r.automations.takeFiring("atake0001", 1, 1, 150, 300)).toBe(false);
      expect(await r.automations.getFiring("atake0001", 1)).toMatchObject({ leaseUntil: 200, updatedAt: 100 });
    });

    it("updates a running firing, but not one that has ended", async () => {
      await r.automations.claimFiring(firing("aupd00001", 1));
      await r.automations.updateFiring("aupd00001", 1, { orderId: "auto-o1", attempts: 2, leaseUntil: 70_000, nextTryAt: null }, 6_000);
      expect(await r.automations.getFiring("aupd00001", 1)).toMatchObject({ orderId: "auto-o1", attempts: 2, leaseUntil: 70_000, updatedAt: 6_000 });
      await r.automations.claimFiring(firing("aupd00001", 2, { status: "filled" }));
      await r.automations.updateFiring("aupd00001", 2, { reason: "late" }, 7_000);
      expect(await r.automations.getFiring("aupd00001", 2)).toMatchObject({ status: "filled", reason: null });
    });

    it("settles a firing with the automation's change and its pushes together, once", async () => {
      await r.automations.create(automation("asettle01", RULES.stop), null);
      await r.automations.claimFiring(firing("asettle01", 1));
      const settle = () => r.automations.settleFiring("asettle01", 1, 1, { status: "filled", orderId: "auto-o9" }, { state: "done", firings: 1 }, [push("auto:asettle01:1")], 8_000);
      expect(await settle()).toBe(true);
      expect(await settle()).toBe(false);
      expect(await r.automations.getFiring("asettle01", 1)).toMatchObject({ status: "filled", orderId: "auto-o9", updatedAt: 8_000 });
      expect(await r.automations.get("asettle01")).toMatchObject({ state: "done", firings: 1, updatedAt: 8_000 });
      const queued = await d.db.selectFrom("outbox").select(["dedupe_key", "state"]).where("dedupe_key", "like", "auto:asettle01:%").execute();
      expect(queued).toEqual([{ dedupe_key: "auto:asettle01:1", state: "pending" }]);
    });

    it("a settle that finds the firing already ended or with another attempts count writes nothing, pushes included", async () => {
      await r.automations.create(automation("astale001", RULES.stop), null);
      await r.automations.claimFiring(firing("astale001", 1, { attempts: 2 }));
      expect(await r.automations.settleFiring("astale001", 1, 1, { status: "failed", reason: "x" }, { state: "failed", firings: 1 }, [push("auto:astale001:1")], 9_000)).toBe(false);
      expect(await r.automations.getFiring("astale001", 1)).toMatchObject({ status: "running", reason: null });
      expect(await r.automations.get("astale001")).toMatchObject({ state: "armed", firings: 0 });
      expect(await d.db.selectFrom("outbox").select("id").where("dedupe_key", "=", "auto:astale001:1").execute()).toEqual([]);
    });

    it("a user's cancel or pause made while the firing ran stands; a fill still ends a paused one and counts", async () => {
      for (const id of ["auser0001", "auser0002", "auser0003"]) {
        await r.automations.create(automation(id, RULES.dca), 1);
        await r.automations.claimFiring(firing(id, 1));
      }
      await r.automations.setState("auser0001", ["armed"], "cancelled", 10);
      await r.automations.setState("auser0002", ["armed"], "paused", 10);
      await r.automations.setState("auser0003", ["armed"], "paused", 10);
      expect(await r.automations.settleFiring("auser0001", 1, 1, { status: "filled" }, { state: "done", firings: 1, nextAt: null }, [], 20)).toBe(true);
      expect(await r.automations.settleFiring("auser0002", 1, 1, { status: "filled" }, { state: "armed", firings: 1, nextAt: 30 }, [], 20)).toBe(true);
      expect(await r.automations.settleFiring("auser0003", 1, 1, { status: "filled" }, { state: "done", firings: 1, nextAt: null }, [], 20)).toBe(true);
      expect(await r.automations.get("auser0001")).toMatchObject({ state: "cancelled", firings: 1 });
      expect(await r.automations.get("auser0002")).toMatchObject({ state: "paused", firings: 1 });
      expect(await r.automations.get("auser0003")).toMatchObject({ state: "done", firings: 1 });
      const next = await d.db.selectFrom("automations").select(["id", "next_at"]).where("id", "in", ["auser0001", "auser0002"]).orderBy("id").execute();
      expect(next.map((n) => [n.id, n.next_at === null ? null : Number(n.next_at)])).toEqual([["auser0001", null], ["auser0002", 30]]);
    });

    it("finds running firings whose lease passed (wall clock) or whose retry is due (market clock), oldest first", async () => {
      const at = 50_000_000;
      await r.automations.claimFiring(firing("adue00001", 1, { createdAt: at + 3, leaseUntil: at }));
      await r.automations.claimFiring(firing("adue00002", 1, { createdAt: at + 1, leaseUntil: at + 999, nextTryAt: 700 }));
      await r.automations.claimFiring(firing("adue00003", 1, { createdAt: at + 2, leaseUntil: at + 999, nextTryAt: 701 }));
      await r.automations.claimFiring(firing("adue00004", 1, { createdAt: at, leaseUntil: at, status: "failed" }));
      const due = (await r.automations.firingsDue(at, 700, 50)).filter((f) => f.createdAt >= at);
      expect(due.map((f) => f.automationId)).toEqual(["adue00002", "adue00001"]);
    });

    it("counts a user's failures in a row, and a fill resets them", async () => {
      expect(await r.automations.streak("u-streak", true, 1)).toBe(1);
      expect(await r.automations.streak("u-streak", true, 2)).toBe(2);
      expect(await r.automations.streak("u-streak", false, 3)).toBe(0);
      expect(await r.automations.streak("u-streak", true, 4)).toBe(1);
      expect(await r.automations.streak("u-fresh", false, 5)).toBe(0);
    });

    it("an automation whose stored rule is corrupt fails its own read with a clear error and is skipped in listings", async () => {
      await r.automations.create(automation("acorrupt1", RULES.stop, { userId: "u-corrupt", createdAt: 1 }), null);
      await r.automations.create(automation("acorrupt2", RULES.stop, { userId: "u-corrupt", createdAt: 2 }), null);
      await d.db.updateTable("automations").set({ rule: '{"kind":"stop","token":' }).where("id", "=", "acorrupt1").execute();
      await expect(r.automations.get("acorrupt1")).rejects.toThrow(new CorruptAutomationError("acorrupt1", "not JSON"));
      const reported: string[] = [];
      const store = new KyselyAutomations(d.db, d.dialect, (err) => reported.push(err.message));
      expect(ids(await store.byUser("u-corrupt", ["armed"]))).toEqual(["acorrupt2"]);
      expect(reported).toEqual(["automation acorrupt1 has an unreadable rule: not JSON"]);
    });

    it("an order names the automation and firing that placed it; the user's own trades name none", async () => {
      await r.orders.create(order("o-auto-1", { automation: { id: "asettle01", firing: 3 } }));
      await r.orders.create(order("o-own-1"));
      expect((await r.orders.get("o-auto-1"))?.automation).toEqual({ id: "asettle01", firing: 3 });
      expect(await r.orders.get("o-own-1")).toEqual(order("o-own-1"));
      const listed = await r.orders.byUser("u1", 10);
      expect(Object.fromEntries(listed.map((o) => [o.id, o.automation ?? null]))).toEqual({ "o-auto-1": { id: "asettle01", firing: 3 }, "o-own-1": null });
    });
  });
}
