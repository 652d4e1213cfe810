import type { Kysely, Selectable, Transaction } from "kysely";
import type { Alert, AlertState } from "../../core/domain/alert.js";
import type { AlertStore, NewOutboxMessage } from "../../core/ports/alerts.port.js";
import type { Database } from "../schema.js";
import type { AlertsTable } from "../tables/alerts.table.js";
import { insertOutbox } from "./outbox.repository.js";

const toAlert = (r: Selectable<AlertsTable>): Alert => ({
  id: r.id,
  userId: r.user_id,
  kind: r.kind,
  mint: r.mint,
  symbol: r.symbol,
  level: Number(r.level),
  pct: Number(r.pct),
  windowMs: Number(r.window_ms),
  repeat: Number(r.repeat) === 1,
  cooldownMs: Number(r.cooldown_ms),
  hysteresisPct: Number(r.hysteresis_pct),
  expiresAt: r.expires_at === null ? null : Number(r.expires_at),
  state: r.state,
  fireCount: Number(r.fire_count),
  lastFiredAt: r.last_fired_at === null ? null : Number(r.last_fired_at),
  refValue: Number(r.ref_value),
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
  notify: { platform: r.notify_platform, chatId: r.notify_chat },
});

/**
 * Takes the next change counter value. Every alert write takes it first in its transaction: on
 * Postgres the counter row stays locked until commit, so values become visible in the order they
 * were handed out and a reader that saw N never later finds an N-1 it missed (SQLite has one writer).
 */
async function nextChange(trx: Transaction<Database>): Promise<number> {
  const r = await trx
    .updateTable("alert_changes")
    .set((eb) => ({ seq: eb("seq", "+", 1) }))
    .where("id", "=", 1)
    .returning("seq")
    .executeTakeFirstOrThrow();
  return Number(r.seq);
}

export class KyselyAlerts implements AlertStore {
  constructor(private readonly db: Kysely<Database>) {}

  private write<T>(fn: (trx: Transaction<Database>, seq: number) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(async (trx) => fn(trx, await nextChange(trx)));
  }

  async create(a: Alert): Promise<void> {
    await this.write((trx, seq) =>
      trx
      .insertInto("alerts")
      .values({
        id: a.id,
        user_id: a.userId,
        kind: a.kind,
        mint: a.mint,
        symbol: a.symbol,
        level: a.level,
        pct: a.pct,
        window_ms: a.windowMs,
        repeat: a.repeat ? 1 : 0,
        cooldown_ms: a.cooldownMs,
        hysteresis_pct: a.hysteresisPct,
        expires_at: a.expiresAt,
        state: a.state,
        fire_count: a.fireCount,
        last_fired_at: a.lastFiredAt,
        ref_value: a.refValue,
        created_at: a.createdAt,
        updated_at: a.updatedAt,
        notify_platform: a.notify.platform,
        notify_chat: a.notify.chatId,
        change_seq: seq,
      })
      .execute(),
    );
  }

  async get(id: string): Promise<Alert | undefined> {
    const r = await this.db.selectFrom("alerts").selectAll().where("id", "=", id).executeTakeFirst();
    return r ? toAlert(r) : undefined;
  }

  async byUser(userId: string, states: readonly AlertState[]): Promise<Alert[]> {
    const rows = await this.db.selectFrom("alerts").selectAll().where("user_id", "=", userId).where("state", "in", [...states]).orderBy("created_at").execute();
    return rows.map(toAlert);
  }

  async countActive(userId: string, now: number): Promise<number> {
    const r = await this.db
      .selectFrom("alerts")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("user_id", "=", userId)
      .where("state", "in", ["armed", "cooling"])
      .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", now)]))
      .executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  async byState(states: readonly AlertState[]): Promise<Alert[]> {
    const rows = await this.db.selectFrom("alerts").selectAll().where("state", "in", [...states]).execute();
    return rows.map(toAlert);
  }

  async lastChange(): Promise<number> {
    const r = await this.db.selectFrom("alert_changes").select("seq").where("id", "=", 1).executeTakeFirst();
    return Number(r?.seq ?? 0);
  }

  async changedAfter(seq: number): Promise<{ alerts: Alert[]; seq: number }> {
    const rows = await this.db.selectFrom("alerts").selectAll().where("change_seq", ">", seq).orderBy("change_seq").execute();
    const last = rows[rows.length - 1];
    return { alerts: rows.map(toAlert), seq: last ? Number(last.change_seq) : seq };
  }

  async fire(id: string, fromFireCount: number, next: { state: AlertState; now: number }, msg: NewOutboxMessage | readonly NewOutboxMessage[]): Promise<boolean> {
    return this.write(async (trx, seq) => {
      const r = await trx
        .updateTable("alerts")
        .set({ state: next.state, fire_count: fromFireCount + 1, last_fired_at: next.now, updated_at: next.now, change_seq: seq })
        .where("id", "=", id)
        .where("state", "=", "armed")
        .where("fire_count", "=", fromFireCount)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) return false;
      for (const m of Array.isArray(msg) ? (msg as readonly NewOutboxMessage[]) : [msg as NewOutboxMessage]) await insertOutbox(trx, m, next.now);
      return true;
    });
  }

  async setState(id: string, from: readonly AlertState[], to: AlertState, now: number): Promise<boolean> {
    const r = await this.write((trx, seq) =>
      trx.updateTable("alerts").set({ state: to, updated_at: now, change_seq: seq }).where("id", "=", id).where("state", "in", [...from]).executeTakeFirst(),
    );
    return Number(r.numUpdatedRows) === 1;
  }

  async cancelAll(userId: string, now: number): Promise<number> {
    const r = await this.write((trx, seq) =>
      trx
        .updateTable("alerts")
        .set({ state: "cancelled", updated_at: now, change_seq: seq })
        .where("user_id", "=", userId)
        .where("state", "in", ["armed", "cooling"])
        .executeTakeFirst(),
    );
    return Number(r.numUpdatedRows);
  }
}
