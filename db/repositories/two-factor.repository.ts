import { sql, type Kysely } from "kysely";
import type { RecoveryHash, StoredRecovery, TwoFactorRow, TwoFactorStore } from "../../core/ports/two-factor-store.port.js";
import type { Database } from "../schema.js";

const num = (v: number | string | null): number | undefined => (v === null ? undefined : Number(v));

/**
 * 2FA rows and recovery codes. Everything that must hold across processes is one conditional statement:
 * a time-step is accepted only if newer than the last (so two processes given the same code accept it
 * once), a recovery code is used only if unused, failures are counted (and the lock set) in place.
 */
export class KyselyTwoFactor implements TwoFactorStore {
  constructor(private readonly db: Kysely<Database>) {}

  async get(userId: string): Promise<TwoFactorRow | undefined> {
    const r = await this.db.selectFrom("two_factor").selectAll().where("user_id", "=", userId).executeTakeFirst();
    if (!r) return undefined;
    const row: TwoFactorRow = { userId: r.user_id, secretSealed: r.secret_sealed, state: r.state === "on" ? "on" : "pending", createdAt: Number(r.created_at), failCount: Number(r.fail_count) };
    const enabledAt = num(r.enabled_at);
    const lastCounter = num(r.last_counter);
    const failSince = num(r.fail_since);
    const lockedUntil = num(r.locked_until);
    return {
      ...row,
      ...(enabledAt !== undefined ? { enabledAt } : {}),
      ...(lastCounter !== undefined ? { lastCounter } : {}),
      ...(failSince !== undefined ? { failSince } : {}),
      ...(lockedUntil !== undefined ? { lockedUntil } : {}),
    };
  }

  async putPending(userId: string, secretSealed: string, now: number): Promise<boolean> {
    const r = await this.db
      .insertInto("two_factor")
      .values({ user_id: userId, secret_sealed: secretSealed, state: "pending", created_at: now, enabled_at: null, last_counter: null, fail_count: 0, fail_since: null, locked_until: null })
      .onConflict((oc) =>
        oc
          .column("user_id")
          .doUpdateSet({ secret_sealed: secretSealed, state: "pending", created_at: now, enabled_at: null, last_counter: null })
          .where("two_factor.state", "<>", "on"),
      )
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) === 1;
  }

  enable(userId: string, counter: number, recovery: RecoveryHash[], now: number): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const r = await trx
        .updateTable("two_factor")
        .set({ state: "on", enabled_at: now, last_counter: counter, fail_count: 0, fail_since: null, locked_until: null })
        .where("user_id", "=", userId)
        .where("state", "=", "pending")
        .where((eb) => eb.or([eb("last_counter", "is", null), eb("last_counter", "<", counter)]))
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) return false;
      await trx.deleteFrom("two_factor_recovery").where("user_id", "=", userId).execute();
      if (recovery.length) {
        await trx
          .insertInto("two_factor_recovery")
          .values(recovery.map((h, idx) => ({ user_id: userId, idx, salt: h.salt, hash: h.hash, used_at: null })))
          .execute();
      }
      return true;
    });
  }

  async acceptCounter(userId: string, counter: number): Promise<boolean> {
    const r = await this.db
      .updateTable("two_factor")
      .set({ last_counter: counter })
      .where("user_id", "=", userId)
      .where((eb) => eb.or([eb("last_counter", "is", null), eb("last_counter", "<", counter)]))
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async recordFailure(userId: string, now: number, opts: { windowMs: number; max: number; lockMs: number }): Promise<{ count: number; lockedUntil?: number }> {
    // SET expressions all read the row as it was: one statement counts, restarts a stale window and locks.
    const stale = sql<boolean>`(fail_since IS NULL OR fail_since < ${now - opts.windowMs})`;
    const count = sql<number>`(CASE WHEN ${stale} THEN 1 ELSE fail_count + 1 END)`;
    const r = await this.db
      .updateTable("two_factor")
      .set({
        fail_count: count,
        fail_since: sql<number>`(CASE WHEN ${stale} THEN ${now} ELSE fail_since END)`,
        locked_until: sql<number>`(CASE WHEN ${count} >= ${opts.max} THEN ${now + opts.lockMs} ELSE locked_until END)`,
      })
      .where("user_id", "=", userId)
      .returning(["fail_count", "locked_until"])
      .executeTakeFirst();
    if (!r) return { count: 0 };
    const lockedUntil = num(r.locked_until);
    return { count: Number(r.fail_count), ...(lockedUntil !== undefined && lockedUntil > now ? { lockedUntil } : {}) };
  }

  async clearFailures(userId: string): Promise<void> {
    await this.db.updateTable("two_factor").set({ fail_count: 0, fail_since: null, locked_until: null }).where("user_id", "=", userId).execute();
  }

  async recovery(userId: string): Promise<StoredRecovery[]> {
    const rows = await this.db.selectFrom("two_factor_recovery").selectAll().where("user_id", "=", userId).orderBy("idx").execute();
    return rows.map((r) => {
      const usedAt = num(r.used_at);
      return { idx: Number(r.idx), salt: r.salt, hash: r.hash, ...(usedAt !== undefined ? { usedAt } : {}) };
    });
  }

  async useRecovery(userId: string, idx: number, now: number): Promise<boolean> {
    const r = await this.db
      .updateTable("two_factor_recovery")
      .set({ used_at: now })
      .where("user_id", "=", userId)
      .where("idx", "=", idx)
      .where("used_at", "is", null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async remove(userId: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom("two_factor_recovery").where("user_id", "=", userId).execute();
      await trx.deleteFrom("two_factor").where("user_id", "=", userId).execute();
    });
  }
}
