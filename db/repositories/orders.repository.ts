import type { Kysely, Selectable, Transaction } from "kysely";
import { EXECUTED_STATUSES, type Order, type OrderStatus, type RouteFee } from "../../core/domain/order.js";
import type { CapClaim, OrderPatch, OrderStore } from "../../core/ports/orders.port.js";
import type { DialectName } from "../database.js";
import type { Database } from "../schema.js";
import type { OrdersTable } from "../tables/trading.table.js";
import { riskFromJson, riskToJson } from "./order-risk-codec.js";
import { lockTradeUser } from "./trade-locks.js";
import { withdrawalFromJson, withdrawalToJson } from "./withdrawal-codec.js";

const big = (s: string | null) => (s === null ? null : BigInt(s));
const num = (v: number | string | null) => (v === null ? null : Number(v));

/** Route fees as stored: JSON [{ mint, amount }] with amounts as decimal strings (bigint-safe). */
const feesToJson = (fees: readonly RouteFee[] | null) => (fees === null ? null : JSON.stringify(fees.map((f) => ({ mint: f.mint, amount: f.amount.toString() }))));
const feesFromJson = (s: string | null): RouteFee[] | null =>
  s === null ? null : (JSON.parse(s) as Array<{ mint: string; amount: string }>).map((f) => ({ mint: f.mint, amount: BigInt(f.amount) }));

export function toOrder(r: Selectable<OrdersTable>): Order {
  return {
    id: r.id,
    userId: r.user_id,
    mode: r.mode,
    book: r.book,
    wallet: r.wallet,
    side: r.side,
    status: r.status,
    input: { mint: r.input_mint, symbol: r.input_symbol, decimals: Number(r.input_decimals) },
    output: { mint: r.output_mint, symbol: r.output_symbol, decimals: Number(r.output_decimals) },
    inAmount: BigInt(r.in_amount),
    quotedOut: BigInt(r.quoted_out),
    minOut: BigInt(r.min_out),
    slippageBps: Number(r.slippage_bps),
    priceImpactPct: Number(r.price_impact_pct),
    route: JSON.parse(r.route) as string[],
    routeFees: feesFromJson(r.route_fees),
    simulated: Number(r.simulated) === 1,
    quoteRaw: JSON.parse(r.quote_json) as unknown,
    usdValue: Number(r.usd_value),
    createdAt: Number(r.created_at),
    quoteExpiresAt: Number(r.quote_expires_at),
    confirmedAt: num(r.confirmed_at),
    signature: r.signature,
    rawTx: r.raw_tx,
    lastValidBlockHeight: num(r.last_valid_block_height),
    finalAt: num(r.final_at),
    filledIn: big(r.filled_in),
    filledOut: big(r.filled_out),
    feeLamports: big(r.fee_lamports),
    error: r.error,
    notify: { platform: r.notify_platform, chatId: r.notify_chat },
    // Absent for the user's own trades, as orders are built before automations existed.
    ...(r.automation_id !== null ? { automation: { id: r.automation_id, firing: Number(r.automation_firing ?? 0) } } : {}),
    ...(r.risk_json !== null ? { risk: riskFromJson(r.risk_json) } : {}),
    ...(r.withdrawal_json !== null ? { withdrawal: withdrawalFromJson(r.withdrawal_json) } : {}),
  };
}

export function patchColumns(p: OrderPatch): Partial<OrdersTable> {
  const out: Partial<OrdersTable> = {};
  if (p.confirmedAt !== undefined) out.confirmed_at = p.confirmedAt;
  if (p.signature !== undefined) out.signature = p.signature;
  if (p.rawTx !== undefined) out.raw_tx = p.rawTx;
  if (p.lastValidBlockHeight !== undefined) out.last_valid_block_height = p.lastValidBlockHeight;
  if (p.finalAt !== undefined) out.final_at = p.finalAt;
  if (p.filledIn !== undefined) out.filled_in = p.filledIn === null ? null : p.filledIn.toString();
  if (p.filledOut !== undefined) out.filled_out = p.filledOut === null ? null : p.filledOut.toString();
  if (p.feeLamports !== undefined) out.fee_lamports = p.feeLamports === null ? null : p.feeLamports.toString();
  if (p.error !== undefined) out.error = p.error;
  return out;
}

/** What a daily cap counts: the user's trades, or their withdrawals (each has its own cap). */
type CapClass = "trade" | "withdraw";
const classOf = (side: string): CapClass => (side === "withdraw" ? "withdraw" : "trade");

async function spentSince(db: Kysely<Database> | Transaction<Database>, userId: string, since: number, of: CapClass = "trade"): Promise<number> {
  const r = await db
    .selectFrom("orders")
    .select((eb) => eb.fn.sum<number>("usd_value").as("total"))
    .where("user_id", "=", userId)
    .where("side", of === "withdraw" ? "=" : "<>", "withdraw")
    // Executed orders count: claimed by Confirm and not (yet) failed or expired.
    .where("status", "in", [...EXECUTED_STATUSES])
    .where("confirmed_at", ">=", since)
    .executeTakeFirst();
  return Number(r?.total ?? 0);
}

