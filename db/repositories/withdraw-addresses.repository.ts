import type { Kysely, Selectable, Transaction } from "kysely";
import { labelKey } from "../../core/domain/withdraw-address.js";
import type { AddressBookStore, AddressInsert, UserFreeze } from "../../core/ports/address-book.port.js";
import type { NewOutboxMessage } from "../../core/ports/alerts.port.js";
import type { WithdrawAddress } from "../../core/ports/withdrawals.port.js";
import type { DialectName } from "../database.js";
import type { Database } from "../schema.js";
import type { WithdrawAddressesTable } from "../tables/withdraw-addresses.table.js";
import { insertOutbox } from "./outbox.repository.js";

const toAddress = (r: Selectable<WithdrawAddressesTable>): WithdrawAddress => ({
  id: r.id,
  userId: r.user_id,
  label: r.label,
  address: r.address,
  addedAt: Number(r.added_at),
  usableAt: Number(r.usable_at),
  ...(r.warning ? { warning: r.warning } : {}),
});

const announce = async (trx: Transaction<Database>, rows: readonly NewOutboxMessage[], now: number) => {
  for (const m of rows) await insertOutbox(trx, m, now);
};

/**
 * The withdrawal address book and the users' own freezes. Every change is written in one transaction
 * with its announcement's outbox rows: nothing changes unannounced, and an announcement never tells of
 * a change that did not happen.
 */
export class KyselyAddressBook implements AddressBookStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: DialectName,
  ) {}

  async insert(a: WithdrawAddress, max: number, notices: readonly NewOutboxMessage[], now: number): Promise<AddressInsert> {
    return this.db.transaction().execute(async (trx) => {
      // One addition per user at a time (Postgres: the user's row locked; SQLite has one writer), so
      // simultaneous additions cannot pass the limit together.
      await trx.selectFrom("users").select("id").where("id", "=", a.userId).$if(this.dialect === "postgres", (q) => q.forUpdate()).execute();
      const taken = await trx.selectFrom("withdraw_addresses").select("id").where("user_id", "=", a.userId).where("label_key", "=", labelKey(a.label)).executeTakeFirst();
      if (taken) return { kind: "exists" } as const;
      const { n } = await trx.selectFrom("withdraw_addresses").select((eb) => eb.fn.countAll<number | string>().as("n")).where("user_id", "=", a.userId).executeTakeFirstOrThrow();
      if (Number(n) >= max) return { kind: "full" } as const;
      // Two additions of one label at once: the unique index keeps one, the other finds nothing inserted.
      const r = await trx
        .insertInto("withdraw_addresses")
        .values({
          id: a.id,
          user_id: a.userId,
          label: a.label,
          label_key: labelKey(a.label),
          address: a.address,
          added_at: a.addedAt,
          usable_at: a.usableAt,
          warning: a.warning ?? null,
        })
        .onConflict((oc) => oc.columns(["user_id", "label_key"]).doNothing())
        .executeTakeFirst();
      if (Number(r.numInsertedOrUpdatedRows ?? 0n) !== 1) return { kind: "exists" } as const;
      await announce(trx, notices, now);
      return { kind: "ok" } as const;
    });
  }

  async list(userId: string): Promise<WithdrawAddress[]> {
    const rows = await this.db.selectFrom("withdraw_addresses").selectAll().where("user_id", "=", userId).orderBy("added_at").orderBy("label_key").execute();
    return rows.map(toAddress);
  }

  async find(userId: string, label: string): Promise<WithdrawAddress | undefined> {
    const r = await this.db.selectFrom("withdraw_addresses").selectAll().where("user_id", "=", userId).where("label_key", "=", labelKey(label)).executeTakeFirst();
    return r ? toAddress(r) : undefined;
  }

  async remove(userId: string, ids: readonly string[], notices: readonly NewOutboxMessage[], now: number): Promise<number> {
    if (!ids.length) return 0;
    return this.db.transaction().execute(async (trx) => {
      const r = await trx.deleteFrom("withdraw_addresses").where("user_id", "=", userId).where("id", "in", [...ids]).executeTakeFirst();
      const n = Number(r.numDeletedRows);
      if (n) await announce(trx, notices, now);
      return n;
    });
  }

  async freeze(userId: string, f: UserFreeze, notices: readonly NewOutboxMessage[], now: number): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const r = await trx
        .insertInto("withdraw_freezes")
        .values({ user_id: userId, reason: f.reason, frozen_at: f.at })
        .onConflict((oc) => oc.column("user_id").doNothing())
        .executeTakeFirst();
      const fresh = Number(r.numInsertedOrUpdatedRows ?? 0n) === 1;
      if (fresh) await announce(trx, notices, now);
      return fresh;
    });
  }

  async freezeOf(userId: string): Promise<UserFreeze | undefined> {
    const r = await this.db.selectFrom("withdraw_freezes").selectAll().where("user_id", "=", userId).executeTakeFirst();
    return r ? { at: Number(r.frozen_at), reason: r.reason } : undefined;
  }

  async unfreeze(userId: string, removeIds: readonly string[], notices: readonly NewOutboxMessage[], now: number): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const r = await trx.deleteFrom("withdraw_freezes").where("user_id", "=", userId).executeTakeFirst();
      if (Number(r.numDeletedRows) !== 1) return false;
      if (removeIds.length) await trx.deleteFrom("withdraw_addresses").where("user_id", "=", userId).where("id", "in", [...removeIds]).execute();
      await announce(trx, notices, now);
      return true;
    });
  }
}
