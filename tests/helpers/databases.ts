import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import pg from "pg";
import { createDatabase, migrate, type Db } from "../../db/index.js";

export interface TestDb {
  name: "sqlite" | "postgres";
  open(): Promise<Db>;
  cleanup(): Promise<void>;
}

const pgUrl = process.env.TEST_DATABASE_URL;

/** SQLite always; Postgres too when TEST_DATABASE_URL is set (each test gets a fresh schema). */
export function testDatabases(): Array<{ name: string; skip: string | false; make: () => TestDb }> {
  return [
    { name: "sqlite", skip: false, make: sqliteDb },
    {
      name: "postgres",
      skip: pgUrl ? false : "TEST_DATABASE_URL is not set (CI sets it to the local Postgres)",
      make: () => postgresDb(pgUrl!),
    },
  ];
}

/**
 * Like testDatabases(), but every `open()` of one TestDb is another independent connection (its own
 * better-sqlite3 handle on one WAL file, its own pg pool on one schema) over the SAME database: what
 * two processes sharing a database look like, for race tests.
 */
export function sharedTestDatabases(): Array<{ name: string; skip: string | false; make: () => TestDb }> {
  return testDatabases().map((t) => (t.name === "sqlite" ? { ...t, make: sqliteFileDb } : t));
}

function sqliteFileDb(): TestDb {
  const opened: Db[] = [];
  let url: string | undefined;
  return {
    name: "sqlite",
    async open() {
      url ??= await tempSqliteUrl();
      const d = createDatabase(url);
      opened.push(d);
      await migrate(d.db);
      return d;
    },
    async cleanup() {
      await Promise.all(opened.map((d) => d.close()));
      if (url) rmSync(dirname(url.slice("sqlite:".length)), { recursive: true, force: true });
    },
  };
}

function sqliteDb(): TestDb {
  const opened: Db[] = [];
  return {
    name: "sqlite",
    async open() {
      const d = createDatabase("sqlite::memory:");
      await migrate(d.db);
      opened.push(d);
      return d;
    },
    async cleanup() {
      await Promise.all(opened.map((d) => d.close()));
    },
  };
}

function postgresDb(url: string): TestDb {
  const schema = `t_${randomBytes(6).toString("hex")}`;
  const opened: Db[] = [];
  let created = false;
  return {
    name: "postgres",
    async open() {
      if (!created) {
        const c = new pg.Client({ connectionString: url });
        await c.connect();
        await c.query(`CREATE SCHEMA ${schema}`);
        await c.end();
        created = true;
      }
      const d = createDatabase(url, { schema, poolMax: 4 });
      await migrate(d.db, schema);
      opened.push(d);
      return d;
    },
    async cleanup() {
      await Promise.all(opened.splice(0).map((d) => d.close()));
      if (created) {
        // a later open() (the next test on this TestDb) makes the schema again
        created = false;
        const c = new pg.Client({ connectionString: url });
        await c.connect();
        await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await c.end();
      }
    },
  };
}

/** A file-backed SQLite database in a temp dir (for restart tests). */
export async function tempSqliteUrl(): Promise<string> {
  const { mkdtempSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  return `sqlite:${join(mkdtempSync(join(tmpdir(), "purser-")), "purser.db")}`;
}
