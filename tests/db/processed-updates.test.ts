import { afterEach, describe, expect, it } from "vitest";
import { buildApp, type App } from "../../bots/app.js";
import { silentLogger } from "../../core/ports/logger.port.js";
import type { InboundMessage } from "../../core/router/message.js";
import type { Db } from "../../db/index.js";
import {
  BatchedProcessedUpdates,
  commitBatchFor,
  type FlushTimer,
} from "../../db/repositories/processed-updates.repository.js";
import type { ClaimRow, CommitBatch, DoneRow } from "../../db/repositories/processed-updates.sql.js";
import { testConfig } from "../helpers/app.js";
import { sharedTestDatabases, type TestDb } from "../helpers/databases.js";

/** A flush timer that fires only when the test says so. */
function manualTimer() {
  const armed: Array<() => void> = [];
  const timer: FlushTimer = (fn) => {
    armed.push(fn);
    return () => armed.splice(armed.indexOf(fn) >>> 0, 1);
  };
  return { timer, fire: () => armed.splice(0).forEach((f) => f()), get armed() { return armed.length; } };
}

/** The real transaction of `d`, recorded: one entry per transaction committed. */
function recorded(d: Db) {
  const inner = commitBatchFor(d);
  const log: Array<{ claims: ClaimRow[]; done: DoneRow[] }> = [];
  const waiters: Array<() => void> = [];
  const commit: CommitBatch = async (claims, done) => {
    const won = await inner(claims, done);
    log.push({ claims: [...claims], done: [...done] });
    for (const w of waiters.splice(0)) w();
    return won;
  };
  /** Resolves when the next transaction has committed. */
  const next = () => new Promise<void>((r) => waiters.push(r));
  return { commit, log, next };
}

const state = async (d: Db, updateId: string) =>
  (await d.db.selectFrom("processed_updates").select(["state", "claimed_at"]).where("update_id", "=", updateId).executeTakeFirst()) ?? null;

const LEASE = 120_000;

