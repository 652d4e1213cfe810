import type { Kysely } from "kysely";
import type { Clock } from "../../core/ports/clock.port.js";
import type { KvStore, Leases } from "../../core/ports/kv.port.js";
import type { Database } from "../schema.js";

export class KyselyKv implements KvStore {
  constructor(private readonly db: Kysely<Database>) {}

  async get(key: string): Promise<string | undefined> {
    return (await this.db.selectFrom("kv").select("value").where("key", "=", key).executeTakeFirst())?.value;
  }

  async set(key: string, value: string, now: number): Promise<void> {
    await this.db
      .insertInto("kv")
      .values({ key, value, updated_at: now })
      .onConflict((oc) => oc.column("key").doUpdateSet({ value, updated_at: now }))
      .execute();
  }

  async compareAndSet(key: string, expected: string | undefined, value: string, now: number): Promise<boolean> {
    if (expected === undefined) {
      const r = await this.db.insertInto("kv").values({ key, value, updated_at: now }).onConflict((oc) => oc.column("key").doNothing()).executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0n) === 1;
    }
    const r = await this.db.updateTable("kv").set({ value, updated_at: now }).where("key", "=", key).where("value", "=", expected).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
}

/** Database leases: a row per name; taken when free or expired, renewed by its owner. */
export class KyselyLeases implements Leases {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  async acquire(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const now = this.clock.now();
    const until = now + ttlMs;
    const ins = await this.db.insertInto("leases").values({ name, owner, until }).onConflict((oc) => oc.column("name").doNothing()).executeTakeFirst();
    if (Number(ins.numInsertedOrUpdatedRows ?? 0n) === 1) return true;
    const upd = await this.db
      .updateTable("leases")
      .set({ owner, until })
      .where("name", "=", name)
      .where((eb) => eb.or([eb("owner", "=", owner), eb("until", "<", now)]))
      .executeTakeFirst();
    return Number(upd.numUpdatedRows) === 1;
  }

  async release(name: string, owner: string): Promise<void> {
    await this.db.deleteFrom("leases").where("name", "=", name).where("owner", "=", owner).execute();
  }
}
