import type { BacktestMetrics, ValuePoint } from "./backtest-metrics.js";
import type { BacktestResult } from "./backtest.service.js";

/** What the backtest was asked, for the report's header and the JSON. */
export interface BacktestParams {
  targets: Readonly<Record<string, number>>;
  bandAbsPct?: number;
  bandRelPct?: number;
  feeBps: number;
  minTradeUsd?: number;
  maxTradeUsd?: number;
}

const money = (n: number) =>
  `${n < 0 ? "-" : ""}$${Math.abs(n).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const pct = (n: number, signed = false) => `${signed && n > 0 ? "+" : ""}${n.toFixed(2)}%`;
const when = (t: number) => new Date(t).toISOString().slice(0, 16).replace("T", " ");
const every = (ms: number) => {
  for (const [u, v] of [["d", 86_400_000], ["h", 3_600_000], ["m", 60_000]] as const) if (ms % v === 0) return `${ms / v}${u}`;
  return `${ms / 1000}s`;
};

export function bandText(p: Pick<BacktestParams, "bandAbsPct" | "bandRelPct">): string {
  const parts = [p.bandAbsPct !== undefined ? `±${p.bandAbsPct} pp` : "", p.bandRelPct !== undefined ? `±${p.bandRelPct}% of target` : ""].filter(Boolean);
  return parts.join(" or ") || "none";
}

const ROWS: Array<[string, (m: BacktestMetrics) => string]> = [
  ["Final value", (m) => money(m.finalValueUsd)],
  ["Total return", (m) => pct(m.totalReturnPct, true)],
  ["Max drawdown", (m) => pct(m.maxDrawdownPct)],
  ["Volatility (annualised)", (m) => pct(m.volatilityPct)],
  ["Turnover", (m) => money(m.turnoverUsd)],
  ["Fees", (m) => money(m.feesUsd)],
  ["Rebalances", (m) => m.rebalances.toLocaleString("en-US")],
];

/** The plain-text report: header, then each metric beside buy-and-hold. */
export function formatBacktestTable(r: BacktestResult, p: BacktestParams): string {
  const targets = Object.entries(p.targets)
    .map(([s, v]) => `${s} ${v}%`)
    .join(", ");
  const limits = [
    p.minTradeUsd ? `min trade ${money(p.minTradeUsd)}` : "",
    p.maxTradeUsd !== undefined && Number.isFinite(p.maxTradeUsd) ? `max trade ${money(p.maxTradeUsd)}` : "",
  ].filter(Boolean);
  const head = [
    `Backtest ${when(r.from)} to ${when(r.to)} UTC: ${r.steps.toLocaleString("en-US")} steps every ${every(r.intervalMs)}, start ${money(r.startUsd)}`,
    `Targets ${targets}; band ${bandText(p)}; fee ${p.feeBps} bps per swap${limits.length ? `; ${limits.join(", ")}` : ""}`,
    "",
  ];
  const table = [["", "Rebalanced", "Buy and hold"], ...ROWS.map(([name, f]) => [name, f(r.rebalanced), f(r.buyAndHold)])];
  const w = [0, 1, 2].map((c) => Math.max(...table.map((row) => row[c]!.length)));
  const lines = table.map((row) => `${row[0]!.padEnd(w[0]!)}  ${row[1]!.padStart(w[1]!)}  ${row[2]!.padStart(w[2]!)}`);
  return [...head, ...lines].join("\n");
}

/** Machine-readable summary (no value series: they go to the chart). */
export function backtestJson(r: BacktestResult, p: BacktestParams, chart?: string) {
  return {
    from: new Date(r.from).toISOString(),
    to: new Date(r.to).toISOString(),
    steps: r.steps,
    intervalMs: r.intervalMs,
    startUsd: r.startUsd,
    targets: p.targets,
    ...(p.bandAbsPct !== undefined ? { bandAbsPct: p.bandAbsPct } : {}),
    ...(p.bandRelPct !== undefined ? { bandRelPct: p.bandRelPct } : {}),
    feeBps: p.feeBps,
    rebalanced: r.rebalanced,
    buyAndHold: r.buyAndHold,
    ...(chart ? { chart } : {}),
  };
}

/** At most `max` points, evenly spaced, always keeping the first and the last (for charts). */
export function downsample(points: ReadonlyArray<ValuePoint>, max: number): ValuePoint[] {
  if (points.length <= max) return [...points];
  const out: ValuePoint[] = [];
  const step = (points.length - 1) / (max - 1);
  for (let i = 0; i < max; i++) out.push(points[Math.round(i * step)]!);
  return out;
}
