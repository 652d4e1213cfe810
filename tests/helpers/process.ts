import { spawn, type ChildProcess } from "node:child_process";
import { openSync } from "node:fs";
import { join } from "node:path";
import { OFFLINE_ENV } from "./app.js";

/**
 * Purser as a real OS process in `dir` (its own SQLite file), headless (stdin on /dev/null), offline,
 * replaying the bundled prices; `env` adds or overrides settings.
 */
export function startPurserProcess(dir: string, port: number, env: Record<string, string> = {}) {
  const child: ChildProcess = spawn(join(process.cwd(), "node_modules/.bin/tsx"), [join(process.cwd(), "bots/main.ts")], {
    cwd: dir,
    env: {
      ...process.env,
      ...OFFLINE_ENV,
      DATABASE_URL: `sqlite:${join(dir, "p.db")}`,
      HTTP_PORT: String(port),
      MARKET_SOURCE: "replay",
      REPLAY_DATA_DIR: join(process.cwd(), "data/replay"),
      LOG_LEVEL: "warn",
      ...env,
    },
    stdio: [openSync("/dev/null", "r"), "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
  return { child, exited, stderr: () => stderr };
}
