import type { Kysely, Selectable, Transaction, Updateable } from "kysely";
import type { Automation, AutomationState } from "../../core/domain/automation.js";
import type { NewOutboxMessage } from "../../core/ports/alerts.port.js";
import type { AutomationPatch, AutomationStore, Firing, FiringPatch } from "../../core/ports/automations.port.js";
import type { DialectName } from "../database.js";
import type { Database } from "../schema.js";
import type { AutomationFiringsTable } from "../tables/automation-firings.table.js";
import type { AutomationsTable } from "../tables/automations.table.js";
import { CorruptAutomationError, decodeAcknowledgedRisk, decodeRule, encodeAcknowledgedRisk, encodeRule } from "./automation-codec.js";
import { insertOutbox } from "./outbox.repository.js";
import { lockTradeUser } from "./trade-locks.js";

const ACTIVE: AutomationState[] = ["armed", "paused"];
const numOrNull = (v: number | string | null) => (v === null ? null : Number(v));

export function toAutomation(r: Selectable<AutomationsTable>): Automation {
  const acknowledgedRisk = decodeAcknowledgedRisk(r.acknowledged_risk, r.id);
  return {
    id: r.id,
    userId: r.user_id,
    rule: decodeRule(r.rule, r.id, r.kind),
    state: r.state,
    firings: Number(r.firings),
    high: numOrNull(r.high),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    notify: { platform: r.notify_platform, chatId: r.notify_chat },
    ...(acknowledgedRisk ? { acknowledgedRisk } : {}),
  };
}

