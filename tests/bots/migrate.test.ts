import { execFile } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import Database from "better-sqlite3";
import pg from "pg";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const tsx = join(process.cwd(), "node_modules/.bin/tsx");

describe("npm run db:migrate", () => {
  it("creates the SQLite file and its directory on first run, in WAL mode; a second run is up to date", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "purser-migrate-")), "not", "yet");
    const env = { ...process.env, DATABASE_URL: `sqlite:${join(dir, "purser.db")}`, LOG_LEVEL: "silent" };
    const first = await run(tsx, [join(process.cwd(), "bots/migrate.ts")], { env });
    expect(first.stdout).toMatch(/^applied: \d{4}-\w[\w-]*(, \d{4}-\w[\w-]*)* \(sqlite:/);
    expect(existsSync(join(dir, "purser.db"))).toBe(true);
    const db = new Database(join(dir, "purser.db"), { readonly: true });
    try {
      expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
      const tables = db.prepare("select name from sqlite_master where type = 'table'").all().map((r) => (r as { name: string }).name);
      expect(tables).toEqual(expect.arrayContaining(["users", "identities", "orders", "alerts", "outbox", "leases", "llm_usage"]));
    } finally {
      db.close();
    }
    const second = await run(tsx, [join(process.cwd(), "bots/migrate.ts")], { env });
    expect(second.stdout).toMatch(/^up to date \(sqlite:/);
  }, 120_000);

  it("a bad DATABASE_URL fails with one clear line and exit code 1", async () => {
    const env = { ...process.env, DATABASE_URL: "mysql://nope" };
    const err = await run(tsx, [join(process.cwd(), "bots/migrate.ts")], { env }).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(err?.code).toBe(1);
    expect(err?.stderr).toMatch(/^db:migrate failed\n {2}DATABASE_URL: /);
  }, 120_000);

  const failing = (env: NodeJS.ProcessEnv) =>
    run(tsx, [join(process.cwd(), "bots/migrate.ts")], { env: { ...process.env, LOG_LEVEL: "silent", ...env } }).then(
      (ok) => ({ code: 0, stderr: ok.stderr }),
      (e: { code: number; stderr: string }) => e,
    );

  it("a migration whose own step fails is named", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "purser-migrate-")), "p.db");
    const db = new Database(file);
    db.exec("create table users (something text)"); // in the way of the first migration
    db.close();
    const err = await failing({ DATABASE_URL: `sqlite:${file}` });
    expect(err.code).toBe(1);
    expect(err.stderr).toMatch(/^db:migrate failed\n {2}migration 2026-11-21T0800-foundation failed: .*users/);
  }, 120_000);

  it("a database migrated by a newer version names the migration this version does not know", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "purser-migrate-")), "p.db");
    const env = { DATABASE_URL: `sqlite:${file}` };
    expect((await failing(env)).code).toBe(0);
    const db = new Database(file);
    db.prepare("insert into kysely_migration (name, timestamp) values (?, ?)").run("2099-01-01T0000-from-a-newer-version", new Date().toISOString());
    db.close();
    const err = await failing(env);
    expect(err.code).toBe(1);
    expect(err.stderr).toContain("migration 2099-01-01T0000-from-a-newer-version failed: corrupted migrations: previously executed migration 2099-01-01T0000-from-a-newer-version is missing");
    expect(err.stderr).not.toContain("migration ?");
  }, 120_000);

  const pgUrl = process.env.TEST_DATABASE_URL;
  it.skipIf(!pgUrl)(`a failure before any migration ran (no CREATE right on Postgres) names the next migration${pgUrl ? "" : " (skipped: TEST_DATABASE_URL is not set)"}`, async () => {
    const suffix = Math.random().toString(36).slice(2, 10);
    const [role, schema] = [`purser_ro_${suffix}`, `purser_ro_${suffix}`];
    const admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    try {
      await admin.query(`create schema ${schema}`);
      await admin.query(`create role ${role} login`);
      await admin.query(`grant usage on schema ${schema} to ${role}`); // may read, may not create
      await admin.query(`alter role ${role} set search_path = ${schema}`);
      const url = new URL(pgUrl!);
      url.username = role;
      url.password = "";
      const err = await failing({ DATABASE_URL: url.href });
      expect(err.code).toBe(1);
      expect(err.stderr).toMatch(/^db:migrate failed\n {2}migration 2026-11-21T0800-foundation \(the next to apply\) failed before it ran: permission denied for schema purser_ro_/);
    } finally {
      await admin.query(`drop schema if exists ${schema} cascade`);
      await admin.query(`drop owned by ${role}`).catch(() => undefined);
      await admin.query(`drop role if exists ${role}`);
      await admin.end();
    }
  }, 120_000);
});
