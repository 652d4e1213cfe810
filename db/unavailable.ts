import type {
  CompiledQuery,
  DatabaseConnection,
  DatabaseIntrospector,
  Dialect,
  DialectAdapter,
  Driver,
  Kysely,
  QueryCompiler,
  QueryResult,
  TransactionSettings,
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

class GuardedConnection implements DatabaseConnection {
  constructor(readonly inner: DatabaseConnection) {}
  executeQuery<R>(q: CompiledQuery): Promise<QueryResult<R>> {
    return guard(() => this.inner.executeQuery<R>(q));
  }
  async *streamQuery<R>(q: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    try {
      yield* this.inner.streamQuery<R>(q, chunkSize);
    } catch (err) {
      throw classifyDbError(err);
    }
  }
}

const unwrap = (c: DatabaseConnection) => (c instanceof GuardedConnection ? c.inner : c);

class GuardedDriver implements Driver {
  constructor(private readonly inner: Driver) {}
  init() {
    return guard(() => this.inner.init());
  }
  async acquireConnection(): Promise<DatabaseConnection> {
    return new GuardedConnection(await guard(() => this.inner.acquireConnection()));
  }
  beginTransaction(c: DatabaseConnection, settings: TransactionSettings) {
    return guard(() => this.inner.beginTransaction(unwrap(c), settings));
  }
  commitTransaction(c: DatabaseConnection) {
    return guard(() => this.inner.commitTransaction(unwrap(c)));
  }
  rollbackTransaction(c: DatabaseConnection) {
    return guard(() => this.inner.rollbackTransaction(unwrap(c)));
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
  constructor(private readonly inner: Dialect) {}
  createDriver(): Driver {
    return new GuardedDriver(this.inner.createDriver());
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
