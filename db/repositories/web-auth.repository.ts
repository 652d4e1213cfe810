import type { Kysely, Selectable } from "kysely";
import type { ApiTokenRow, WebAuthStore, WebSessionRow } from "../../core/ports/web-access.port.js";
import type { Database } from "../schema.js";
import type { ApiTokensTable } from "../tables/web-auth.table.js";

// Postgres returns bigint columns as strings.
const num = (v: number | string): number => Number(v);
const numOrNull = (v: number | string | null): number | null => (v === null ? null : Number(v));

const tokenRow = (r: Selectable<ApiTokensTable>): ApiTokenRow => ({
  id: r.id,
  userId: r.user_id,
  tokenHash: r.token_hash,
  scope: r.scope === "trade" ? "trade" : "read",
  label: r.label,
  createdAt: num(r.created_at),
  lastUsedAt: numOrNull(r.last_used_at),
  revokedAt: numOrNull(r.revoked_at),
});

/** Sign-in links, sessions and API tokens of the web dashboard (issue 21). */
export class KyselyWebAuth implements WebAuthStore {
  constructor(private readonly db: Kysely<Database>) {}

  async createLoginLink(input: { tokenHash: string; userId: string; now: number; expiresAt: number }): Promise<void> {
    await this.db
      .insertInto("web_login_links")
      .values({ token_hash: input.tokenHash, user_id: input.userId, created_at: input.now, expires_at: input.expiresAt, used_at: null })
      .execute();
  }

  async consumeLoginLink(tokenHash: string, now: number): Promise<{ ok: true; userId: string } | { ok: false; reason: "unknown" | "used" | "expired" }> {
    const used = await this.db
      .updateTable("web_login_links")
      .set({ used_at: now })
      .where("token_hash", "=", tokenHash)
      .where("used_at", "is", null)
      .where("expires_at", ">", now)
      .returning("user_id")
      .executeTakeFirst();
    if (used) return { ok: true, userId: used.user_id };
    // Refused: say why (a miss is rare, so the second look costs nothing on the usual path).
    const row = await this.db.selectFrom("web_login_links").select("used_at").where("token_hash", "=", tokenHash).executeTakeFirst();
    if (!row) return { ok: false, reason: "unknown" };
    return { ok: false, reason: row.used_at !== null ? "used" : "expired" };
  }

  async createSession(input: { idHash: string; userId: string; now: number; expiresAt: number }): Promise<void> {
    await this.db
      .insertInto("web_sessions")
      .values({ id_hash: input.idHash, user_id: input.userId, created_at: input.now, expires_at: input.expiresAt, last_seen_at: input.now, revoked_at: null })
      .execute();
  }

  async findSession(idHash: string, now: number): Promise<WebSessionRow | undefined> {
    const r = await this.db
      .selectFrom("web_sessions")
      .selectAll()
      .where("id_hash", "=", idHash)
      .where("revoked_at", "is", null)
      .where("expires_at", ">", now)
      .executeTakeFirst();
    return r ? { userId: r.user_id, createdAt: num(r.created_at), expiresAt: num(r.expires_at), lastSeenAt: num(r.last_seen_at) } : undefined;
  }

  async touchSession(idHash: string, now: number): Promise<void> {
    await this.db.updateTable("web_sessions").set({ last_seen_at: now }).where("id_hash", "=", idHash).execute();
  }

  async revokeSessions(userId: string, now: number): Promise<number> {
    const r = await this.db
      .updateTable("web_sessions")
      .set({ revoked_at: now })
      .where("user_id", "=", userId)
      .where("revoked_at", "is", null)
      .where("expires_at", ">", now)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  async revokeSession(idHash: string, now: number): Promise<void> {
    await this.db.updateTable("web_sessions").set({ revoked_at: now }).where("id_hash", "=", idHash).where("revoked_at", "is", null).execute();
  }

  async createApiToken(row: Omit<ApiTokenRow, "lastUsedAt" | "revokedAt">): Promise<void> {
    await this.db
      .insertInto("api_tokens")
      .values({
        id: row.id,
        user_id: row.userId,
        token_hash: row.tokenHash,
        scope: row.scope,
        label: row.label,
        created_at: row.createdAt,
        last_used_at: null,
        revoked_at: null,
      })
      .execute();
  }

  async findApiToken(id: string): Promise<ApiTokenRow | undefined> {
    const r = await this.db.selectFrom("api_tokens").selectAll().where("id", "=", id).executeTakeFirst();
    return r ? tokenRow(r) : undefined;
  }

  async listApiTokens(userId: string): Promise<ApiTokenRow[]> {
    const rows = await this.db.selectFrom("api_tokens").selectAll().where("user_id", "=", userId).orderBy("created_at", "asc").execute();
    return rows.map(tokenRow);
  }

  async revokeApiToken(userId: string, id: string, now: number): Promise<boolean> {
    const r = await this.db
      .updateTable("api_tokens")
      .set({ revoked_at: now })
      .where("id", "=", id)
      .where("user_id", "=", userId)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async touchApiToken(id: string, now: number): Promise<void> {
    await this.db.updateTable("api_tokens").set({ last_used_at: now }).where("id", "=", id).execute();
  }
}
