import { execFile } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import Database from "better-sqlite3";
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
  }, 30_000);

  it("a bad DATABASE_URL fails with one clear line and exit code 1", async () => {
    const env = { ...process.env, DATABASE_URL: "mysql://nope" };
    const err = await run(tsx, [join(process.cwd(), "bots/migrate.ts")], { env }).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(err?.code).toBe(1);
    expect(err?.stderr).toMatch(/^db:migrate failed\n {2}DATABASE_URL: /);
  }, 30_000);
});
