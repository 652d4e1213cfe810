import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { startDiscordFake } from "../fakes/discord-api.js";
import { startTelegramFake } from "../fakes/telegram-bot-api.js";
import { startXFake } from "../fakes/x-api.js";
import { OFFLINE_ENV } from "../helpers/app.js";
import { probe, until } from "../helpers/faults.js";
import { freePort } from "../helpers/net.js";
import type { BenchRow } from "./harness.js";

/*
 * Issue 20's start-up figures, each beside a baseline from the same run:
 * - startup.first_reply: `printf '/start\n' | npm start` (the README's command) from spawn to the
 *   reply's first line on stdout; an empty SQLite file, LOG_LEVEL default, no platform token, prices
 *   replayed and every outside endpoint on a closed loopback port. Median of 5, interleaved with
 *   the baselines so that a busy moment of the machine hits both.
 * - rss.idle.terminal / rss.idle.platforms: the Purser process's VmRSS after start-up and 5 answered
 *   /start messages, alone in the terminal, and with Telegram, Discord and X all configured against
 *   the local fakes (tests/fakes).
 */

const ROOT = process.cwd();
const RUNS = 5;
const WELCOME = /Welcome to Purser/;
/** The compiled start as `npm start` runs it (package.json's script), without npm: the pid is Purser's. */
const START = ["bots/compiled.mjs", "bots/main"];

function baseEnv(dir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...OFFLINE_ENV, MARKET_SOURCE: "replay", DATABASE_URL: `sqlite:${join(dir, "p.db")}`, LOG_FILE: join(dir, "purser.log") };
  for (const k of ["LOG_LEVEL", "TELEGRAM_BOT_TOKEN", "DISCORD_TOKEN", "TWITTER_APP_KEY", "REDIS_URL", "LLM_API_KEY", "MASTER_KEY"]) delete env[k];
  return env;
}

