import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { OFFLINE_ENV } from "../helpers/app.js";

/*
 * `npm start` runs the compiled JavaScript (dist/, built by `npm run build` and on `npm install`).
 * These tests build it when it is missing or older than the sources, then run it as a process the
 * way the README's quick start does: lines on stdin, replies on stdout.
 */

const ROOT = process.cwd();

function run(args: string[], input: string, env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), "purser-compiled-"));
  const child = spawn(process.execPath, args, {
    cwd: dir,
    env: {
      ...process.env,
      ...OFFLINE_ENV,
      DATABASE_URL: `sqlite:${join(dir, "p.db")}`,
      MARKET_SOURCE: "replay",
      REPLAY_DATA_DIR: join(ROOT, "data/replay"),
      LOG_FILE: join(dir, "purser.log"),
      ...env,
    },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  child.stdin.end(input); // the chat answers every line, then stops at end of input
  const exited = new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
  return { exited, stdout: () => stdout, stderr: () => stderr, dir };
}

beforeAll(async () => {
  const build = spawn(process.execPath, [join(ROOT, "bots/compiled.mjs"), "--build", "--if-stale"], { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  build.stderr.on("data", (d) => (err += d));
  const code = await new Promise<number | null>((r) => build.on("exit", r));
  if (code !== 0) throw new Error(`npm run build failed:\n${err}`);
}, 600_000);

describe("the compiled start (npm start)", () => {
  it("node dist/bots/main.js answers /start in the terminal and stops at end of input", async () => {
    expect(existsSync(join(ROOT, "dist/bots/main.js"))).toBe(true);
    const p = run([join(ROOT, "dist/bots/main.js")], "/start\n");
    expect(await p.exited).toBe(0);
    expect(p.stdout()).toContain("Welcome to Purser");
    // The version comes from the repository's package.json, found from dist/bots/ as from bots/.
    const version = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;
    expect(readFileSync(join(p.dir, "purser.log"), "utf8")).toContain(`"version":"${version}"`);
  }, 120_000);

  it("through the launcher npm start uses, with arguments for the entry: replayed prices load on the first /price", async () => {
    const p = run([join(ROOT, "bots/compiled.mjs"), "bots/main"], "/start\n/price SOL\n");
    expect(await p.exited).toBe(0);
    expect(p.stdout()).toContain("Welcome to Purser");
    expect(p.stdout()).toMatch(/SOL\s+\$[\d,.]+.*replay/);
    expect(p.stderr()).not.toMatch(/rebuilding|building dist/); // built in beforeAll: no build at start
  }, 120_000);

  it("a compiled bot script gets its own arguments: npm run backtest -- --help", async () => {
    const p = run([join(ROOT, "bots/compiled.mjs"), "bots/backtest", "--help"], "");
    expect(await p.exited).toBe(0);
    expect(p.stdout() + p.stderr()).toContain("Usage: npm run backtest");
  }, 120_000);

  it("a stack trace from dist/ names the TypeScript source and line (source maps, as the launcher enables them)", async () => {
    // dist/ is a bundle: the chunk holding core/domain/money.ts is the one whose source map lists it.
    const dir = join(ROOT, "dist/bots");
    const chunk = readdirSync(dir)
      .filter((f) => f.endsWith(".js.map"))
      .find((f) => (JSON.parse(readFileSync(join(dir, f), "utf8")) as { sources: string[] }).sources.some((s) => s.endsWith("core/domain/money.ts")));
    expect(chunk).toBeDefined();
    const money = pathToFileURL(join(dir, chunk!.replace(/\.map$/, ""))).href;
    const script = `process.setSourceMapsEnabled(true); const { parseAmount } = await import(${JSON.stringify(money)}); try { parseAmount("", 9) } catch (e) { console.log(e.stack) }`;
    const p = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    await new Promise((r) => p.on("exit", r));
    expect(out).toMatch(/at parseAmount \(\S*core\/domain\/money\.ts:\d+:\d+\)/);
  }, 60_000);
});
