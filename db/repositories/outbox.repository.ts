import { randomBytes } from "node:crypto";
import type { Kysely, QueryCreator, Selectable, Transaction } from "kysely";
import type { Platform } from "../../core/domain/identity.js";
import type { Reply } from "../../core/domain/message.js";
import type { NewOutboxMessage, OutboxMessage, OutboxStore } from "../../core/ports/alerts.port.js";
import type { DialectName } from "../database.js";
import type { Database } from "../schema.js";

/** Replies carry PNG bytes: JSON with base64 for Uint8Array. */
export function encodeReply(r: Reply): string {
  return JSON.stringify(r, (_k, v: unknown) => (v instanceof Uint8Array ? { $b64: Buffer.from(v).toString("base64") } : v));
}
export function decodeReply(s: string): Reply {
  return JSON.parse(s, (_k, v: unknown) =>
    v && typeof v === "object" && "$b64" in (v as Record<string, unknown>) ? new Uint8Array(Buffer.from(String((v as { $b64: string }).$b64), "base64")) : v,
  ) as Reply;
}

const newId = (now: number) => `ob_${now.toString(36)}${randomBytes(6).toString("hex")}`;

export async function insertOutbox(db: Kysely<Database> | Transaction<Database>, m: NewOutboxMessage, now: number): Promise<boolean> {
  const r = await db
    .insertInto("outbox")
    .values({
      id: newId(now),
      dedupe_key: m.dedupeKey,
      kind: m.kind,
      platform: m.target.platform,
      chat_id: m.target.chatId,
      payload: encodeReply(m.reply),
      created_at: now,
      source_at: m.sourceAt ?? null,
      available_at: now,
      attempts: 0,
      parts_sent: 0,
      open_claims: 0,
      state: "pending",
      lease_owner: null,
      lease_until: null,
      sent_at: null,
      last_error: null,
      user_id: m.userId ?? null,
    })
    .onConflict((oc) => oc.column("dedupe_key").doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0n) === 1;
}