/** ms from spawning `sh -c script` to the first stdout line matching `line`; the process is then waited for. */
function timeToLine(script: string, line: RegExp, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn("sh", ["-c", script], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let at: number | undefined;
    child.stdout.on("data", (d: Buffer) => {
      if (at !== undefined) return;
      out += d.toString();
      if (out.split("\n").some((l) => line.test(l))) at = performance.now() - t0;
    });
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("exit", (code) => (at === undefined ? reject(new Error(`${script}: exit ${code} before a line matching ${line}\n${out}\n${err.slice(-2000)}`)) : resolve(at)));
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(", ");

async function startupRows(): Promise<BenchRow[]> {
  const purser: number[] = [];
  const node: number[] = [];
  const npm: number[] = [];
  const once = async (record: boolean) => {
    const dir = mkdtempSync(join(tmpdir(), "purser-startup-"));
    try {
      const p = await timeToLine("printf '/start\\n' | npm start", WELCOME, baseEnv(dir));
      const n = await timeToLine(`printf '/start\\n' | node -e "process.stdin.once('data', (d) => process.stdout.write('reply to ' + d))"`, /^reply to \/start/, baseEnv(dir));
      const m = await timeToLine("npm run env", /=/, baseEnv(dir));
      if (record) purser.push(p), node.push(n), npm.push(m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  await once(false); // warm-up: builds dist/ if it is missing or stale, fills the OS file cache
  for (let i = 0; i < RUNS; i++) await once(true);
  const [p, n, m] = [median(purser), median(node), median(npm)];
  return [
    {
      id: "startup.first_reply",
      name: "start-up to the first reply: printf '/start\\n' | npm start",
      opsPerSec: null,
      p50Ms: p,
      p99Ms: Math.max(...purser),
      target: (r) => ({ text: "median <= 1.0 s", pass: (r.p50Ms ?? Infinity) <= 1000 }),
      note: `median of ${RUNS} (p99 column = slowest): ${fmt(purser)} ms; ${(p / n).toFixed(1)}x plain node, ${(p / m).toFixed(1)}x npm's own start-up`,
    },
    {
      id: "baseline.startup.node",
      name: "baseline: printf '/start\\n' | node -e (read a line, write a reply)",
      opsPerSec: null,
      p50Ms: n,
      p99Ms: Math.max(...node),
      note: `median of ${RUNS}: ${fmt(node)} ms`,
    },
    {
      id: "baseline.startup.npm",
      name: "baseline: npm run env (npm's own start-up, no node script)",
      opsPerSec: null,
      p50Ms: m,
      p99Ms: Math.max(...npm),
      note: `median of ${RUNS}: ${fmt(npm)} ms`,
    },
  ];
}

/** VmRSS and VmHWM of a live process, in MB. */
function rssMb(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  return { rss: kb("VmRSS") / 1024, hwm: kb("VmHWM") / 1024 };
}

/** A process fed one line at a time on stdin: `ask` writes a line and waits for `expect` to appear once more on stdout. */
function chatProcess(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((r) => child.on("exit", () => r()));
  const count = (re: RegExp) => out.split("\n").filter((l) => re.test(l)).length;
  const ask = async (text: string, expect: RegExp) => {
    const before = count(expect);
    child.stdin.write(`${text}\n`);
    await until(() => count(expect) > before || child.exitCode !== null, `a reply to ${text}`, 120_000, () => `${out.slice(-500)}\n${err.slice(-2000)}`);
    if (child.exitCode !== null) throw new Error(`exited (${child.exitCode}) before replying to ${text}\n${err.slice(-2000)}`);
  };
  const stop = async () => {
    child.stdin.end();
    await exited;
  };
  return { child, ask, stop };
}

async function rssRows(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), "purser-rss-"));
  const rows: BenchRow[] = [];
  try {
    // Plain node answering lines: what any Node process costs.
    const plain = chatProcess(["-e", "process.stdin.on('data', () => process.stdout.write('reply\\n'))"], baseEnv(dir));
    for (let i = 0; i < 5; i++) await plain.ask("/start", /^reply$/);
    const base = rssMb(plain.child.pid!);
    await plain.stop();
    rows.push({ id: "baseline.rss.node", name: "baseline: plain node answering 5 lines, VmRSS", opsPerSec: null, p50Ms: null, p99Ms: null, note: `${base.rss.toFixed(0)} MB (peak ${base.hwm.toFixed(0)} MB)` });

    const terminal = chatProcess(START, baseEnv(dir));
    for (let i = 0; i < 5; i++) await terminal.ask("/start", WELCOME);
    const t = rssMb(terminal.child.pid!);
    await terminal.stop();
    rows.push({
      id: "rss.idle.terminal",
      name: "idle RSS, terminal chat (compiled start, replay) after 5 /start",
      opsPerSec: null,
      p50Ms: null,
      p99Ms: null,
      target: { text: "VmRSS <= 120 MB", pass: t.rss <= 120 },
      note: `${t.rss.toFixed(0)} MB (peak ${t.hwm.toFixed(0)} MB); plain node ${base.rss.toFixed(0)} MB`,
    });

    const p = await platformsRss(dir);
    rows.push({
      id: "rss.idle.platforms",
      name: "idle RSS, Telegram + Discord + X configured (local fakes), after 5 /start on Telegram",
      opsPerSec: null,
      p50Ms: null,
      p99Ms: null,
      target: { text: "VmRSS <= 160 MB", pass: p.rss <= 160 },
      note: `${p.rss.toFixed(0)} MB (peak ${p.hwm.toFixed(0)} MB); plain node ${base.rss.toFixed(0)} MB`,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

/** Purser connected to all three fakes (ready on /readyz), then answering /start on Telegram five times. */
async function platformsRss(dir: string): Promise<{ rss: number; hwm: number }> {
  const [tg, dc, x] = await Promise.all([startTelegramFake({ limits: false }), startDiscordFake(), startXFake()]);
  const port = await freePort();
  const env = {
    ...baseEnv(dir),
    DATABASE_URL: `sqlite:${join(dir, "platforms.db")}`,
    HTTP_PORT: String(port),
    TELEGRAM_BOT_TOKEN: tg.token,
    TELEGRAM_API_ROOT: tg.apiRoot,
    DISCORD_TOKEN: dc.token,
    DISCORD_APPLICATION_ID: dc.applicationId,
    DISCORD_API_ROOT: dc.apiRoot,
    TWITTER_API_ROOT: x.url,
    TWITTER_APP_KEY: "app-key-123456",
    TWITTER_APP_SECRET: "app-secret-123456",
    TWITTER_ACCESS_TOKEN: "bot-access-token-123456",
    TWITTER_ACCESS_SECRET: "bot-access-secret-123456",
    USER_RATE_LIMIT_PER_MIN: "1000",
  };
  const child = spawn(process.execPath, START, { cwd: ROOT, env, stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((r) => child.on("exit", () => r()));
  try {
    await until(async () => child.exitCode !== null || (await probe(port, "/readyz")).status === 200, "/readyz 200 with all three platforms", 180_000, () => err.slice(-2000));
    if (child.exitCode !== null) throw new Error(`Purser exited (${child.exitCode}) before it was ready\n${err.slice(-2000)}`);
    const welcomed = () => tg.sent.filter((m) => Number(m.chat_id) === 82_001 && WELCOME.test(String(m.text ?? ""))).length;
    for (let i = 0; i < 5; i++) {
      tg.message({ chatId: 82_001, fromId: 82_001, text: "/start" });
      await until(() => welcomed() > i || child.exitCode !== null, "a reply on Telegram", 60_000, () => err.slice(-2000));
    }
    return rssMb(child.pid!);
  } finally {
    if (child.exitCode === null) child.kill("SIGTERM");
    await exited;
    await Promise.all([tg.close(), dc.close(), x.close()]);
  }
}

/** `npm run bench -- startup`. */
export async function startupBench(): Promise<BenchRow[]> {
  return [...(await startupRows()), ...(await rssRows())];
}
