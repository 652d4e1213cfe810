import { spawn, type ChildProcess } from "node:child_process";
import { openSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { OFFLINE_ENV } from "./app.js";

/**
 * Purser as a real OS process in `dir` (its own SQLite file), headless (stdin on /dev/null), offline,
 * replaying the bundled prices; `env` adds or overrides settings. `chat: true` gives it piped stdin
 * and stdout instead: with no platform configured that is the terminal chat, one message per line.
 * `nodeArgs` go to node before the script (e.g. another `--import`).
 */
export function startPurserProcess(dir: string, port: number, env: Record<string, string> = {}, opts: { chat?: boolean; nodeArgs?: string[] } = {}) {
  // node itself with tsx's loader (not the tsx CLI, which runs node as its own child): the pid is
  // Purser's, and a signal reaches it directly.
  const loader = pathToFileURL(join(process.cwd(), "node_modules/tsx/dist/loader.mjs")).href;
  const child: ChildProcess = spawn(process.execPath, ["--import", loader, ...(opts.nodeArgs ?? []), join(process.cwd(), "bots/main.ts")], {
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
    stdio: opts.chat ? ["pipe", "pipe", "pipe"] : [openSync("/dev/null", "r"), "ignore", "pipe"],
  });
  let stderr = "";
  let stdout = "";
  child.stderr?.on("data", (d) => (stderr += d));
  child.stdout?.on("data", (d) => (stdout += d));
  const exited = new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
  return { child, exited, stderr: () => stderr, stdout: () => stdout };
}