export function toFiring(r: Selectable<AutomationFiringsTable>): Firing {
  return {
    automationId: r.automation_id,
    userId: r.user_id,
    n: Number(r.n),
    status: r.status,
    attempts: Number(r.attempts),
    orderId: r.order_id,
    priceUsd: numOrNull(r.price_usd),
    at: Number(r.at),
    leaseUntil: Number(r.lease_until),
    nextTryAt: numOrNull(r.next_try_at),
    reason: r.reason,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

function firingColumns(p: FiringPatch): Updateable<AutomationFiringsTable> {
  const out: Updateable<AutomationFiringsTable> = {};
  if (p.status !== undefined) out.status = p.status;
  if (p.attempts !== undefined) out.attempts = p.attempts;
  if (p.orderId !== undefined) out.order_id = p.orderId;
  if (p.leaseUntil !== undefined) out.lease_until = p.leaseUntil;
  if (p.nextTryAt !== undefined) out.next_try_at = p.nextTryAt;
  if (p.reason !== undefined) out.reason = p.reason;
  return out;
}

/**
 * Where a firing's outcome may move the automation's state from: armed, and paused only to end it
 * (done or failed: the firing did fill, or failed for good, while the user had paused). Never out of
 * a final state, and never out of paused into anything else: a pause or cancel the user made while
 * the firing ran stands.
 */
function settleFrom(to: AutomationState): AutomationState[] {
  return to === "done" || to === "failed" ? ["armed", "paused"] : ["armed"];
}

/**
 * Automations, their firings and the users' failure streaks (the AutomationStore contract). A row
 * whose rule cannot be read fails `get` with CorruptAutomationError; the listing reads skip it and
 * hand the error to `onCorrupt` (logged), so one bad row does not stop the engine from loading the rest.
 */
export class KyselyAutomations implements AutomationStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: DialectName,
    private readonly onCorrupt: (err: CorruptAutomationError) => void = () => undefined,
  ) {}

  private readable(rows: Array<Selectable<AutomationsTable>>): Automation[] {
    const out: Automation[] = [];
    for (const r of rows) {
      try {
        out.push(toAutomation(r));
      } catch (err) {
        if (!(err instanceof CorruptAutomationError)) throw err;
        this.onCorrupt(err);
      }
    }
    return out;
  }

  async create(a: Automation, nextAt: number | null): Promise<void> {
    await this.db
      .insertInto("automations")
      .values({
        id: a.id,
        user_id: a.userId,
        kind: a.rule.kind,
        mint: a.rule.token.mint,
        rule: encodeRule(a.rule),
        state: a.state,
        firings: a.firings,
        high: a.high,
        next_at: nextAt,
        notify_platform: a.notify.platform,
        notify_chat: a.notify.chatId,
        created_at: a.createdAt,
        updated_at: a.updatedAt,
        acknowledged_risk: encodeAcknowledgedRisk(a.acknowledgedRisk),
      })
      .execute();
  }

  async get(id: string): Promise<Automation | undefined> {
    const r = await this.db.selectFrom("automations").selectAll().where("id", "=", id).executeTakeFirst();
    return r ? toAutomation(r) : undefined;
  }

  async byUser(userId: string, states: readonly AutomationState[]): Promise<Automation[]> {
    if (!states.length) return [];
    const rows = await this.db
      .selectFrom("automations")
      .selectAll()
      .where("user_id", "=", userId)
      .where("state", "in", [...states])
      .orderBy("created_at", "desc")
      .orderBy("id", "desc")
      .execute();
    return this.readable(rows);
  }

  async byState(states: readonly AutomationState[]): Promise<Automation[]> {
    if (!states.length) return [];
    const rows = await this.db.selectFrom("automations").selectAll().where("state", "in", [...states]).orderBy("created_at").orderBy("id").execute();
    return this.readable(rows);
  }

  async changedSince(since: number): Promise<Automation[]> {
    const rows = await this.db.selectFrom("automations").selectAll().where("updated_at", ">=", since).orderBy("updated_at").orderBy("id").execute();
    return this.readable(rows);
  }

  async arm(id: string, userId: string, now: number, max: number): Promise<"armed" | "over_limit" | "not_proposed"> {
    return this.db.transaction().execute(async (trx) => {
      // One caller at a time per user (in any process): the count below cannot change before the update.
      await lockTradeUser(trx, this.dialect, userId, now);
      const a = await trx.selectFrom("automations").select("state").where("id", "=", id).where("user_id", "=", userId).executeTakeFirst();
      if (a?.state !== "proposed") return "not_proposed";
      const active = await trx
        .selectFrom("automations")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("user_id", "=", userId)
        .where("state", "in", ACTIVE)
        .executeTakeFirst();
      if (Number(active?.n ?? 0) >= max) return "over_limit";
      const r = await trx.updateTable("automations").set({ state: "armed", updated_at: now }).where("id", "=", id).where("state", "=", "proposed").executeTakeFirst();
      return Number(r.numUpdatedRows) === 1 ? "armed" : "not_proposed";
    });
  }

  async setState(id: string, from: readonly AutomationState[], to: AutomationState, now: number): Promise<boolean> {
    if (!from.length) return false;
    const r = await this.db.updateTable("automations").set({ state: to, updated_at: now }).where("id", "=", id).where("state", "in", [...from]).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async setStateOfUser(userId: string, from: readonly AutomationState[], to: AutomationState, now: number): Promise<string[]> {
    if (!from.length) return [];
    const rows = await this.db
      .updateTable("automations")
      .set({ state: to, updated_at: now })
      .where("user_id", "=", userId)
      .where("state", "in", [...from])
      .returning("id")
      .execute();
    return rows.map((r) => r.id).sort();
  }

  async raiseHigh(mint: string, high: number, now: number): Promise<string[]> {
    if (!Number.isFinite(high)) return [];
    const rows = await this.db
      .updateTable("automations")
      .set({ high, updated_at: now })
      .where("mint", "=", mint)
      .where("state", "=", "armed")
      .where("kind", "=", "trailing")
      .where((eb) => eb.or([eb("high", "is", null), eb("high", "<", high)]))
      .returning("id")
      .execute();
    return rows.map((r) => r.id).sort();
  }

  async dueDca(now: number, limit: number): Promise<Automation[]> {
    const rows = await this.db
      .selectFrom("automations")
      .selectAll()
      .where("state", "=", "armed")
      .where("kind", "=", "dca")
      .where("next_at", "is not", null)
      .where("next_at", "<=", now)
      .orderBy("next_at")
      .orderBy("id")
      .limit(limit)
      .execute();
    return this.readable(rows);
  }

  async claimFiring(f: Firing): Promise<boolean> {
    const r = await this.db
      .insertInto("automation_firings")
      .values({
        automation_id: f.automationId,
        n: f.n,
        user_id: f.userId,
        status: f.status,
        attempts: f.attempts,
        order_id: f.orderId,
        price_usd: f.priceUsd,
        at: f.at,
        lease_until: f.leaseUntil,
        next_try_at: f.nextTryAt,
        reason: f.reason,
        created_at: f.createdAt,
        updated_at: f.updatedAt,
      })
      .onConflict((oc) => oc.columns(["automation_id", "n"]).doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) === 1;
  }

  async getFiring(automationId: string, n: number): Promise<Firing | undefined> {
    const r = await this.db.selectFrom("automation_firings").selectAll().where("automation_id", "=", automationId).where("n", "=", n).executeTakeFirst();
    return r ? toFiring(r) : undefined;
  }

  async firingsOf(automationId: string): Promise<Firing[]> {
    const rows = await this.db.selectFrom("automation_firings").selectAll().where("automation_id", "=", automationId).orderBy("n").execute();
    return rows.map(toFiring);
  }

  async takeFiring(automationId: string, n: number, attempts: number, now: number, leaseUntil: number): Promise<boolean> {
    const r = await this.db
      .updateTable("automation_firings")
      .set({ lease_until: leaseUntil, updated_at: now })
      .where("automation_id", "=", automationId)
      .where("n", "=", n)
      .where("status", "=", "running")
      .where("attempts", "=", attempts)
      .where("lease_until", "<=", now)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async updateFiring(automationId: string, n: number, patch: FiringPatch, now: number): Promise<void> {
    await this.db
      .updateTable("automation_firings")
      .set({ ...firingColumns(patch), updated_at: now })
      .where("automation_id", "=", automationId)
      .where("n", "=", n)
      .where("status", "=", "running")
      .execute();
  }

  async settleFiring(
    automationId: string,
    n: number,
    attempts: number,
    patch: FiringPatch,
    automation: AutomationPatch,
    pushes: readonly NewOutboxMessage[],
    now: number,
  ): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const r = await trx
        .updateTable("automation_firings")
        .set({ ...firingColumns(patch), updated_at: now })
        .where("automation_id", "=", automationId)
        .where("n", "=", n)
        .where("status", "=", "running")
        .where("attempts", "=", attempts)
        .executeTakeFirst();
      // Nothing was written: the transaction ends with no change.
      if (Number(r.numUpdatedRows) !== 1) return false;
      await applyPatch(trx, automationId, automation, now);
      for (const m of pushes) await insertOutbox(trx, m, now);
      return true;
    });
  }

  async firingsDue(now: number, marketNow: number, limit: number): Promise<Firing[]> {
    const rows = await this.db
      .selectFrom("automation_firings")
      .selectAll()
      .where("status", "=", "running")
      .where((eb) => eb.or([eb("lease_until", "<=", now), eb.and([eb("next_try_at", "is not", null), eb("next_try_at", "<=", marketNow)])]))
      .orderBy("created_at")
      .orderBy("automation_id")
      .orderBy("n")
      .limit(limit)
      .execute();
    return rows.map(toFiring);
  }

  async streak(userId: string, failed: boolean, now: number): Promise<number> {
    const r = await this.db
      .insertInto("automation_streaks")
      .values({ user_id: userId, failures: failed ? 1 : 0, updated_at: now })
      .onConflict((oc) =>
        oc.column("user_id").doUpdateSet((eb) => ({ failures: failed ? eb(eb.ref("automation_streaks.failures"), "+", 1) : 0, updated_at: now })),
      )
      .returning("failures")
      .executeTakeFirstOrThrow();
    return Number(r.failures);
  }
}

/** Applies a firing's change to its automation in one statement (the state as settleFrom allows). */
async function applyPatch(trx: Transaction<Database>, id: string, p: AutomationPatch, now: number): Promise<void> {
  const to = p.state;
  if (to === undefined && p.firings === undefined && p.nextAt === undefined) return;
  await trx
    .updateTable("automations")
    .set((eb) => ({
      ...(to !== undefined ? { state: eb.case().when("state", "in", settleFrom(to)).then(to).else(eb.ref("state")).end() } : {}),
      ...(p.firings !== undefined ? { firings: p.firings } : {}),
      ...(p.nextAt !== undefined ? { next_at: p.nextAt } : {}),
      updated_at: now,
    }))
    .where("id", "=", id)
    .execute();
}
