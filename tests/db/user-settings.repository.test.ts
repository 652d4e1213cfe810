import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_USER_SETTINGS } from "../../core/domain/user-settings.js";
import { silentLogger } from "../../core/ports/logger.port.js";
import { SettingsService } from "../../core/services/settings.service.js";
import { repositories } from "../../db/index.js";
import { FakeClock } from "../helpers/clock.js";
import { testDatabases, type TestDb } from "../helpers/databases.js";

const opened: TestDb[] = [];
afterEach(async () => {
  for (const t of opened.splice(0)) await t.cleanup();
});

for (const t of testDatabases()) {
  describe.skipIf(t.skip)(`user settings are stored per user (${t.name})`, () => {
    async function repos() {
      const tdb = t.make();
      opened.push(tdb);
      const db = await tdb.open();
      return { db, repos: repositories(db, new FakeClock()) };
    }

    it("a user who never set anything has no row; what they set is read back exactly", async () => {
      const { repos: r } = await repos();
      expect(await r.userSettings.get("u1")).toBeUndefined();
      await r.userSettings.put("u1", { slippageBps: 40, quietHours: { start: "22:00", end: "07:00", tz: "Europe/Berlin" } }, 1_000);
      await r.userSettings.put("u2", { payToken: "USDC" }, 1_000);
      expect(await r.userSettings.get("u1")).toEqual({ slippageBps: 40, quietHours: { start: "22:00", end: "07:00", tz: "Europe/Berlin" } });
      expect(await r.userSettings.get("u2")).toEqual({ payToken: "USDC" });
    });

    it("put replaces the user's settings and records when", async () => {
      const { db, repos: r } = await repos();
      await r.userSettings.put("u1", { slippageBps: 40, payToken: "USDC" }, 1_000);
      await r.userSettings.put("u1", { priorityFee: "high" }, 2_000);
      expect(await r.userSettings.get("u1")).toEqual({ priorityFee: "high" });
      const row = await db.db.selectFrom("user_settings").selectAll().where("user_id", "=", "u1").executeTakeFirstOrThrow();
      expect(Number(row.updated_at)).toBe(2_000);
    });

    it("a row that is not valid JSON reads as nothing set, and the user gets the defaults", async () => {
      const { db, repos: r } = await repos();
      await db.db.insertInto("user_settings").values({ user_id: "u1", settings: "{not json", updated_at: 1 }).execute();
      expect(await r.userSettings.get("u1")).toEqual({});
      const s = new SettingsService({ store: r.userSettings, caps: { maxSlippageBps: 100, maxTradeUsd: 1000, maxPriorityFee: "high" }, clock: new FakeClock(), log: silentLogger });
      expect(await s.get("u1")).toEqual(DEFAULT_USER_SETTINGS);
      // A change over it stores a clean row.
      await s.update("u1", { slippageBps: 30 });
      expect(await r.userSettings.get("u1")).toEqual({ slippageBps: 30 });
    });
  });
}
