import {
  CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from "kysely";
import { UnavailableError } from "../core/errors.js";

/**
 * Which driver errors mean "the database cannot be reached right now" (as opposed to a bad query,
 * a constraint, a bug). node-postgres gives SQLSTATEs for server-side faults, socket codes for the
 * network, and bare messages for its own connection state; better-sqlite3 gives SQLITE_* codes.
 */
const PG_CLASSES = [
  "08", // connection exception
  "57P", // operator intervention: admin shutdown (pg_terminate_backend), crash shutdown, cannot connect now
  "53", // insufficient resources: disk full, out of memory, too many connections
  "58", // system error: I/O error
];
const SOCKET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);
const SQLITE_CODES = /^SQLITE_(BUSY|LOCKED|FULL|IOERR|PROTOCOL|NOMEM)/;
/** node-postgres's own connection errors carry no code, only these messages. */
const PG_MESSAGES: Array<[RegExp, string]> = [
  [/^Connection terminated due to connection timeout/, "connect timeout"],
  [/^timeout exceeded when trying to connect/, "connect timeout"],
  [/^Connection terminated/, "connection lost"],
  [/is not queryable$/, "connection lost"],
];

/** The short reason when `err` (or its cause) says the database is unreachable; undefined otherwise. */
export function unavailableReason(err: unknown, depth = 0): string | undefined {
  if (depth > 3 || err === null || typeof err !== "object") return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string") {
    if (SQLITE_CODES.test(code) || SOCKET_CODES.has(code)) return code;
    if (/^[0-9A-Z]{5}$/.test(code) && PG_CLASSES.some((c) => code.startsWith(c))) return code;
  }
  const message = err instanceof Error ? err.message : "";
  for (const [re, reason] of PG_MESSAGES) if (re.test(message)) return reason;
  for (const inner of err instanceof AggregateError ? err.errors : []) {
    const r = unavailableReason(inner, depth + 1);
    if (r) return r;
  }
  return unavailableReason((err as { cause?: unknown }).cause, depth + 1);
}

/** `err` as an UnavailableError when it says the database is unreachable; otherwise `err` itself. */
export function classifyDbError(err: unknown): unknown {
  if (err instanceof UnavailableError) return err;
  const reason = unavailableReason(err);
  return reason ? new UnavailableError("database", reason, { cause: err }) : err;
}

const guard = async <T>(work: () => Promise<T>): Promise<T> => {
  try {
    return await work();
  } catch (err) {
    throw classifyDbError(err);
  }
};

/** SQLite's own back-off steps while another connection holds the lock (sqlite3.c, sqliteDefaultBusyCallback). */
const LOCK_WAIT_STEPS_MS = [1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100];
export const isBusy = (err: unknown): boolean => {
  const code = (err as { code?: unknown } | null)?.code;
  return code === "SQLITE_BUSY" || code === "SQLITE_BUSY_RECOVERY";
};

/**
 * Waits out another writer's lock (SQLite's busy_timeout) without blocking the event loop:
 * better-sqlite3 is synchronous, so SQLite's own busy handler would freeze the whole process
 * (health checks, Telegram, every chat) for as long as it waits. Here each try returns at once,
 * and the waits between tries are timers. Once a statement has waited the full time in vain, the
 * next ones try once and fail at once, until one succeeds: a lock held for minutes costs each
 * message one try, not another full wait.
 */
export class LockWait {
  private stuck = false;
  private waits = 0;
  constructor(private readonly waitMs: number) {}

  /** Some statement is waiting out a lock (a synchronous write would only find it taken too). */
  get waiting(): boolean {
    return this.waits > 0;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + (this.stuck ? 0 : this.waitMs);
    for (let i = 0; ; i++) {
      try {
        const out = await work();
        this.stuck = false;
        return out;
      } catch (err) {
        const left = deadline - Date.now();
        if (!isBusy(err)) throw err;
        if (left <= 0) {
          this.stuck = true;
          throw err;
        }
        this.waits++;
        try {
          await new Promise((r) => setTimeout(r, Math.min(left, LOCK_WAIT_STEPS_MS[i] ?? 100)));
        } finally {
          this.waits--;
        }
      }
    }
  }
}

