import type SQLite from "better-sqlite3";
import type { Kysely } from "kysely";
import type { Database } from "./schema.js";
import { classifyDbError, isBusy, type LockWait } from "./unavailable.js";

/** `tryWrite` could not write now: the caller waits with `write`. */
export const NOT_NOW: unique symbol = Symbol("sqlite: not now");

/**
 * better-sqlite3 statements prepared once and kept, for the per-message hot path (Kysely's SQLite
 * driver compiles and prepares every statement anew: 17-19 µs a message), on the very connection
 * Kysely uses. Writes run as one short BEGIN IMMEDIATE transaction, synchronously (nothing else on
 * this connection can interleave), waiting out another process's lock with the same LockWait as
 * Kysely's transactions. While Kysely holds a transaction open across awaits on this connection,
 * a write waits for the connection like any Kysely query instead of joining that transaction.
 * db/ repositories only.
 */
export class SqliteStatements {
  private readonly cache = new Map<string, SQLite.Statement>();
  private readonly begin: SQLite.Statement;
  private readonly commit: SQLite.Statement;
  private readonly rollback: SQLite.Statement;

  constructor(
    readonly sqlite: SQLite.Database,
    private readonly lockWait: LockWait,
    private readonly db: Kysely<Database>,
  ) {
    this.begin = sqlite.prepare("begin immediate");
    this.commit = sqlite.prepare("commit");
    this.rollback = sqlite.prepare("rollback");
  }

  /** The statement for `sql`, prepared on first use. */
  get(sql: string): SQLite.Statement {
    let s = this.cache.get(sql);
    if (!s) this.cache.set(sql, (s = this.sqlite.prepare(sql)));
    return s;
  }

  /** A read: runs at once (WAL readers never wait for a writer); driver errors classified like Kysely's. */
  read<T>(work: () => T): T {
    try {
      return work();
    } catch (err) {
      throw classifyDbError(err);
    }
  }

  /**
   * `work` committed now, synchronously, when the connection is free: with `bare`, `work` runs as it
   * is (it must be ONE write statement: SQLite makes that its own transaction, taking the write lock
   * before it reads), else inside BEGIN IMMEDIATE ... COMMIT. NOT_NOW when it cannot be done without
   * waiting (another process holds the write lock, Kysely a transaction on this connection, or an
   * earlier write is waiting out a lock): nothing was written, and `write` waits its turn.
   */
  tryWrite<T>(work: () => T, bare: boolean): T | typeof NOT_NOW {
    if (this.sqlite.inTransaction || this.lockWait.waiting) return NOT_NOW;
    try {
      return bare ? work() : this.once(work);
    } catch (err) {
      if (isBusy(err)) return NOT_NOW;
      throw classifyDbError(err);
    }
  }

  /**
   * `work` in one transaction (with `bare`, `work` is one write statement: its own), committed before
   * this resolves; retried whole after SQLITE_BUSY (it rolled back).
   */
  async write<T>(work: () => T, bare = false): Promise<T> {
    const tx = bare ? work : () => this.once(work);
    try {
      return await this.lockWait.run(async () => (this.sqlite.inTransaction ? this.afterKysely(tx) : tx()));
    } catch (err) {
      throw classifyDbError(err);
    }
  }

  private once<T>(work: () => T): T {
    this.begin.run();
    try {
      const out = work();
      this.commit.run();
      return out;
    } catch (err) {
      if (this.sqlite.inTransaction) this.rollback.run();
      throw err;
    }
  }

  /** Kysely has a transaction open on this connection: take the connection after it, as its next query would. */
  private afterKysely<T>(tx: () => T): Promise<T> {
    return this.db.connection().execute(async () => {
      if (this.sqlite.inTransaction) throw new Error("sqlite: a transaction is still open on the connection Purser was handed");
      return tx();
    });
  }
}
