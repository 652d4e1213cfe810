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
  // node itself (not npm or the tsx CLI, which run node as their child): the pid is Purser's, and a
  // signal reaches it directly. The compiled build, as `npm start` runs it (tests/global-setup.ts
  // rebuilt dist/ if the sources changed): half a second to start instead of seconds of compiling.
  // A test that preloads its own TypeScript module (`nodeArgs`) runs the sources with tsx's loader,
  // so that its module and Purser's are the same instances.
  const loader = pathToFileURL(join(process.cwd(), "node_modules/tsx/dist/loader.mjs")).href;
  const args = opts.nodeArgs?.length
    ? ["--import", loader, ...opts.nodeArgs, join(process.cwd(), "bots/main.ts")]
    : ["--enable-source-maps", join(process.cwd(), "dist/bots/main.js")];
  const child: ChildProcess = spawn(process.execPath, args, {
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
