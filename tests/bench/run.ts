import { cpus, totalmem } from "node:os";
import type { BenchRow } from "./harness.js";
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
];

const only = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const json = process.argv.includes("--json");
const rows: BenchRow[] = [];
for (const [name, run] of suites) {
  if (only.length && !only.includes(name)) continue;
  rows.push(...(await run()));
}

const cores = cpus().length;
const memGiB = (totalmem() / 2 ** 30).toFixed(1);
if (json) {
  process.stdout.write(JSON.stringify({ machine: { cores, memGiB: Number(memGiB), node: process.version }, rows }, null, 2) + "\n");
} else {
  const fmt = (v: number | null, d: number) => (v === null ? "-" : v.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d }));
  const table = [
    ["benchmark", "ops/s", "p50 ms", "p99 ms", "note"],
    ...rows.map((r) => [r.name, fmt(r.opsPerSec, 0), fmt(r.p50Ms, 3), fmt(r.p99Ms, 3), r.note]),
  ];
  const w = table[0]!.map((_, c) => Math.max(...table.map((r) => r[c]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 || i === 4 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join("  ");
  process.stdout.write(`Purser benchmarks - ${cores} cores, ${memGiB} GiB, Node ${process.version}, ${new Date().toISOString()}\n\n`);
  process.stdout.write(line(table[0]!) + "\n" + w.map((x) => "-".repeat(x)).join("  ") + "\n");
  for (const r of table.slice(1)) process.stdout.write(line(r) + "\n");
}
