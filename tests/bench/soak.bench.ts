import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import pino from "pino";
import { renderConsole } from "../../adapters/console/render.js";
import { createLogger } from "../../adapters/logging/logger.js";
import { buildApp } from "../../bots/app.js";
import { loadConfig } from "../../bots/config.js";
import type { InboundMessage } from "../../core/router/message.js";
import { OFFLINE_ENV } from "../helpers/app.js";
import { getGc, percentile, row, type BenchRow, type Measured } from "./harness.js";

const MB = 2 ** 20;

/** RSS growth allowed over the run: after within 30% of before (the target). */
export const RSS_GROWTH_MAX = 1.3;
/**
 * The last 100k messages' p99 may be at most this many times the first 100k's. A leak or a table
 * scan that grows with the data shows as a p99 that keeps rising (2x and more over a million
 * messages); on a machine shared with other processes two equal 100k windows still differ by
 * 10-30% in p99 from scheduling alone, so "no drift" is judged with that margin.
 */
export const P99_DRIFT_MAX = 1.5;

export interface SoakOptions {
  messages?: number;
  users?: number;
  /** Size of the first and last windows compared, and of the progress step. */
  window?: number;
}

/** Settled RSS and heap: after full collections. */
function settled(gc: () => void) {
  for (let i = 0; i < 3; i++) gc();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed, heapTotal: m.heapTotal, external: m.external };
}

const sizeOf = (path: string) => statSync(path, { throwIfNoEntry: false })?.size ?? 0;

function stats(lat: Float64Array, from: number, to: number): Measured {
  const part = lat.slice(from, to);
  let total = 0;
  for (let i = 0; i < part.length; i++) total += part[i]!;
  part.sort();
  return { n: part.length, totalMs: total, opsPerSec: (part.length / total) * 1000, p50Ms: percentile(part, 50), p99Ms: percentile(part, 99) };
}

/**
 * `npm run bench -- soak` (opt-in: a plain `npm run bench` skips it): 1,000,000 /whoami messages
 * from 100,000 users through the router on a SQLite file in WAL, with the real pino logger writing
 * JSON to a file. Every user first sends one message (creating the user: the warm-up, not counted),
 * then the million come from users drawn at random (seeded). RSS after the warm-up is compared
 * with RSS after the run (both after full GCs), and the first 100k messages' latencies with the
 * last 100k's. Progress goes to stderr every 100k.
 */
