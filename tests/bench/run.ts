import { cpus, loadavg, totalmem } from "node:os";
import { isBusy, mergeRuns, probeMs, report, withIds, type BenchRow, type BusySample, type MergedRow } from "./harness.js";
import { routerBench } from "./router.bench.js";
import { telegramBench } from "./telegram.bench.js";
import { tradingBench } from "./trading.bench.js";
import { alertIndexBench } from "./alerts-index.bench.js";
import { alertEngineBench } from "./alerts-engine.bench.js";
import { alertDeliveryBench } from "./alerts-delivery.bench.js";
import { intentBench } from "./intent.bench.js";
import { backtestBench } from "./backtest.bench.js";
import { retentionBench } from "./retention.bench.js";
import { automationsBench } from "./automations.bench.js";
import { automationsExecBench } from "./automations-exec.bench.js";
import { tokenCardsBench } from "./token-cards.bench.js";
import { startupBench } from "./startup.bench.js";
import { soakBench } from "./soak.bench.js";
import { webStreamBench } from "./web-stream.bench.js";

/** `npm run bench`: one table of every figure the issues ask for, with the machine's size. */
const suites: Array<[string, () => Promise<BenchRow[]>]> = [
  ["router", () => routerBench()],
  ["telegram", () => telegramBench()],
  ["trading", () => tradingBench()],
  ["alerts", async () => [...(await alertIndexBench()), ...(await alertEngineBench())]],
  ["delivery", () => alertDeliveryBench()],
  ["intent", () => intentBench()],
  ["backtest", () => backtestBench()],
  ["retention", () => retentionBench()],
  ["automations", () => automationsBench()],
  ["automations-exec", () => automationsExecBench()],
  ["token-cards", () => tokenCardsBench()],
  ["startup", () => startupBench()],
  ["web", () => webStreamBench()],
];

/** Suites that run only when named (`npm run bench -- soak`): minutes long, not part of the plain run. */
const optIn: Array<[string, () => Promise<BenchRow[]>]> = [["soak", () => soakBench(soakOptions())]];

const only = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const flag = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
/** `--soak-messages=N`, `--soak-users=N`: a shorter soak for a quick look (defaults 1,000,000 and 100,000). */
function soakOptions() {
  const n = (v: string | undefined) => (v === undefined ? undefined : Number(v.replaceAll("_", "")));
  const messages = n(flag("soak-messages"));
  const users = n(flag("soak-users"));
  return { ...(messages ? { messages } : {}), ...(users ? { users } : {}) };
}
const unknown = only.filter((name) => ![...suites, ...optIn].some(([s]) => s === name));
if (unknown.length) {
  process.stderr.write(`bench: no suite named ${unknown.join(", ")} (suites: ${suites.map(([s]) => s).join(", ")}; opt-in: ${optIn.map(([s]) => s).join(", ")})\n`);
  process.exit(2);
}
const json = process.argv.includes("--json");
const rerun = !process.argv.includes("--no-rerun");
const cores = cpus().length;
const memGiB = (totalmem() / 2 ** 30).toFixed(1);

probeMs(); // compiled before it is timed
let fastest = Math.min(probeMs(), probeMs(), probeMs());
const sample = (): BusySample => {
  const p = probeMs();
  fastest = Math.min(fastest, p);
  return { load1: loadavg()[0]!, probeMs: p };
};
const say = (s: BusySample) => `load ${s.load1.toFixed(2)} on ${cores} cores, probe ${s.probeMs.toFixed(1)} ms (fastest ${fastest.toFixed(1)} ms)`;

/** One suite's rows with their ids, and whether the machine was busy before or after measuring them. */
async function measured(name: string, run: () => Promise<BenchRow[]>) {
  const before = sample();
  const rows = withIds(name, await run());
  const after = sample();
  const busy = isBusy(before, cores, fastest) || isBusy(after, cores, fastest);
  return { rows, busy, said: `before: ${say(before)}; after: ${say(after)}` };
}

const rows: MergedRow[] = [];
for (const [name, run] of [...suites, ...optIn]) {
  if (only.length ? !only.includes(name) : optIn.some(([s]) => s === name)) continue;
  const first = await measured(name, run);
  const long = optIn.some(([s]) => s === name); // minutes long: measured once, busy or not (the note says which)
  if (!first.busy || !rerun || long) {
    if (first.busy) process.stderr.write(`bench ${name}: the machine was busy (${first.said}); not re-run\n`);
    rows.push(...first.rows);
    continue;
  }
  process.stderr.write(`bench ${name}: the machine was busy (${first.said}); measuring again, keeping the better of two per row\n`);
  const second = await measured(name, run);
  rows.push(...mergeRuns(first.rows, second.rows, [true, second.busy]));
}
const out = report(rows);

if (json) {
  process.stdout.write(JSON.stringify({ machine: { cores, memGiB: Number(memGiB), node: process.version }, rows: out }, null, 2) + "\n");
} else {
  const fmt = (v: number | null, d: number) => (v === null ? "-" : v.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d }));
  const table = [
    ["id", "benchmark", "ops/s", "p50 ms", "p99 ms", "verdict", "target", "note"],
    ...out.map((r) => [r.id, r.name, fmt(r.opsPerSec, 0), fmt(r.p50Ms, 3), fmt(r.p99Ms, 3), r.verdict, r.target ?? "-", r.note]),
  ];
  const right = new Set([2, 3, 4]);
  const w = table[0]!.map((_, c) => Math.max(...table.map((r) => r[c]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : right.has(i) ? c.padStart(w[i]!) : c.padEnd(w[i]!))).join("  ");
  process.stdout.write(`Purser benchmarks - ${cores} cores, ${memGiB} GiB, Node ${process.version}, ${new Date().toISOString()}\n\n`);
  process.stdout.write(line(table[0]!) + "\n" + w.map((x) => "-".repeat(x)).join("  ") + "\n");
  for (const r of table.slice(1)) process.stdout.write(line(r) + "\n");
  const failed = out.filter((r) => r.verdict === "FAIL").length;
  const judged = out.filter((r) => r.verdict !== "-").length;
  process.stdout.write(`\n${judged - failed}/${judged} targets met${failed ? `; FAIL: ${out.filter((r) => r.verdict === "FAIL").map((r) => r.id).join(", ")}` : ""}\n`);
}