export class KyselyOrders implements OrderStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: DialectName,
  ) {}

  async create(o: Order): Promise<void> {
    await this.db
      .insertInto("orders")
      .values({
        id: o.id,
        user_id: o.userId,
        mode: o.mode,
        book: o.book,
        wallet: o.wallet,
        side: o.side,
        status: o.status,
        input_mint: o.input.mint,
        input_symbol: o.input.symbol,
        input_decimals: o.input.decimals,
        output_mint: o.output.mint,
        output_symbol: o.output.symbol,
        output_decimals: o.output.decimals,
        in_amount: o.inAmount.toString(),
        quoted_out: o.quotedOut.toString(),
        min_out: o.minOut.toString(),
        slippage_bps: o.slippageBps,
        price_impact_pct: o.priceImpactPct,
        route: JSON.stringify(o.route),
        route_fees: feesToJson(o.routeFees),
        simulated: o.simulated ? 1 : 0,
        quote_json: JSON.stringify(o.quoteRaw ?? null),
        usd_value: o.usdValue,
        created_at: o.createdAt,
        quote_expires_at: o.quoteExpiresAt,
        confirmed_at: o.confirmedAt,
        signature: o.signature,
        raw_tx: o.rawTx,
        last_valid_block_height: o.lastValidBlockHeight,
        final_at: o.finalAt,
        told_at: o.finalAt, // created already final: nothing to tell
        filled_in: o.filledIn?.toString() ?? null,
        filled_out: o.filledOut?.toString() ?? null,
        fee_lamports: o.feeLamports?.toString() ?? null,
        error: o.error,
        notify_platform: o.notify.platform,
        notify_chat: o.notify.chatId,
        automation_id: o.automation?.id ?? null,
        automation_firing: o.automation?.firing ?? null,
        risk_json: riskToJson(o.risk),
        withdrawal_json: withdrawalToJson(o.withdrawal),
      })
      .execute();
  }

  async get(id: string): Promise<Order | undefined> {
    const r = await this.db.selectFrom("orders").selectAll().where("id", "=", id).executeTakeFirst();
    return r ? toOrder(r) : undefined;
  }

  async transition(id: string, from: readonly OrderStatus[], to: OrderStatus, patch: OrderPatch = {}): Promise<boolean> {
    const r = await this.db
      .updateTable("orders")
      .set({ status: to, ...patchColumns(patch) })
      .where("id", "=", id)
      .where("status", "in", [...from])
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async byUser(userId: string, limit: number): Promise<Order[]> {
    const rows = await this.db.selectFrom("orders").selectAll().where("user_id", "=", userId).orderBy("created_at", "desc").limit(limit).execute();
    return rows.map(toOrder);
  }

  async byStatus(statuses: readonly OrderStatus[]): Promise<Order[]> {
    const rows = await this.db.selectFrom("orders").selectAll().where("status", "in", [...statuses]).orderBy("created_at").execute();
    return rows.map(toOrder);
  }

  usdSince(userId: string, since: number, of: CapClass = "trade"): Promise<number> {
    return spentSince(this.db, userId, since, of);
  }

  async confirmWithinCap(id: string, now: number, cap: { since: number; usd: number }): Promise<CapClaim> {
    return this.db.transaction().execute(async (trx) => {
      const owner = await trx.selectFrom("orders").select("user_id").where("id", "=", id).executeTakeFirst();
      if (!owner) return "not_previewed";
      await lockTradeUser(trx, this.dialect, owner.user_id, now);
      // Read again under the lock: a press that went first may have claimed this order or used the cap.
      const o = await trx.selectFrom("orders").select(["status", "usd_value", "side"]).where("id", "=", id).executeTakeFirst();
      if (o?.status !== "previewed") return "not_previewed";
      // A withdrawal is judged against the user's withdrawals today, a trade against their trades.
      if ((await spentSince(trx, owner.user_id, cap.since, classOf(o.side))) + Number(o.usd_value) > cap.usd) return "over_cap";
      const r = await trx.updateTable("orders").set({ status: "confirmed", confirmed_at: now }).where("id", "=", id).where("status", "=", "previewed").executeTakeFirst();
      return Number(r.numUpdatedRows) === 1 ? "confirmed" : "not_previewed";
    });
  }

  async markTold(id: string, now: number): Promise<void> {
    await this.db.updateTable("orders").set({ told_at: now }).where("id", "=", id).where("told_at", "is", null).execute();
  }

  async untold(statuses: readonly OrderStatus[], finalBefore: number): Promise<Order[]> {
    const rows = await this.db
      .selectFrom("orders")
      .selectAll()
      .where("told_at", "is", null)
      .where("confirmed_at", "is not", null)
      .where("final_at", "<", finalBefore)
      .where("status", "in", [...statuses])
      .orderBy("final_at")
      .execute();
    return rows.map(toOrder);
  }
}