export class KyselyOutbox implements OutboxStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: DialectName,
  ) {}

  enqueue(msg: NewOutboxMessage, now: number): Promise<boolean> {
    return insertOutbox(this.db, msg, now);
  }

  async claim(owner: string, now: number, leaseMs: number, limit: number, platforms?: readonly Platform[]): Promise<OutboxMessage[]> {
    if (platforms && !platforms.length) return [];
    const until = now + leaseMs;
    const dueRows = (db: QueryCreator<Database>) =>
      db
        .selectFrom("outbox")
        .select("id")
        .where("state", "=", "pending")
        .$if(platforms !== undefined, (q) => q.where("platform", "in", [...platforms!]))
        .where("available_at", "<=", now)
        .where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<", now)]))
        .orderBy("available_at")
        .orderBy("id")
        .limit(limit);
    let rows: Array<Selectable<Database["outbox"]>>;
    if (this.dialect === "postgres") {
      // One statement: lock up to `limit` due rows (skipping rows another claimer holds), lease them
      // and return them. The CTE is materialized so it runs exactly once: an UPDATE ... WHERE id IN
      // (SELECT ... LIMIT n FOR UPDATE SKIP LOCKED) may re-run its subquery and take more than n rows
      // (seen in tests/db/repositories.test.ts under concurrent claimers).
      rows = await this.db
        .with((cte) => cte("due").materialized(), (db) => dueRows(db).forUpdate().skipLocked())
        .updateTable("outbox")
        .from("due")
        .set((eb) => ({ lease_owner: owner, lease_until: until, open_claims: eb("outbox.open_claims", "+", 1) }))
        .whereRef("outbox.id", "=", "due.id")
        .returningAll("outbox")
        .execute();
    } else {
      // SQLite has one writer at a time: the update and its read happen in one transaction.
      rows = await this.db.transaction().execute(async (trx) => {
        await trx
          .updateTable("outbox")
          .set((eb) => ({ lease_owner: owner, lease_until: until, open_claims: eb("open_claims", "+", 1) }))
          .where("id", "in", dueRows(trx))
          .execute();
        return trx.selectFrom("outbox").selectAll().where("lease_owner", "=", owner).where("lease_until", "=", until).where("state", "=", "pending").execute();
      });
    }
    rows.sort((a, b) => Number(a.available_at) - Number(b.available_at) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return rows.map((r) => ({
      id: r.id,
      dedupeKey: r.dedupe_key,
      kind: r.kind,
      target: { platform: r.platform, chatId: r.chat_id },
      reply: decodeReply(r.payload),
      createdAt: Number(r.created_at),
      attempts: Number(r.attempts),
      partsSent: Number(r.parts_sent),
      uncertain: Number(r.open_claims) > 1,
      ...(r.source_at !== null ? { sourceAt: Number(r.source_at) } : {}),
      ...(r.user_id !== null ? { userId: r.user_id } : {}),
    }));
  }

  async release(id: string, owner: string): Promise<void> {
    await this.db.updateTable("outbox").set({ lease_owner: null, lease_until: null, open_claims: 0 }).where("id", "=", id).where("lease_owner", "=", owner).execute();
  }

  async extend(ids: readonly string[], owner: string, until: number): Promise<number> {
    if (!ids.length) return 0;
    const r = await this.db
      .updateTable("outbox")
      .set({ lease_until: until })
      .where("id", "in", [...ids])
      .where("lease_owner", "=", owner)
      .where("state", "=", "pending")
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  async progress(id: string, owner: string, parts: number): Promise<void> {
    await this.db
      .updateTable("outbox")
      .set({ parts_sent: parts })
      .where("id", "=", id)
      .where("lease_owner", "=", owner)
      .where("state", "=", "pending")
      .where("parts_sent", "<", parts)
      .execute();
  }

  async markSent(id: string, owner: string, now: number): Promise<boolean> {
    const r = await this.db
      .updateTable("outbox")
      .set({ state: "sent", sent_at: now, lease_until: null, open_claims: 0 })
      .where("id", "=", id)
      .where("lease_owner", "=", owner)
      .where("state", "=", "pending")
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async retry(id: string, owner: string, availableAt: number, error: string, countAttempt = true): Promise<void> {
    await this.db
      .updateTable("outbox")
      .set((eb) => ({ attempts: eb("attempts", "+", countAttempt ? 1 : 0), available_at: availableAt, lease_owner: null, lease_until: null, open_claims: 0, last_error: error.slice(0, 500) }))
      .where("id", "=", id)
      .where("lease_owner", "=", owner)
      .where("state", "=", "pending")
      .execute();
  }

  async finish(id: string, owner: string, state: "dead" | "skipped", error: string, now: number): Promise<void> {
    await this.db
      .updateTable("outbox")
      .set((eb) => ({ state, attempts: eb("attempts", "+", 1), lease_until: null, open_claims: 0, last_error: error.slice(0, 500), sent_at: now }))
      .where("id", "=", id)
      .where("lease_owner", "=", owner)
      .where("state", "=", "pending")
      .execute();
  }

  async stats(now: number) {
    const rows = await this.db
      .selectFrom("outbox")
      .select(["state", (eb) => eb.fn.countAll<number>().as("n"), (eb) => eb.fn.min<number>("available_at").as("oldest")])
      .where("state", "in", ["pending", "dead"])
      .groupBy("state")
      .execute();
    const due = await this.db
      .selectFrom("outbox")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("state", "=", "pending")
      .where("available_at", "<=", now)
      .executeTakeFirst();
    const pending = rows.find((r) => r.state === "pending");
    return {
      pending: Number(pending?.n ?? 0),
      due: Number(due?.n ?? 0),
      dead: Number(rows.find((r) => r.state === "dead")?.n ?? 0),
      oldestDueAt: pending?.oldest !== undefined && pending.oldest !== null ? Number(pending.oldest) : null,
    };
  }
}
