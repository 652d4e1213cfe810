import { step, watchOf, type Pending, type Watch } from "../../core/domain/automation-trigger.js";
import type { Db } from "../../db/index.js";
import { HOUR, solAt } from "./automation-replay.js";

/*
 * What the automation tests read back from the database to check what the user saw: the orders
 * automations placed (with their fill price), the firings, the automations' rows. Read with plain
 * queries on the tables of the migration, so they say what is stored, not what a repository thinks.
 */

const SOL_DEC = 1e9;
const USDC_DEC = 1e6;

export interface AutoOrder {
  id: string;
  automationId: string;
  firing: number;
  side: string;
  status: string;
  /** USD per SOL the fill achieved (fees included), when filled. */
  fillUsd: number | null;
  createdAt: number;
}

/** Orders that automations placed, oldest first. */
export async function autoOrders(db: Db, automationId?: string): Promise<AutoOrder[]> {
  let q = db.db
    .selectFrom("orders")
    .select(["id", "automation_id", "automation_firing", "side", "status", "input_symbol", "filled_in", "filled_out", "created_at"])
    .where("automation_id", "is not", null);
  if (automationId) q = q.where("automation_id", "=", automationId);
  const rows = await q.orderBy("created_at").orderBy("id").execute();
  return rows.map((r) => {
    let fillUsd: number | null = null;
    if (r.filled_in && r.filled_out) {
      const [inN, outN] = [Number(r.filled_in), Number(r.filled_out)];
      // A sell pays SOL and receives USDC; a buy the other way round.
      fillUsd = r.input_symbol === "SOL" ? outN / USDC_DEC / (inN / SOL_DEC) : inN / USDC_DEC / (outN / SOL_DEC);
    }
    return {
      id: r.id,
      automationId: r.automation_id!,
      firing: Number(r.automation_firing),
      side: r.side,
      status: r.status,
      fillUsd,
      createdAt: Number(r.created_at),
    };
  });
}

export async function firings(db: Db, automationId?: string) {
  let q = db.db.selectFrom("automation_firings").selectAll();
  if (automationId) q = q.where("automation_id", "=", automationId);
  return (await q.orderBy("automation_id").orderBy("n").execute()).map((f) => ({ ...f, n: Number(f.n), at: Number(f.at), price_usd: f.price_usd === null ? null : Number(f.price_usd) }));
}

export async function automationRows(db: Db) {
  const rows = await db.db.selectFrom("automations").selectAll().orderBy("created_at").execute();
  return rows.map((r) => ({ ...r, firings: Number(r.firings), high: r.high === null ? null : Number(r.high) }));
}

export async function automationRow(db: Db, id: string) {
  const r = (await automationRows(db)).find((a) => a.id === id);
  if (!r) throw new Error(`no automation ${id}`);
  return r;
}

/** Runs `act` (a command and its Confirm) and returns the id of the one automation it armed. */
export async function armedBy(db: Db, act: () => Promise<unknown>): Promise<string> {
  const armed = async () => new Set((await automationRows(db)).filter((a) => a.state === "armed").map((a) => a.id));
  const before = await armed();
  await act();
  const added = [...(await armed())].filter((id) => !before.has(id));
  if (added.length !== 1) throw new Error(`expected one automation armed, got ${JSON.stringify(added)}`);
  return added[0]!;
}

/** Outbox rows by state, for "every push sent once". */
export async function outboxStates(db: Db) {
  return db.db.selectFrom("outbox").select(["dedupe_key", "kind", "state", "attempts"]).orderBy("dedupe_key").execute();
}

/**
 * The reference: the hourly closes from `from` (exclusive) run through the domain's trigger rules
 * (automation-trigger.ts `step`), as the engine must. Returns the tick that fires and the highest
 * high the watch reached, or null when nothing fires within `hours`.
 */
export function expectedFiring(watch: Watch, from: number, hours: number): { at: number; usd: number; high: number | null } | null {
  let w = watch;
  let pending: Pending | null = null;
  let prev: number | null = solAt(from);
  for (let i = 1; i <= hours; i++) {
    const at = from + i * HOUR;
    const p = solAt(at);
    const s = step(w, pending, prev, at, p);
    w = s.watch;
    prev = p;
    if (s.kind === "fire") return { at, usd: p, high: w.kind === "trail" ? w.high : null };
    pending = s.kind === "pending" ? s.pending : null;
  }
  return null;
}

export { watchOf };
export const iso = (t: number) => new Date(t).toISOString().slice(0, 16).replace("T", " ") + " UTC";
