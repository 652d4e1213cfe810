import { randomUUID } from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import type { OrderStatus, Position } from "../../core/domain/order.js";
import type { BookStore, Fill, FillResult, Wallet, WalletStore } from "../../core/ports/orders.port.js";
import type { DialectName } from "../database.js";
import type { Database } from "../schema.js";

type Db = Kysely<Database> | Transaction<Database>;

export class KyselyBooks implements BookStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: DialectName,
  ) {}

  async ensure(userId: string, book: string, now: number, seed?: Position): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const r = await trx
        .insertInto("books")
        .values({ user_id: userId, book, realized_micro: "0", created_at: now })
        .onConflict((oc) => oc.columns(["user_id", "book"]).doNothing())
        .executeTakeFirst();
      const created = Number(r.numInsertedOrUpdatedRows ?? 0n) === 1;
      if (created && seed) {
        await trx
          .insertInto("positions")
          .values({ user_id: userId, book, mint: seed.mint, amount: seed.amount.toString(), cost_micro: seed.costMicro.toString(), updated_at: now })
          .execute();
      }
      return created;
    });
  }

  async positions(userId: string, book: string): Promise<Position[]> {
    const rows = await this.db.selectFrom("positions").selectAll().where("user_id", "=", userId).where("book", "=", book).execute();
    return rows.map((r) => ({ mint: r.mint, amount: BigInt(r.amount), costMicro: BigInt(r.cost_micro) })).filter((p) => p.amount > 0n);
  }

  async realizedMicro(userId: string, book: string): Promise<bigint> {
    const r = await this.db.selectFrom("books").select("realized_micro").where("user_id", "=", userId).where("book", "=", book).executeTakeFirst();
    return BigInt(r?.realized_micro ?? "0");
  }

  async applyFill(f: Fill, now: number, opts: { requireBalance: boolean; from: readonly OrderStatus[] }): Promise<FillResult> {
    return this.db.transaction().execute(async (trx) => {
      let q = trx.selectFrom("orders").select("status").where("id", "=", f.orderId);
      if (this.dialect === "postgres") q = q.forUpdate();
      const order = await q.executeTakeFirst();
      if (!order || !opts.from.includes(order.status)) return "not_in_flight";
      // Every read below comes after the book's lock: no other fill into this book is between its
      // reads and its writes, so the amounts written (exact bigint arithmetic) are never stale.
      const realizedBefore = await this.lockBook(trx, f.userId, f.book, now);
      const inPos = await this.position(trx, f.userId, f.book, f.inMint);
      const held = inPos?.amount ?? 0n;
      if (opts.requireBalance && held < f.inAmount) return "insufficient";
      // Cost basis leaves the sold side in proportion; only the tracked part realises PnL.
      const tracked = held < f.inAmount ? held : f.inAmount;
      const costOut = inPos && held > 0n ? (inPos.costMicro * tracked) / held : 0n;
      const valueTracked = f.inAmount > 0n ? (f.valueMicro * tracked) / f.inAmount : 0n;
      // A withdrawal was not sold: its cost basis leaves with it, no PnL is realised, nothing comes in.
      const withdrawal = f.kind === "withdrawal";
      const realized = withdrawal ? 0n : valueTracked - costOut;
      if (inPos) await this.put(trx, f.userId, f.book, f.inMint, held - tracked, inPos.costMicro - costOut, now);
      if (!withdrawal) {
        const outPos = await this.position(trx, f.userId, f.book, f.outMint);
        await this.put(trx, f.userId, f.book, f.outMint, (outPos?.amount ?? 0n) + f.outAmount, (outPos?.costMicro ?? 0n) + f.valueMicro, now);
      }
      await trx
        .updateTable("books")
        .set({ realized_micro: (realizedBefore + realized).toString() })
        .where("user_id", "=", f.userId)
        .where("book", "=", f.book)
        .execute();
      await trx
        .updateTable("orders")
        .set({
          status: "filled",
          filled_in: f.inAmount.toString(),
          filled_out: f.outAmount.toString(),
          final_at: now,
          ...(f.feeLamports !== undefined ? { fee_lamports: f.feeLamports.toString() } : {}),
        })
        .where("id", "=", f.orderId)
        .execute();
      return "filled";
    });
  }

  /**
   * Locks the book's row, creating it first when this is the book's first fill (a live wallet's book),
   * and returns its realised PnL. A row that always exists is what makes the lock work: a position's
   * own row cannot be locked before that position exists, so two first fills into it would both
   * read "nothing held" and the second write would erase the first. Postgres: INSERT ... ON CONFLICT
   * DO NOTHING waits for a concurrent insert of the same book, then SELECT ... FOR UPDATE holds the
   * row until commit. SQLite: the transaction already holds the database's write lock (BEGIN IMMEDIATE).
   */
  private async lockBook(trx: Transaction<Database>, userId: string, book: string, now: number): Promise<bigint> {
    await trx
      .insertInto("books")
      .values({ user_id: userId, book, realized_micro: "0", created_at: now })
      .onConflict((oc) => oc.columns(["user_id", "book"]).doNothing())
      .execute();
    let q = trx.selectFrom("books").select("realized_micro").where("user_id", "=", userId).where("book", "=", book);
    if (this.dialect === "postgres") q = q.forUpdate();
    return BigInt((await q.executeTakeFirstOrThrow()).realized_micro);
  }

  /** A position as it stands: read only under the book's lock (see lockBook). */
  private async position(db: Db, userId: string, book: string, mint: string): Promise<Position | undefined> {
    const r = await db.selectFrom("positions").selectAll().where("user_id", "=", userId).where("book", "=", book).where("mint", "=", mint).executeTakeFirst();
    return r ? { mint: r.mint, amount: BigInt(r.amount), costMicro: BigInt(r.cost_micro) } : undefined;
  }

  private async put(db: Db, userId: string, book: string, mint: string, amount: bigint, costMicro: bigint, now: number) {
    const row = { user_id: userId, book, mint, amount: amount.toString(), cost_micro: (amount === 0n ? 0n : costMicro).toString(), updated_at: now };
    await db
      .insertInto("positions")
      .values(row)
      .onConflict((oc) => oc.columns(["user_id", "book", "mint"]).doUpdateSet({ amount: row.amount, cost_micro: row.cost_micro, updated_at: now }))
      .execute();
  }

  async snapshot(userId: string, book: string, at: number, valueUsd: number): Promise<void> {
    await this.db
      .insertInto("portfolio_snapshots")
      .values({ user_id: userId, book, at, value_usd: valueUsd })
      .onConflict((oc) => oc.columns(["user_id", "book", "at"]).doUpdateSet({ value_usd: valueUsd }))
      .execute();
  }

  async owners(after: string | null, limit: number): Promise<string[]> {
    let q = this.db.selectFrom("books").select("user_id").distinct().orderBy("user_id").limit(limit);
    if (after !== null) q = q.where("user_id", ">", after);
    return (await q.execute()).map((r) => r.user_id);
  }

  async snapshots(userId: string, book: string, since: number): Promise<Array<{ at: number; valueUsd: number }>> {
    const rows = await this.db
      .selectFrom("portfolio_snapshots")
      .select(["at", "value_usd"])
      .where("user_id", "=", userId)
      .where("book", "=", book)
      .where("at", ">=", since)
      .orderBy("at")
      .execute();
    return rows.map((r) => ({ at: Number(r.at), valueUsd: Number(r.value_usd) }));
  }
}

export class KyselyWallets implements WalletStore {
  constructor(private readonly db: Kysely<Database>) {}

  async add(w: Wallet): Promise<boolean> {
    const r = await this.db
      .insertInto("wallets")
      .values({ id: w.id || randomUUID(), user_id: w.userId, address: w.address, kind: w.kind, encrypted_secret: w.encryptedSecret, created_at: w.createdAt })
      .onConflict((oc) => oc.columns(["user_id", "address"]).doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) === 1;
  }

  async list(userId: string): Promise<Wallet[]> {
    const rows = await this.db.selectFrom("wallets").selectAll().where("user_id", "=", userId).orderBy("created_at").execute();
    return rows.map((r) => ({
      id: r.id,
      userId: r.user_id,
      address: r.address,
      kind: r.kind,
      encryptedSecret: r.encrypted_secret,
      createdAt: Number(r.created_at),
    }));
  }
}