class GuardedConnection implements DatabaseConnection {
  constructor(
    readonly inner: DatabaseConnection,
    private readonly lockWait?: LockWait,
  ) {}
  executeQuery<R>(q: CompiledQuery): Promise<QueryResult<R>> {
    const run = () => this.inner.executeQuery<R>(q);
    // A statement that got SQLITE_BUSY changed nothing (it did not get the lock): trying it again is safe.
    return guard(this.lockWait ? () => this.lockWait!.run(run) : run);
  }
  async *streamQuery<R>(q: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    try {
      yield* this.inner.streamQuery<R>(q, chunkSize);
    } catch (err) {
      throw classifyDbError(err);
    }
  }
}

const BEGIN_IMMEDIATE = CompiledQuery.raw("begin immediate");
const unwrap = (c: DatabaseConnection) => (c instanceof GuardedConnection ? c.inner : c);

class GuardedDriver implements Driver {
  constructor(
    private readonly inner: Driver,
    private readonly lockWait?: LockWait,
  ) {}
  init() {
    return guard(() => this.inner.init());
  }
  async acquireConnection(): Promise<DatabaseConnection> {
    return new GuardedConnection(await guard(() => this.inner.acquireConnection()), this.lockWait);
  }
  beginTransaction(c: DatabaseConnection, settings: TransactionSettings) {
    const lockWait = this.lockWait;
    if (!lockWait) return guard(() => this.inner.beginTransaction(unwrap(c), settings));
    // SQLite: every transaction here writes, so it takes the write lock up front (BEGIN IMMEDIATE).
    // A deferred BEGIN reads first and upgrades later; when another connection wrote in between, the
    // upgrade fails (SQLITE_BUSY_SNAPSHOT) and no waiting can save the transaction. Waiting for the
    // lock before the first read serialises writers across processes; a BEGIN that got SQLITE_BUSY
    // started nothing, so trying it again is safe.
    return guard(() => lockWait.run(() => unwrap(c).executeQuery(BEGIN_IMMEDIATE)).then(() => undefined));
  }
  commitTransaction(c: DatabaseConnection) {
    return guard(() => this.inner.commitTransaction(unwrap(c)));
  }
  async rollbackTransaction(c: DatabaseConnection) {
    try {
      await guard(() => this.inner.rollbackTransaction(unwrap(c)));
    } catch (err) {
      // SQLite rolls a transaction back by itself on some errors (SQLITE_FULL, SQLITE_IOERR): the
      // ROLLBACK that follows then fails, and that failure must not hide the error that caused it.
      if (err instanceof Error && /no transaction is active/i.test(err.message)) return;
      throw err;
    }
  }
  async savepoint(c: DatabaseConnection, name: string, compile: QueryCompiler["compileQuery"]) {
    await guard(async () => this.inner.savepoint?.(unwrap(c), name, compile));
  }
  async rollbackToSavepoint(c: DatabaseConnection, name: string, compile: QueryCompiler["compileQuery"]) {
    await guard(async () => this.inner.rollbackToSavepoint?.(unwrap(c), name, compile));
  }
  async releaseSavepoint(c: DatabaseConnection, name: string, compile: QueryCompiler["compileQuery"]) {
    await guard(async () => this.inner.releaseSavepoint?.(unwrap(c), name, compile));
  }
  releaseConnection(c: DatabaseConnection) {
    return this.inner.releaseConnection(unwrap(c));
  }
  destroy() {
    return this.inner.destroy();
  }
}

/**
 * The dialect with every driver failure that means "unreachable" turned into UnavailableError, so
 * callers (the router's error boundary, background loops, /readyz) see one typed failure whatever
 * the database: a dropped Postgres connection and a locked SQLite file read the same.
 */
export class UnavailabilityDialect implements Dialect {
  constructor(
    private readonly inner: Dialect,
    /**
     * SQLite: how long a statement waits for another writer's lock (its PRAGMA busy_timeout must be 0),
     * or the LockWait itself (shared with the repositories' prepared statements). With either,
     * transactions begin IMMEDIATE: they hold the write lock from their first statement.
     */
    private readonly opts: { lockWaitMs?: number; lockWait?: LockWait } = {},
  ) {}
  createDriver(): Driver {
    const lockWait = this.opts.lockWait ?? (this.opts.lockWaitMs ? new LockWait(this.opts.lockWaitMs) : undefined);
    return new GuardedDriver(this.inner.createDriver(), lockWait);
  }
  createQueryCompiler(): QueryCompiler {
    return this.inner.createQueryCompiler();
  }
  createAdapter(): DialectAdapter {
    return this.inner.createAdapter();
  }
  createIntrospector(db: Kysely<any>): DatabaseIntrospector { // eslint-disable-line @typescript-eslint/no-explicit-any
    return this.inner.createIntrospector(db);
  }
}
