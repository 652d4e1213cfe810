import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { AuditEntry, AuditLog } from "../../core/ports/audit.port.js";
import type { Database } from "../schema.js";

export class KyselyAuditLog implements AuditLog {
  constructor(private readonly db: Kysely<Database>) {}

  async record(e: AuditEntry): Promise<void> {
    await this.db
      .insertInto("audit_log")
      .values({
        id: randomUUID(),
        at: e.at,
        user_id: e.userId ?? null,
        platform: e.platform ?? null,
        action: e.action,
        detail: e.detail ? JSON.stringify(e.detail) : null,
      })
      .execute();
  }

  async recent(limit: number, action?: string): Promise<AuditEntry[]> {
    let q = this.db.selectFrom("audit_log").selectAll().orderBy("at", "desc").limit(limit);
    if (action) q = q.where("action", "=", action);
    const rows = await q.execute();
    return rows.map((r) => ({
      at: Number(r.at),
      userId: r.user_id,
      platform: r.platform,
      action: r.action,
      ...(r.detail ? { detail: JSON.parse(r.detail) as Record<string, unknown> } : {}),
    }));
  }
}