for (const target of sharedTestDatabases()) {
  describe.skipIf(target.skip)(`dedupe group commit on ${target.name}${target.skip ? ` (skipped: ${target.skip})` : ""}`, () => {
    let t: TestDb | undefined;
    const apps: App[] = [];
    afterEach(async () => {
      await Promise.all(apps.splice(0).map((a) => a.close()));
      await t?.cleanup();
      t = undefined;
    });
    const open = async () => {
      t ??= target.make();
      return t.open();
    };

    it("marks never pile up when the timer does not run: a full set starts a flush at once, one flush at a time", async () => {
      const d = await open();
      const rec = recorded(d);
      const clock = manualTimer(); // never fired: as a process whose event loop never turns
      const u = new BatchedProcessedUpdates(rec.commit, { timer: clock.timer, maxPendingMarks: 8 });
      const ids = Array.from({ length: 40 }, (_, i) => `m${i}`);
      let most = 0;
      for (const id of ids) {
        expect(await u.claim("telegram", id, 1000, LEASE)).toBe("claimed");
        await u.complete("telegram", id, 2000);
        most = Math.max(most, u.pendingMarks);
      }
      // a flush takes the pending marks when it starts; marks arriving while one is in flight wait for it
      expect(most).toBeLessThan(16);
      const before = rec.log.filter((t) => t.done.length).length;
      expect(before).toBeGreaterThanOrEqual(3); // 40 marks: flushed 8 or so at a time, not all kept for a timer
      await u.flush(); // what is left (close does the same)
      const flushed = rec.log.flatMap((t) => t.done.map((m) => m.updateId));
      expect(flushed.sort()).toEqual([...ids].sort()); // each mark written once
      for (const id of ids) expect((await state(d, id))?.state).toBe("done");
      expect(clock.armed).toBeGreaterThan(0); // the timer was armed all along, never needed
    });

    it("a claim is written alone; done marks wait in memory and the flush writes them all in one transaction", async () => {
      const d = await open();
      const rec = recorded(d);
      const clock = manualTimer();
      const u = new BatchedProcessedUpdates(rec.commit, { timer: clock.timer });
      expect(await u.claim("telegram", "a", 1000, LEASE)).toBe("claimed");
      await u.complete("telegram", "a", 1001);
      expect(u.pendingMarks).toBe(1);
      expect((await state(d, "a"))?.state).toBe("claimed");
      expect(await u.claim("telegram", "b", 1002, LEASE)).toBe("claimed");
      await u.complete("telegram", "b", 1003);
      expect(await u.claim("telegram", "c", 1004, LEASE)).toBe("claimed");
      expect((await state(d, "a"))?.state).toBe("claimed"); // not yet: no claim carries a mark
      expect(u.pendingMarks).toBe(2);
      const flushed = rec.next();
      clock.fire();
      await flushed;
      expect(u.pendingMarks).toBe(0);
      expect((await state(d, "a"))?.state).toBe("done");
      expect((await state(d, "b"))?.state).toBe("done");
      expect((await state(d, "c"))?.state).toBe("claimed");
      expect(rec.log.map((x) => [x.claims.map((c) => c.updateId), x.done.map((m) => m.updateId)])).toEqual([
        [["a"], []],
        [["b"], []],
        [["c"], []],
        [[], ["a", "b"]],
      ]);
    });

    it("a flush of many marks (several statements' worth, two platforms) marks each update done at its own time, and no other", async () => {
      const d = await open();
      const u = new BatchedProcessedUpdates(commitBatchFor(d), { timer: manualTimer().timer });
      const ids = Array.from({ length: 64 + 16 + 4 + 3 + 64 }, (_, i) => ({ platform: i % 3 ? ("telegram" as const) : ("discord" as const), id: `m${i}` }));
      for (const [i, m] of ids.entries()) expect(await u.claim(m.platform, m.id, 10_000 + i, LEASE)).toBe("claimed");
      // the same ids on the other platform, claimed and never completed: untouched by the flush
      for (const m of ids.slice(0, 10)) expect(await u.claim(m.platform === "telegram" ? "discord" : "telegram", m.id, 10_000, LEASE)).toBe("claimed");
      for (const [i, m] of ids.entries()) if (i !== 5) await u.complete(m.platform, m.id, 20_000 + i);
      await u.flush();
      const rows = await d.db.selectFrom("processed_updates").select(["platform", "update_id", "state", "done_at"]).execute();
      expect(rows).toHaveLength(ids.length + 10);
      const of = new Map(rows.map((r) => [`${r.platform}:${r.update_id}`, r]));
      for (const [i, m] of ids.entries()) {
        const r = of.get(`${m.platform}:${m.id}`)!;
        if (i === 5) expect([r.state, r.done_at]).toEqual(["claimed", null]);
        else expect([r.state, Number(r.done_at)]).toEqual(["done", 20_000 + i]);
      }
      for (const m of ids.slice(0, 10)) expect(of.get(`${m.platform === "telegram" ? "discord" : "telegram"}:${m.id}`)?.state).toBe("claimed");
    });

    it("claims made together commit in one transaction; the same update twice in it: one claimed, one duplicate", async () => {
      const d = await open();
      const rec = recorded(d);
      const u = new BatchedProcessedUpdates(rec.commit, { timer: manualTimer().timer });
      const ids = ["g1", "g2", "g3", "g1"];
      const results = await Promise.all(ids.map((id) => u.claim("telegram", id, 5000, LEASE)));
      expect(results).toEqual(["claimed", "claimed", "claimed", "duplicate"]);
      expect(rec.log).toHaveLength(1);
    });

    it("an update completed here is a duplicate at once, before its done mark is written; after it, to every process", async () => {
      const d = await open();
      const other = new BatchedProcessedUpdates(commitBatchFor(await open()), { timer: manualTimer().timer });
      const u = new BatchedProcessedUpdates(commitBatchFor(d), { timer: manualTimer().timer });
      expect(await u.claim("discord", "c", 1000, 50)).toBe("claimed");
      await u.complete("discord", "c", 1001);
      expect(await u.claim("discord", "c", 999_999, 50)).toBe("duplicate");
      await u.flush();
      expect(await other.claim("discord", "c", 999_999, 50)).toBe("duplicate"); // done stays done, lease or not
    });

    it("the timer writes pending marks when no claim comes; close writes them too", async () => {
      const d = await open();
      const clock = manualTimer();
      const rec = recorded(d);
      const u = new BatchedProcessedUpdates(rec.commit, { timer: clock.timer });
      await u.claim("telegram", "t1", 1, LEASE);
      await u.complete("telegram", "t1", 2);
      expect(clock.armed).toBe(1);
      const flushed = rec.next();
      clock.fire();
      await flushed; // the timer's own transaction
      expect(rec.log.at(-1)).toEqual({ claims: [], done: [expect.objectContaining({ platform: "telegram", updateId: "t1", now: 2 })] });
      expect(u.pendingMarks).toBe(0);
      expect((await state(d, "t1"))?.state).toBe("done");
      await u.claim("telegram", "t2", 3, LEASE);
      await u.complete("telegram", "t2", 4);
      await u.close();
      expect((await state(d, "t2"))?.state).toBe("done");
    });

    it("a crash before the flush: a redelivery within the lease is a duplicate, after the lease it is taken over, once", async () => {
      const crashed = new BatchedProcessedUpdates(commitBatchFor(await open()), { timer: manualTimer().timer });
      expect(await crashed.claim("telegram", "k", 10_000, LEASE)).toBe("claimed");
      await crashed.complete("telegram", "k", 10_500); // never written: the process dies now
      const d = await open();
      const peer = new BatchedProcessedUpdates(commitBatchFor(d), { timer: manualTimer().timer });
      const peer2 = new BatchedProcessedUpdates(commitBatchFor(await open()), { timer: manualTimer().timer });
      expect(await peer.claim("telegram", "k", 10_000 + LEASE - 1, LEASE)).toBe("duplicate");
      const after = 10_000 + LEASE + 1;
      const both = await Promise.all([peer.claim("telegram", "k", after, LEASE), peer2.claim("telegram", "k", after, LEASE)]);
      expect(both.filter((r) => r === "claimed")).toHaveLength(1);
      expect(await state(d, "k")).toEqual({ state: "claimed", claimed_at: after });
    });

    it("a failed flush keeps its done marks for the next one; a failed claim fails", async () => {
      const d = await open();
      const inner = commitBatchFor(d);
      let failNext = true;
      const commit: CommitBatch = (claims, done) => {
        if (failNext) {
          failNext = false;
          return Promise.reject(new Error("database gone"));
        }
        return inner(claims, done);
      };
      const u = new BatchedProcessedUpdates(commit, { timer: manualTimer().timer });
      u["marks"].set("telegram\u0000f0", { platform: "telegram", updateId: "f0", now: 1 }); // a mark from before
      await expect(u.flush()).rejects.toThrow("database gone");
      expect(u.pendingMarks).toBe(1);
      failNext = true;
      await expect(u.claim("telegram", "f1", 2, LEASE)).rejects.toThrow("database gone");
      expect(await u.claim("telegram", "f1", 3, LEASE)).toBe("claimed");
      expect(u.pendingMarks).toBe(1);
      await u.flush();
      expect(u.pendingMarks).toBe(0);
      expect((await state(d, "f1"))?.state).toBe("claimed");
    });

    it("a lone claim: new -> claimed, again within the lease -> duplicate, done -> duplicate after the lease; a statement failing for any other reason is an error, never a duplicate", async () => {
      const d = await open();
      const commit = commitBatchFor(d);
      expect(await commit([{ platform: "telegram", updateId: "l1", now: 1000, leaseMs: LEASE }], [])).toEqual([true]);
      expect(await commit([{ platform: "telegram", updateId: "l1", now: 2000, leaseMs: LEASE }], [])).toEqual([false]);
      expect(await state(d, "l1")).toEqual({ state: "claimed", claimed_at: 1000 }); // the loser changed nothing
      await commit([], [{ platform: "telegram", updateId: "l1", now: 3000 }]);
      expect(await commit([{ platform: "telegram", updateId: "l1", now: 1000 + LEASE + 1, leaseMs: LEASE }], [])).toEqual([false]);
      expect((await state(d, "l1"))?.state).toBe("done");
      // the table gone (any failure but the update's own key): the claim fails loudly
      await d.db.schema.alterTable("processed_updates").renameTo("processed_updates_away").execute();
      try {
        await expect(commit([{ platform: "telegram", updateId: "l2", now: 5000, leaseMs: LEASE }], [])).rejects.toThrow();
      } finally {
        await d.db.schema.alterTable("processed_updates_away").renameTo("processed_updates").execute();
      }
      expect(await commit([{ platform: "telegram", updateId: "l2", now: 5000, leaseMs: LEASE }], [])).toEqual([true]);
    });

    it("a timed flush in flight does not hold claims back where batches run side by side (Postgres), and a failed one keeps its marks", async () => {
      const d = await open();
      const inner = commitBatchFor(d);
      expect(inner.concurrent === true).toBe(d.dialect === "postgres");
      // the marks' statement is held until the test lets it go (or fails it); claims go straight through
      let release: ((fail: boolean) => void) | undefined;
      const held = new Promise<boolean>((r) => (release = r));
      const seen: string[] = [];
      const commit: CommitBatch = async (claims, done) => {
        if (done.length && !claims.length && seen.push("marks") === 1 && (await held)) throw new Error("database gone");
        if (claims.length) seen.push(`claims ${claims.map((c) => c.updateId).join(",")}`);
        return inner(claims, done);
      };
      commit.concurrent = true;
      const clock = manualTimer();
      const u = new BatchedProcessedUpdates(commit, { timer: clock.timer });
      expect(await u.claim("telegram", "h1", 1, LEASE)).toBe("claimed");
      await u.complete("telegram", "h1", 2);
      clock.fire(); // the marks' flush starts and is held
      expect(seen).toEqual(["claims h1", "marks"]);
      expect(await u.claim("telegram", "h2", 3, LEASE)).toBe("claimed"); // not behind the held flush
      const flushed = u.flush(); // waits for the held one first
      release!(true); // ... which fails: its mark goes back, and flush() writes it
      await flushed;
      expect(u.pendingMarks).toBe(0);
      expect((await state(d, "h1"))?.state).toBe("done");
      expect(await u.claim("telegram", "h1", 999_999, 50)).toBe("duplicate");
      expect(seen.slice(0, 3)).toEqual(["claims h1", "marks", "claims h2"]);
    });

    it("where batches run side by side (Postgres) a lone claim is sent at once; claims meanwhile batch beside it; one update twice: one claimed", async () => {
      const d = await open();
      const rec = recorded(d);
      rec.commit.concurrent = true;
      const u = new BatchedProcessedUpdates(rec.commit, { timer: manualTimer().timer });
      const results = await Promise.all(["s1", "s2", "s3", "s1"].map((id) => u.claim("telegram", id, 7000, LEASE)));
      expect(results).toEqual(["claimed", "claimed", "claimed", "duplicate"]);
      const batches = rec.log.map((x) => x.claims.map((c) => c.updateId)).sort((a, b) => a.length - b.length);
      expect(batches).toEqual([["s1"], ["s2", "s3", "s1"]]);
      // nothing in flight again: the next lone claim goes alone too
      expect(await u.claim("telegram", "s4", 7001, LEASE)).toBe("claimed");
      expect(rec.log.at(-1)?.claims.map((c) => c.updateId)).toEqual(["s4"]);
      expect((await state(d, "s1"))?.state).toBe("claimed");
    });

    it("two app instances on one database, each handed every update: each update runs once", async () => {
      const [d1, d2] = [await open(), await open()];
      for (const d of [d1, d2]) apps.push(await buildApp(testConfig(), { log: silentLogger, db: d }));
      const [a, b] = apps as [App, App];
      const msg = (i: number): InboundMessage => ({
        platform: "telegram",
        updateId: `twice-${i}`,
        chat: { id: String(900 + (i % 7)), kind: "private" },
        sender: { id: String(900 + (i % 7)), name: "u" },
        text: "/whoami",
      });
      const replies = new Map<string, number>();
      const handle = (app: App, i: number) =>
        app.router.handle(msg(i), async () => void replies.set(`twice-${i}`, (replies.get(`twice-${i}`) ?? 0) + 1));
      const outcomes = await Promise.all(Array.from({ length: 60 }, (_, i) => [handle(a, i), handle(b, i)]).flat());
      expect(outcomes.filter((o) => o === "replied")).toHaveLength(60);
      expect(outcomes.filter((o) => o === "duplicate")).toHaveLength(60);
      expect([...replies.values()].every((n) => n === 1)).toBe(true);
      expect(replies.size).toBe(60);
      await Promise.all([a.repos.updates.flush(), b.repos.updates.flush()]);
      const rows = await d1.db.selectFrom("processed_updates").select("state").where("update_id", "like", "twice-%").execute();
      expect(rows.filter((r) => r.state === "done")).toHaveLength(60);
    });
  });
}

