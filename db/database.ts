import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type Migration, type MigrationProvider } from "kysely";
import type Pg from "pg";
import { createRequire } from "node:module";
import type { Logger } from "../core/ports/logger.port.js";
import { migrations } from "./migrations/index.js";
import type { Database } from "./schema.js";
import { LockWait, unavailableReason, UnavailabilityDialect } from "./unavailable.js";

export type DialectName = "sqlite" | "postgres";

export interface Db {
  db: Kysely<Database>;
  dialect: DialectName;
  /** Human-readable location without credentials (for logs and /readyz). */
  where: string;
  /** Postgres schema when not the default (migrations keep their bookkeeping tables there too). */
  schema?: string;
  close(): Promise<void>;
  /**
   * The driver's own handle under Kysely, for db/ repositories' hot paths only (prepared statements
   * kept, one statement per batch): the better-sqlite3 database with the lock wait Kysely's
   * transactions use, or the pg pool. Nothing outside db/ uses it (a bench's baseline may).
   */
  raw?: RawHandle;
}

export type RawHandle = { kind: "sqlite"; sqlite: SQLite.Database; lockWait: LockWait } | { kind: "postgres"; pool: Pg.Pool };

export interface DbOptions {
  /** Postgres schema to use (tests isolate themselves in a fresh one). */
  schema?: string;
  poolMax?: number;
  /** Where a dropped connection is reported (the pool reconnects on the next query by itself). */
  log?: Logger;
  /** How long a new Postgres connection may take before the query fails as unavailable (default 10 s). */
  connectTimeoutMs?: number;
}

/** How long a SQLite statement waits for another writer's lock before it fails as unavailable. */
export const SQLITE_LOCK_WAIT_MS = 5000;

/** `sqlite:./data/purser.db`, `sqlite::memory:`, or `postgres://user@host/db`. */
export function createDatabase(url: string, opts: DbOptions = {}): Db {
  if (/^postgres(ql)?:\/\//i.test(url)) {
    const pg = createRequire(import.meta.url)("pg") as typeof Pg; // loaded only for Postgres (a SQLite process never needs it)
    const pool = new pg.Pool({
      connectionString: url,
      max: opts.poolMax ?? 10,
      // Without a deadline a connect to an unreachable host waits for the OS (minutes) and every
      // query queues behind it; with one, queries fail as "unavailable" and /readyz says so.
      connectionTimeoutMillis: opts.connectTimeoutMs ?? 10_000,
      ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
      // int8 (timestamps in ms, counts) as JS numbers: our bigint columns stay far below 2^53.
      types: {
        getTypeParser: ((oid: number, format?: string) =>
          oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
      },
    });
    watchConnections(pool, opts.log);
    const db = new Kysely<Database>({ dialect: new UnavailabilityDialect(new PostgresDialect({ pool })) });
    const u = new URL(url);
    return {
      db,
      dialect: "postgres",
      where: `postgres://${u.host}${u.pathname}`,
      ...(opts.schema ? { schema: opts.schema } : {}),
      close: () => db.destroy(),
      raw: { kind: "postgres", pool },
    };
  }
  const m = /^sqlite:(.*)$/i.exec(url);
  if (!m) throw new Error(`DATABASE_URL must start with sqlite: or postgres:// (got ${url.split(":")[0]}:...)`);
  const file = m[1]!;
  const memory = file === ":memory:" || file === "";
  if (!memory) mkdirSync(dirname(resolve(file)), { recursive: true });
  const sqlite = new SQLite(memory ? ":memory:" : file);
  if (!memory) sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  // Another writer's lock is waited out for up to 5 s by LockWait, on timers: SQLite's own busy
  // handler would sleep inside the synchronous driver and freeze the whole process meanwhile.
  // Transactions BEGIN IMMEDIATE (waited for the same way), so writers in other processes queue
  // instead of failing halfway with SQLITE_BUSY_SNAPSHOT.
  sqlite.pragma("busy_timeout = 0");
  sqlite.pragma("foreign_keys = ON");
  // One lock wait for Kysely's statements and the repositories' prepared ones: both learn a lock is stuck.
  const lockWait = new LockWait(SQLITE_LOCK_WAIT_MS);
  const dialect = new UnavailabilityDialect(new SqliteDialect({ database: sqlite }), { lockWait });
  const db = new Kysely<Database>({ dialect });
  return {
    db,
    dialect: "sqlite",
    where: memory ? "sqlite::memory:" : `sqlite:${file}`,
    close: () => db.destroy(),
    raw: { kind: "sqlite", sqlite, lockWait },
  };
}

/**
 * A connection the server drops (pg_terminate_backend, a failover, a restart, an idle reaper) makes
 * node-postgres emit 'error': on the pool for an idle client, on the client itself for one checked
 * out between queries (a transaction). Unheard, either ends the process. Heard, the dead client
 * leaves the pool, the query in flight fails (as UnavailableError) and the next one reconnects.
 */
function watchConnections(pool: Pg.Pool, log: Logger | undefined): void {
  // Each lost connection is reported once, naming the server's process id of it (what
  // pg_stat_activity and the server log name), whichever way its loss surfaced.
  const reported = new WeakSet<object>();
  const lost = (client: Pg.PoolClient, err: Error) => {
    if (reported.has(client)) return;
    reported.add(client);
    const pid = (client as { processID?: number | null }).processID ?? undefined;
    log?.warn({ reason: unavailableReason(err) ?? err.name, pid, err }, "database connection lost: the pool reconnects on the next query");
  };
  // Every client is watched from its first connect, so the pool's copy of an idle client's error
  // (its own 'error' event, which must have a listener) is already reported.
  pool.on("error", () => undefined);
  pool.on("connect", (client) => client.on("error", (err) => lost(client, err)));
  // A connection the server ends while a query runs on it (pool.query, the dedupe's hot path) fails
  // that query; the pool then discards the client, which never emits 'error'. Its release says why.
  pool.on("release", (err: Error | undefined, client: Pg.PoolClient) => {
    const reason = err && unavailableReason(err);
    if (err && reason && !/^5[38]/.test(reason)) lost(client, err); // not disk full or out of memory: the connection itself
  });
}

class StaticProvider implements MigrationProvider {
  constructor(private readonly all: Record<string, Migration>) {}
  getMigrations() {
    return Promise.resolve(this.all);
  }
}

/** A migration run that failed, naming the migration (`migration`) whenever it can be known. */
export class MigrationError extends Error {
  override readonly name = "MigrationError";
  constructor(
    readonly migration: string | undefined,
    message: string,
    cause: unknown,
    /** It failed before any migration's `up` ran (bookkeeping, lock, introspection): nothing half done. */
    readonly beforeAnyRan = false,
  ) {
    super(message, { cause });
  }
}

/**
 * Applies every pending migration; throws naming the failing migration. Kysely's results name it when
 * its `up` failed; when the failure came before any migration ran (the bookkeeping table could not be
 * created, the lock, a database migrated by a newer version) the name comes from the error itself or,
 * failing that, is the next migration that was to run.
 */
export async function migrate(db: Kysely<Database>, schema?: string): Promise<string[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await migrateOnce(db, schema);
    } catch (err) {
      // Kysely's introspection lists the tables of EVERY schema in the database; another schema dropped
      // at that moment (a test run beside us, an operator's cleanup) fails it with 3F000 naming that
      // other schema, or with 42P01/42703 naming one of its tables or columns as it goes. Ours is not
      // the problem: look again.
      if (attempt < 4 && otherSchemaVanished(err, schema)) continue;
      throw err;
    }
  }
}

