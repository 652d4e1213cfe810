import { createDatabase, migrate } from "../db/index.js";
import { ConfigError, loadConfig, readEnvironment } from "./config.js";
import { guardStdio } from "./stdio.js";

const env = readEnvironment();
guardStdio(env, "db:migrate");
try {
  const config = loadConfig(env);
  const db = createDatabase(config.DATABASE_URL);
  const applied = await migrate(db.db);
  process.stdout.write(applied.length ? `applied: ${applied.join(", ")} (${db.where})\n` : `up to date (${db.where})\n`);
  await db.close();
} catch (e) {
  const lines = e instanceof ConfigError ? e.problems : [e instanceof Error ? e.message : String(e)];
  process.stderr.write(`db:migrate failed\n${lines.map((l) => `  ${l}`).join("\n")}\n`);
  process.exit(1);
}
