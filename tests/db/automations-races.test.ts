import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repositories, type Db, type Repositories } from "../../db/index.js";
import { automation, draft, firing, push, RULES } from "../helpers/automation-rows.js";
import { sharedTestDatabases, type TestDb } from "../helpers/databases.js";

const ROUNDS = 8;
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

// Two processes sharing one database: each `open()` is its own connection (pool) to the same data.
for (const target of sharedTestDatabases()) {
  describe.skipIf(target.skip)(`automations raced by two processes on ${target.name}${target.skip ? ` (skipped: ${target.skip})` : ""}`, () => {
    let t: TestDb;
    let dbs: Db[];
    let a: Repositories;
    let b: Repositories;
    beforeAll(async () => {
      t = target.make();
      dbs = [await t.open(), await t.open()];
      a = repositories(dbs[0]!);
      b = repositories(dbs[1]!);
    });
    afterAll(async () => t?.cleanup());

    it("two workers claiming the same firing at once: exactly one gets it", async () => {
      for (const i of range(ROUNDS)) {
        const f = firing(`aclaim${String(i).padStart(3, "0")}`, 1);
        const won = await Promise.all([a.automations.claimFiring(f), b.automations.claimFiring({ ...f, leaseUntil: 99 })]);
        expect(won.filter(Boolean)).toHaveLength(1);
      }
    });

    it("two Confirms at the limit at once: exactly one draft is armed, the other is over the limit", async () => {
      for (const i of range(ROUNDS)) {
        const user = `u-race-${i}`;
        const [x, y] = [`ax${String(i).padStart(7, "0")}`, `ay${String(i).padStart(7, "0")}`];
        await a.automations.create(draft(`az${String(i).padStart(7, "0")}`, user, 1, "armed"), null);
        await a.automations.create(draft(x, user, 2), null);
        await a.automations.create(draft(y, user, 3), null);
        const got = await Promise.all([a.automations.arm(x, user, 10, 2), b.automations.arm(y, user, 10, 2)]);
        expect(got.sort()).toEqual(["armed", "over_limit"]);
        expect(await a.automations.byUser(user, ["armed", "paused"])).toHaveLength(2);
      }
    });

    it("a firing settled by two workers at once is settled once, with one push", async () => {
      for (const i of range(ROUNDS)) {
        const id = `asett${String(i).padStart(4, "0")}`;
        await a.automations.create(automation(id, RULES.stop), null);
        await a.automations.claimFiring(firing(id, 1));
        const settle = (r: Repositories, orderId: string) =>
          r.automations.settleFiring(id, 1, 1, { status: "filled", orderId }, { state: "done", firings: 1 }, [push(`auto:${id}:1:${orderId}`)], 500);
        const won = await Promise.all([settle(a, "by-a"), settle(b, "by-b")]);
        expect(won.filter(Boolean)).toHaveLength(1);
        const winner = won[0] ? "by-a" : "by-b";
        expect(await a.automations.getFiring(id, 1)).toMatchObject({ status: "filled", orderId: winner });
        const pushes = await dbs[0]!.db.selectFrom("outbox").select("dedupe_key").where("dedupe_key", "like", `auto:${id}:%`).execute();
        expect(pushes).toEqual([{ dedupe_key: `auto:${id}:1:${winner}` }]);
      }
    });

    it("a fill settling while the user cancels: the automation ends up as whichever came first says", async () => {
      for (const i of range(ROUNDS)) {
        const id = `acanc${String(i).padStart(4, "0")}`;
        await a.automations.create(automation(id, RULES.stop), null);
        await a.automations.claimFiring(firing(id, 1));
        const [settled, cancelled] = await Promise.all([
          a.automations.settleFiring(id, 1, 1, { status: "filled" }, { state: "done", firings: 1 }, [], 600),
          b.automations.setState(id, ["armed", "paused"], "cancelled", 600),
        ]);
        expect(settled).toBe(true);
        expect(await a.automations.get(id)).toMatchObject({ state: cancelled ? "cancelled" : "done", firings: 1 });
      }
    });

    it("two workers taking over the same expired firing at once: exactly one does", async () => {
      for (const i of range(ROUNDS)) {
        const id = `atake${String(i).padStart(4, "0")}`;
        await a.automations.claimFiring(firing(id, 1, { leaseUntil: 100 }));
        const won = await Promise.all([a.automations.takeFiring(id, 1, 1, 200, 1_000), b.automations.takeFiring(id, 1, 1, 200, 2_000)]);
        expect(won.filter(Boolean)).toHaveLength(1);
      }
    });

    it("failures recorded at once by two workers each see their own count", async () => {
      const seen = await Promise.all(range(10).map((i) => (i % 2 ? a : b).automations.streak("u-race-streak", true, i)));
      expect(seen.sort((x, y) => x - y)).toEqual(range(10).map((i) => i + 1));
    });
  });
}