export async function soakBench(opts: SoakOptions = {}): Promise<BenchRow[]> {
  const messages = opts.messages ?? 1_000_000;
  const users = opts.users ?? 100_000;
  const window = Math.min(opts.window ?? 100_000, messages);
  const gc = getGc();
  const dir = mkdtempSync(join(tmpdir(), "purser-soak-"));
  const logFile = join(dir, "purser.log");
  const config = loadConfig({
    ...OFFLINE_ENV,
    DATABASE_URL: `sqlite:${join(dir, "soak.db")}`,
    USER_RATE_LIMIT_PER_MIN: "100000",
    LOG_LEVEL: "info",
  });
  const log = createLogger({ level: config.LOG_LEVEL, destination: pino.destination({ dest: logFile, mkdir: true, sync: true }) });
  const app = await buildApp(config, { log });
  let seq = 0;
  let errors = 0;
  const msg = (user: number): InboundMessage => {
    const u = String(1_000_000 + user);
    return { platform: "telegram", updateId: `soak-${++seq}`, chat: { id: u, kind: "private" }, sender: { id: u, name: `user${u}` }, text: "/whoami", botUsername: "PurserBot" };
  };
  const respond = async (r: Parameters<Parameters<typeof app.router.handle>[1]>[0]) => {
    if (r.kind === "error") errors++;
    renderConsole(r, false);
  };
  const say = (s: string) => process.stderr.write(`soak: ${s}\n`);

  try {
    const t0 = performance.now();
    for (let u = 0; u < users; u++) await app.router.handle(msg(u), respond);
    const warm = performance.now() - t0;
    const before = settled(gc);
    say(`${users.toLocaleString("en-US")} users created in ${(warm / 1000).toFixed(1)} s; RSS ${(before.rss / MB).toFixed(0)} MB, heap ${(before.heap / MB).toFixed(0)} MB`);

    let seed = 20;
    const lat = new Float64Array(messages);
    let stepStart = performance.now();
    for (let i = 0; i < messages; i++) {
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
      const m = msg(seed % users);
      const s = performance.now();
      await app.router.handle(m, respond);
      lat[i] = performance.now() - s;
      if ((i + 1) % window === 0) {
        const now = performance.now();
        const w = stats(lat, i + 1 - window, i + 1);
        const mem = process.memoryUsage();
        say(
          `${(i + 1).toLocaleString("en-US")}/${messages.toLocaleString("en-US")}: ${Math.round((window / (now - stepStart)) * 1000).toLocaleString("en-US")} msg/s, ` +
            `p50 ${w.p50Ms.toFixed(3)} ms, p99 ${w.p99Ms.toFixed(3)} ms; RSS ${(mem.rss / MB).toFixed(0)} MB, heap ${(mem.heapUsed / MB).toFixed(0)} MB`,
        );
        stepStart = now;
      }
    }
    const after = settled(gc);
    if (errors) throw new Error(`soak got ${errors} error replies`);
    const first = stats(lat, 0, window);
    const last = stats(lat, messages - window, messages);
    const all = stats(lat, 0, messages);
    const logMb = sizeOf(logFile) / MB;
    const dbMb = (sizeOf(join(dir, "soak.db")) + sizeOf(join(dir, "soak.db-wal"))) / MB;
    const growth = after.rss / before.rss;
    const drift = last.p99Ms / first.p99Ms;
    const k = (n: number) => `${Math.round(n / 1000)}k`;
    return [
      row(`soak: ${messages.toLocaleString("en-US")} msgs, ${k(users)} users, whole run`, all, `log ${logMb.toFixed(1)} MB (pino, info), database ${dbMb.toFixed(0)} MB on disk`, { id: "soak.all" }),
      row(`soak: first ${k(window)} msgs`, first, "", { id: `soak.first${k(window)}` }),
      row(`soak: last ${k(window)} msgs`, last, "", { id: `soak.last${k(window)}` }),
      row(`soak: p99 drift, last ${k(window)} / first ${k(window)}`, null, `${drift.toFixed(2)}x (p99 ${first.p99Ms.toFixed(3)} -> ${last.p99Ms.toFixed(3)} ms; p50 ${first.p50Ms.toFixed(3)} -> ${last.p50Ms.toFixed(3)} ms)`, {
        id: "soak.p99.drift",
        target: { text: `last p99 <= ${P99_DRIFT_MAX}x first p99`, pass: drift <= P99_DRIFT_MAX },
      }),
      row(
        "soak: RSS after the run vs after warm-up (after GC)",
        null,
        `${(before.rss / MB).toFixed(0)} -> ${(after.rss / MB).toFixed(0)} MB (${((growth - 1) * 100).toFixed(1)}%); heap used ${(before.heap / MB).toFixed(0)} -> ${(after.heap / MB).toFixed(0)} MB of ${(before.heapTotal / MB).toFixed(0)} -> ${(after.heapTotal / MB).toFixed(0)} MB committed, external ${(before.external / MB).toFixed(0)} -> ${(after.external / MB).toFixed(0)} MB`,
        { id: "soak.rss", target: { text: `after <= ${RSS_GROWTH_MAX}x before`, pass: growth <= RSS_GROWTH_MAX } },
      ),
    ];
  } finally {
    await app.close();
    log.flush();
    rmSync(dir, { recursive: true, force: true });
  }
}
