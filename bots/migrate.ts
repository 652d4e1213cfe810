import { createDatabase, migrate } from "../db/index.js";
import { ConfigError, loadConfig, readEnvironment } from "./config.js";

try {
  const config = loadConfig(readEnvironment());
  const db = createDatabase(config.DATABASE_URL);
  const applied = await migrate(db.db);
  process.stdout.write(applied.length ? `applied: ${applied.join(", ")} (${db.where})\n` : `up to date (${db.where})\n`);
  await db.close();
} catch (e) {
  const lines = e instanceof ConfigError ? e.problems : [e instanceof Error ? e.message : String(e)];
  process.stderr.write(`db:migrate failed\n${lines.map((l) => `  ${l}`).join("\n")}\n`);
  process.exit(1);
}
