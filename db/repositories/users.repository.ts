import { randomUUID } from "node:crypto";
import type { Kysely, Selectable } from "kysely";
import type { Identity, Platform, Role, User } from "../../core/domain/identity.js";
import type { UserRepository, UserWithIdentities } from "../../core/ports/users.port.js";
import type { Database } from "../schema.js";
import type { SqliteStatements } from "../sqlite-statements.js";
import type { IdentitiesTable, UsersTable } from "../tables/users.table.js";

const toUser = (r: Selectable<UsersTable>): User => ({
  id: r.id,
  displayName: r.display_name,
  role: r.role,
  createdAt: Number(r.created_at),
});
const toIdentity = (r: Selectable<IdentitiesTable>): Identity => ({
  platform: r.platform,
  platformUserId: r.platform_user_id,
  userId: r.user_id,
  displayName: r.display_name,
  linkedAt: Number(r.linked_at),
});

/** The identity lookup of every message whose sender is not cached: on SQLite a statement prepared once. */
const FIND_BY_IDENTITY = `select u.id, u.display_name, u.role, u.merged_into, u.created_at,
    a.platform, a.platform_user_id, a.user_id, a.display_name as identity_name, a.linked_at
  from identities me join users u on u.id = me.user_id join identities a on a.user_id = u.id
  where me.platform = ? and me.platform_user_id = ?`;

type FoundRow = Selectable<UsersTable> & Omit<Selectable<IdentitiesTable>, "display_name"> & { identity_name: string };

export class KyselyUserRepository implements UserRepository {
  constructor(
    private readonly db: Kysely<Database>,
    /** SQLite: the hot lookup runs on a kept prepared statement. */
    private readonly sqlite?: SqliteStatements,
  ) {}

  async findByIdentity(platform: Platform, platformUserId: string): Promise<UserWithIdentities | undefined> {
    const st = this.sqlite;
    const rows: FoundRow[] = st
      ? st.read(() => st.get(FIND_BY_IDENTITY).all(platform, platformUserId) as FoundRow[])
      : await this.findRows(platform, platformUserId);
    const first = rows[0];
    if (!first) return undefined;
    const user = toUser(first);
    const identities = rows.map((r) => toIdentity({ ...r, display_name: r.identity_name }));
    const identity = identities.find((i) => i.platform === platform && i.platformUserId === platformUserId)!;
    return { user, identity, identities };
  }

  private findRows(platform: Platform, platformUserId: string): Promise<FoundRow[]> {
    return this.db
      .selectFrom("identities as me")
      .innerJoin("users as u", "u.id", "me.user_id")
      .innerJoin("identities as all", "all.user_id", "u.id")
      .where("me.platform", "=", platform)
      .where("me.platform_user_id", "=", platformUserId)
      .select([
        "u.id",
        "u.display_name",
        "u.role",
        "u.merged_into",
        "u.created_at",
        "all.platform",
        "all.platform_user_id",
        "all.user_id",
        "all.display_name as identity_name",
        "all.linked_at",
      ])
      .execute();
  }

  async createWithIdentity(input: {
    platform: Platform;
    platformUserId: string;
    displayName: string;
    now: number;
  }): Promise<UserWithIdentities> {
    const id = randomUUID();
    const inserted = await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto("users")
        .values({ id, display_name: input.displayName, role: "user", merged_into: null, created_at: input.now })
        .execute();
      const res = await trx
        .insertInto("identities")
        .values({
          platform: input.platform,
          platform_user_id: input.platformUserId,
          user_id: id,
          display_name: input.displayName,
          linked_at: input.now,
        })
        .onConflict((oc) => oc.columns(["platform", "platform_user_id"]).doNothing())
        .executeTakeFirst();
      if (Number(res.numInsertedOrUpdatedRows ?? 0n) === 0) {
        await trx.deleteFrom("users").where("id", "=", id).execute();
        return false;
      }
      return true;
    });
    const found = await this.findByIdentity(input.platform, input.platformUserId);
    if (!found) throw new Error(`identity ${input.platform}:${input.platformUserId} vanished (inserted=${inserted})`);
    return found;
  }

  async get(userId: string): Promise<User | undefined> {
    const r = await this.db.selectFrom("users").selectAll().where("id", "=", userId).executeTakeFirst();
    return r ? toUser(r) : undefined;
  }

  async identities(userId: string): Promise<Identity[]> {
    const rows = await this.db.selectFrom("identities").selectAll().where("user_id", "=", userId).orderBy("linked_at").execute();
    return rows.map(toIdentity);
  }

  async merge(fromUserId: string, toUserId: string, now: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable("identities").set({ user_id: toUserId, linked_at: now }).where("user_id", "=", fromUserId).execute();
      await trx.updateTable("users").set({ merged_into: toUserId }).where("id", "=", fromUserId).execute();
    });
  }

  async rename(platform: Platform, platformUserId: string, displayName: string): Promise<void> {
    await this.db
      .updateTable("identities")
      .set({ display_name: displayName })
      .where("platform", "=", platform)
      .where("platform_user_id", "=", platformUserId)
      .execute();
  }

  async setRole(userId: string, role: Role): Promise<void> {
    await this.db.updateTable("users").set({ role }).where("id", "=", userId).execute();
  }
}
