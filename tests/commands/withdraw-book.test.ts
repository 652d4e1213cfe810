import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UserError } from "../../core/errors.js";
import type { Db } from "../../db/index.js";
import { testDatabases, type TestDb } from "../helpers/databases.js";
import { ADMIN, ALICE, ALICE_DISCORD, withdrawWorld, type WithdrawWorld } from "../helpers/address-book-world.js";

/*
 * Issue 19's address book through the whole app (router, /withdraw, the book, the outbox) on SQLite and
 * Postgres, with addresses checked by the real adapter on a LiteSVM-backed node. Time moves on a fake clock.
 */

const HOUR = 3_600_000;
const caught = async (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e);
const codeOf = (e: unknown) => (e instanceof UserError ? e.code : e);

for (const target of testDatabases()) {
  describe.skipIf(target.skip)(`withdrawal address book, ${target.name}${target.skip ? ` (skipped: ${target.skip})` : ""}`, () => {
    let t: TestDb;
    let db: Db;
    let w: WithdrawWorld;
    beforeEach(async () => {
      t = target.make();
      db = await t.open();
      w = await withdrawWorld(db);
    });
    afterEach(async () => {
      await w.close();
      await t.cleanup();
    });

    const book = () => w.app.services.addressBook!;

    it("an address added with a valid code is listed as not yet usable; usable() refuses it (saying when) until the delay has passed", async () => {
      const uid = await w.userOf(ALICE.id);
      w.tf.enable(uid, "111111");
      const cold = w.wallet().toBase58();
      const added = await w.app.say(`/withdraw add Cold ${cold} 111111`, ALICE);
      expect(added.text).toContain(`Added Cold: ${cold}`);
      expect(added.text).toContain("Usable from 2026-01-02 00:00 UTC (in 24h)");
      expect(w.tf.verified).toEqual([{ userId: uid, purpose: "address_add", ok: true }]);

      const list = await w.app.say("/withdraw addresses", ALICE);
      expect(list.text).toMatch(/Cold.*usable at 2026-01-02 00:00 UTC \(in 24h\)/);

      const young = await caught(book().usable(uid, "cold"));
      expect(codeOf(young)).toBe("withdraw_address_young");
      expect((young as Error).message).toContain("becomes usable at 2026-01-02 00:00 UTC (in 24h)");
      w.app.clock.advance(24 * HOUR - 60_000);
      expect((await caught(book().usable(uid, "COLD")) as Error).message).toContain("(in 1m)");
      w.app.clock.advance(60_000);
      expect(await book().usable(uid, "cold")).toMatchObject({ label: "Cold", address: cold });
      expect((await w.app.say("/withdraw addresses", ALICE)).text).toMatch(/Cold.*usable now/);

      const audit = (await w.app.repos.audit.recent(20)).map((e) => e.action);
      expect(audit).toContain("withdraw.address.added");
      expect(audit).toContain("withdraw.address.use.refused");
    });

    it("a wrong code is refused and nothing is added or announced; without 2FA the addition is refused with how to turn it on", async () => {
      const uid = await w.userOf(ALICE.id);
      const cold = w.wallet().toBase58();
      expect((await w.app.say(`/withdraw add cold ${cold} 111111`, ALICE)).text).toContain("Turn on 2FA first: /2fa setup");
      w.tf.enable(uid, "111111");
      expect((await w.app.say(`/withdraw add cold ${cold} 999999`, ALICE)).text).toContain("That code is not right.");
      expect(await book().list(uid)).toEqual([]);
      expect(await w.notices()).toEqual([]);
      const refused = (await w.app.repos.audit.recent(20, "withdraw.address.add.refused")).map((e) => e.detail?.code);
      expect(refused).toEqual(expect.arrayContaining(["withdraw_needs_2fa", "bad_args"]));
      // No audit entry carries the code itself.
      expect(JSON.stringify(await w.app.repos.audit.recent(50))).not.toContain("999999");
    });

    it("the addition is announced at once on every linked platform, once each, with one 'This wasn't me' bound to the owner", async () => {
      await w.link();
      const uid = await w.userOf(ALICE.id);
      expect(await w.userOf(ALICE_DISCORD.id, "discord")).toBe(uid);
      w.tf.enable(uid, "111111");
      const cold = w.wallet().toBase58();
      await w.app.say(`/withdraw add cold ${cold} 111111`, ALICE);
      const notices = await w.notices();
      expect(notices.map((n) => [n.platform, n.chatId])).toEqual(
        expect.arrayContaining([
          ["telegram", ALICE.id],
          ["discord", ALICE_DISCORD.id],
        ]),
      );
      expect(notices).toHaveLength(2);
      for (const n of notices) {
        expect(JSON.stringify(n.reply.blocks)).toContain(cold);
        expect(n.reply.buttons?.flat().map((b) => b.label)).toEqual(["This wasn't me"]);
      }
      const token = notices[0]!.reply.buttons![0]![0]!.action;
      expect(notices[1]!.reply.buttons![0]![0]!.action).toBe(token);

      // A stranger (who saw the message, say in a forwarded screenshot) cannot press it.
      const stranger = await w.app.press(token, { platform: "telegram", id: "3003" });
      expect(stranger.text).toContain("not your button");
      expect(await book().freezeState(uid)).toEqual({ frozen: false });

      // The owner presses it on Discord: everything freezes at once.
      const pressed = await w.app.press(token, ALICE_DISCORD);
      expect(pressed.text).toContain("Withdrawals frozen.");
      expect(await book().freezeState(uid)).toMatchObject({ frozen: true, by: "user" });
      w.app.clock.advance(48 * HOUR);
      expect(codeOf(await caught(book().usable(uid, "cold")))).toBe("withdraw_frozen");
      expect((await w.app.say("/withdraw addresses", ALICE)).text).toContain("Frozen:");
      // Nothing is added while frozen.
      expect((await w.app.say(`/withdraw add hot ${w.wallet().toBase58()} 111111`, ALICE)).text).toContain("Your withdrawals are frozen since 2026-01-01 00:00 UTC");
      const frozen = (await w.notices()).filter((n) => n.key.includes(":frozen"));
      expect(frozen.map((n) => n.platform).sort()).toEqual(["discord", "telegram"]);
      expect((await w.app.repos.audit.recent(20, "withdraw.freeze"))[0]?.userId).toBe(uid);
    });

    it("unfreezing needs a code and removes what was still waiting out its delay when the freeze began", async () => {
      const uid = await w.userOf(ALICE.id);
      w.tf.enable(uid, "111111", "222222", "333333");
      const [old, fresh] = [w.wallet().toBase58(), w.wallet().toBase58()];
      await book().add(uid, "old", old, "111111");
      w.app.clock.advance(25 * HOUR);
      await book().add(uid, "fresh", fresh, "222222");
      const token = (await w.notices()).find((n) => n.key.endsWith(":added") && JSON.stringify(n.reply).includes(fresh))!.reply.buttons![0]![0]!.action;
      expect((await w.app.press(token, ALICE)).text).toContain("Withdrawals frozen.");
      expect((await w.app.say("/withdraw unfreeze 999999", ALICE)).text).toContain("That code is not right.");
      expect((await book().freezeState(uid)).frozen).toBe(true);
      const un = await w.app.say("/withdraw unfreeze 333333", ALICE);
      expect(un.text).toContain("Withdrawals unfrozen.");
      expect(un.text).toContain("fresh");
      expect((await book().list(uid)).map((a) => a.label)).toEqual(["old"]);
      expect(await book().usable(uid, "old")).toMatchObject({ address: old });
      expect((await w.app.repos.audit.recent(20, "withdraw.unfreeze"))[0]?.detail).toMatchObject({ removed: [{ label: "fresh", address: fresh }] });
    });

    it("the global freeze is the admins' (audited), and stops every user's withdrawals until lifted", async () => {
      const uid = await w.userOf(ALICE.id);
      w.tf.enable(uid, "111111");
      await book().add(uid, "cold", w.wallet().toBase58(), "111111");
      w.app.clock.advance(24 * HOUR);
      expect((await w.app.say("/withdraw freeze", ALICE)).text).toContain("for admins only");
      expect((await w.app.say("/withdraw unfreeze all", ALICE)).text).toContain("for admins only");
      expect((await book().globalFreeze()).on).toBe(false);
      expect((await w.app.say("/withdraw freeze", ADMIN)).text).toContain("All withdrawals are frozen");
      const err = await caught(book().usable(uid, "cold"));
      expect(codeOf(err)).toBe("withdraw_frozen");
      expect((err as Error).message).toContain("frozen by the operator");
      expect((await w.app.say("/withdraw unfreeze all", ADMIN)).text).toContain("lifted");
      expect(await book().usable(uid, "cold")).toMatchObject({ label: "cold" });
      const admin = await w.userOf(ADMIN.id);
      const actions = (await w.app.repos.audit.recent(30)).filter((e) => e.action.startsWith("withdraw.global")).map((e) => [e.action, e.userId]);
      expect(actions).toEqual(expect.arrayContaining([["withdraw.global_freeze", admin], ["withdraw.global_unfreeze", admin]]));
      expect((await w.app.repos.audit.recent(30, "auth.refused")).length).toBeGreaterThanOrEqual(1);
    });

    it("remove needs no code, is audited and announced; the label is free again", async () => {
      const uid = await w.userOf(ALICE.id);
      w.tf.enable(uid, "111111", "222222");
      const cold = w.wallet().toBase58();
      await book().add(uid, "cold", cold, "111111");
      expect((await w.app.say("/withdraw remove COLD", ALICE)).text).toContain(`Removed cold: ${cold}`);
      expect(await book().list(uid)).toEqual([]);
      expect((await w.notices()).filter((n) => n.key.includes(":removed"))).toHaveLength(1);
      expect((await w.app.repos.audit.recent(10, "withdraw.address.removed"))[0]?.detail).toMatchObject({ label: "cold", address: cold });
      expect((await w.app.say("/withdraw remove cold", ALICE)).text).toContain("No address labelled cold");
      await book().add(uid, "cold", cold, "222222");
      expect((await book().list(uid)).map((a) => a.label)).toEqual(["cold"]);
    });
  });
}