/** A migration error caused by ANOTHER schema vanishing mid-introspection (worth a second look), not ours. */
export function otherSchemaVanished(err: unknown, ours: string | undefined): boolean {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  // A table or column gone while the catalogue was being read, before any migration of ours ran (no
  // `up` half done): another schema's table dropped under the introspection.
  if (err instanceof MigrationError && err.beforeAnyRan && (cause?.code === "42P01" || cause?.code === "42703")) return true;
  if (cause?.code !== "3F000" || typeof cause.message !== "string") return false;
  const named = /schema "([^"]+)" does not exist/.exec(cause.message)?.[1];
  return named !== undefined && named !== (ours ?? "public");
}

async function migrateOnce(db: Kysely<Database>, schema?: string): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: new StaticProvider(migrations),
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const why = error instanceof Error ? error.message : String(error);
    const failed = results?.find((r) => r.status === "Error")?.migrationName;
    if (failed) throw new MigrationError(failed, `migration ${failed} failed: ${why}`, error);
    // kysely's own checks name one: "corrupted migrations: previously executed migration <name> is missing"
    const named = /\bmigration "?(\d{4}-\d{2}-\d{2}T\d{4}-[\w-]+)"?/.exec(why)?.[1];
    if (named) throw new MigrationError(named, `migration ${named} failed: ${why}`, error);
    const next = await nextPending(migrator);
    const ranNone = !(results ?? []).some((r) => r.status === "Success");
    throw new MigrationError(next, next ? `migration ${next} (the next to apply) failed before it ran: ${why}` : `migrations failed before any ran: ${why}`, error, ranNone);
  }
  return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}

/** The first migration not yet applied: from the database's record, else the first of the list. */
async function nextPending(migrator: Migrator): Promise<string | undefined> {
  const all = await migrator.getMigrations().catch(() => undefined);
  if (all) return all.find((m) => !m.executedAt)?.name;
  return Object.keys(migrations).sort()[0];
}
