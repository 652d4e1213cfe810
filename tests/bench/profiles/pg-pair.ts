import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildApp } from "../../../bots/app.js";
import { loadConfig } from "../../../bots/config.js";
import { createDatabase, migrate } from "../../../db/index.js";
import { OFFLINE_ENV } from "../../helpers/app.js";
import { fileLogger, sender } from "../router.bench.js";

/**
 * The Postgres pair the bench's `router.whoami.pg` row compares, for the profiling tools: the app on a
 * fresh schema of PROFILE_PG (default the local test database) with the real logger writing to a file,
 * /whoami from 200 returning users, and the raw single-row insert over the same pool. `close` drops
 * the schema and removes the log.
 */
export async function openPgPair(tag: string) {
  const url = process.env.PROFILE_PG ?? "postgres://postgres@127.0.0.1:5432/test";
  const dir = mkdtempSync(join(tmpdir(), `purser-${tag}-`));
  const schema = `${tag}_${randomBytes(4).toString("hex")}`;
  const d = createDatabase(url, { schema });
  await d.db.schema.createSchema(schema).execute();
  await migrate(d.db, schema);
  const pool = d.raw?.kind === "postgres" ? d.raw.pool : undefined;
  if (!pool) throw new Error("PROFILE_PG is not a Postgres url");
  const logged = await fileLogger(dir, "p.log");
  const app = await buildApp(loadConfig({ ...OFFLINE_ENV, DATABASE_URL: url, USER_RATE_LIMIT_PER_MIN: "100000" }), { log: logged.log, db: d });
  const whoami = sender(app, { rendered: 0 })("/whoami", (i) => 5_000_000 + (Math.abs(i) % 200));
  const now = Date.now();
  const text = "insert into processed_updates (platform, update_id, state, claimed_at, done_at) values ($1, $2, 'done', $3, $4)";
  let k = 0;
  const raw = () => pool.query({ name: "bench-raw-insert", text, values: ["raw", `${tag}-${++k}`, now, now] });
  const close = async () => {
    await app.close();
    await logged.close();
    await d.db.schema.dropSchema(schema).cascade().execute();
    await d.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { app, pool, whoami, raw, close };
}