describe("dedupe on SQLite: a claim alone in its turn commits at once", () => {
  it("sequential messages: each claim commits synchronously on its own, a burst's later claims batch, marks go with the flush", async () => {
    const t = sharedTestDatabases()[0]!.make();
    try {
      const d = await t.open();
      const inner = commitBatchFor(d);
      const log: string[] = [];
      const commit: CommitBatch = Object.assign(
        async (claims: readonly ClaimRow[], done: readonly DoneRow[]) => {
          log.push(`async ${claims.length}/${done.length}`);
          return inner(claims, done);
        },
        {
          now: (claims: readonly ClaimRow[], done: readonly DoneRow[]) => {
            log.push(`now ${claims.length}/${done.length}`);
            return inner.now!(claims, done);
          },
        },
      );
      const u = new BatchedProcessedUpdates(commit, { timer: manualTimer().timer });
      expect(await u.claim("telegram", "s1", 1000, LEASE)).toBe("claimed");
      await u.complete("telegram", "s1", 1001);
      expect(await u.claim("telegram", "s2", 1002, LEASE)).toBe("claimed");
      expect(await state(d, "s1")).toEqual({ state: "claimed", claimed_at: 1000 }); // its mark is pending
      expect(await u.claim("telegram", "s1", 999_999, LEASE)).toBe("duplicate"); // done here, mark not written
      await u.complete("telegram", "s2", 1003);
      const burst = await Promise.all(["b1", "b2", "b3", "s2"].map((id) => u.claim("telegram", id, 2000, LEASE)));
      expect(burst).toEqual(["claimed", "claimed", "claimed", "duplicate"]);
      expect(log).toEqual(["now 1/0", "now 1/0", "now 1/0", "async 2/0"]); // b1 at once; b2, b3 together; s2 known done
      await u.flush();
      expect(log.slice(4)).toEqual(["async 0/2"]); // both marks in one transaction
      expect(await state(d, "s1")).toEqual({ state: "done", claimed_at: 1000 });
      expect(await state(d, "s2")).toEqual({ state: "done", claimed_at: 1002 });
      expect(await u.claim("telegram", "s1", 999_999, LEASE)).toBe("duplicate"); // done, written
      // a crashed claim within its lease stays a duplicate, after it is taken over
      const crashed = new BatchedProcessedUpdates(commitBatchFor(await t.open()), { timer: manualTimer().timer });
      expect(await crashed.claim("telegram", "k", 10_000, LEASE)).toBe("claimed");
      expect(await u.claim("telegram", "k", 10_000 + LEASE - 1, LEASE)).toBe("duplicate");
      expect(await u.claim("telegram", "k", 10_000 + LEASE + 1, LEASE)).toBe("claimed");
      expect(await u.claim("telegram", "k", 10_000 + LEASE + 2, LEASE)).toBe("duplicate");
      expect(await state(d, "k")).toEqual({ state: "claimed", claimed_at: 10_000 + LEASE + 1 });
      expect(log.slice(5)).toEqual(["now 1/0", "now 1/0", "now 1/0", "now 1/0"]);
    } finally {
      await t.cleanup();
    }
  });
});

describe("dedupe on SQLite beside Kysely's transactions", () => {
  it("a claim made while Kysely holds a transaction open waits for it, and survives its rollback", async () => {
    const t = sharedTestDatabases()[0]!.make();
    try {
      const d = await t.open();
      const u = new BatchedProcessedUpdates(commitBatchFor(d), { timer: manualTimer().timer });
      let claim: Promise<unknown> | undefined;
      const tx = d.db
        .transaction()
        .execute(async (trx) => {
          await trx.insertInto("kv").values({ key: "in-tx", value: "1", updated_at: 0 }).execute();
          claim = u.claim("telegram", "beside-tx", 1, LEASE);
          await new Promise((r) => setImmediate(r)); // the claim's batch runs while this transaction is open
          throw new Error("rolled back");
        })
        .catch((err: unknown) => err);
      expect(await tx).toMatchObject({ message: "rolled back" });
      expect(await claim).toBe("claimed");
      expect((await state(d, "beside-tx"))?.state).toBe("claimed");
      expect(await d.db.selectFrom("kv").select("key").where("key", "=", "in-tx").execute()).toEqual([]);
    } finally {
      await t.cleanup();
    }
  });
});
