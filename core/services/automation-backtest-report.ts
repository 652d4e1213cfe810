import type { AutomationBacktestResult, BacktestEvent, Holding } from "./automation-backtest.service.js";

/** The automation backtest as plain text (the CLI prints it) and as JSON. Pure. */

const money = (n: number) => `${n < 0 ? "-" : ""}$${Math.abs(n).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const signedMoney = (n: number) => `${n > 0 ? "+" : ""}${money(n)}`;
const pct = (n: number) => `${n > 0 ? "+" : ""}${n.toFixed(2)}%`;
const when = (t: number) => new Date(t).toISOString().slice(0, 16).replace("T", " ");
const qty = (n: number) => n.toLocaleString("en-US", { maximumSignificantDigits: 8 });
const price = (n: number) => (n >= 1 ? money(n) : `$${n.toPrecision(4)}`);
const holdingText = (hs: readonly Holding[]) => hs.filter((h) => h.amount > 0).map((h) => `${qty(h.amount)} ${h.symbol}`).join(", ") || "nothing";

function eventLine(e: BacktestEvent): string {
  const head = `${when(e.t)}  #${e.rule}`;
  switch (e.kind) {
    case "fill": {
      const what = `${e.side} ${qty(e.amount)} ${e.symbol} at ${price(e.priceUsd)}`;
      const quote = e.side === "buy" ? `for ${qty(e.quoteAmount)} ${e.quote}` : `-> ${qty(e.quoteAmount)} ${e.quote}`;
      return `${head}  ${what} ${quote}, fee ${money(e.feeUsd)}${e.capped ? " (sold what was held)" : ""}  [firing ${e.firing}]`;
    }
    case "skip":
      return `${head}  skipped firing ${e.firing}: ${e.reason}`;
    case "missed":
      return `${head}  missed firings ${e.from}${e.to > e.from ? `-${e.to}` : ""}`;
    case "cancel":
      return `${head}  cancelled: #${e.by} fired first (one-cancels-other)`;
  }
}

/** Header, the rules and how each ended, every fill, then PnL and fees beside buy-and-hold. */
export function formatAutomationBacktest(r: AutomationBacktestResult): string {
  const pnl = r.final.valueUsd - r.start.valueUsd;
  const bh = r.buyAndHold.valueUsd - r.start.valueUsd;
  const ofStart = (v: number) => (r.start.valueUsd > 0 ? (v / r.start.valueUsd) * 100 : 0);
  const lines = [
    `Automation backtest ${when(r.from)} to ${when(r.to)} UTC: ${r.steps.toLocaleString("en-US")} steps (candle closes), fee ${r.feeBps} bps per fill`,
    `Start: ${holdingText(r.start.holdings)} = ${money(r.start.valueUsd)}; rules set at ${when(r.from)}`,
    "",
    "Rules:",
    ...r.rules.map((x) => {
      const level = x.levelUsd === null ? "" : x.kind === "trailing" ? `, high ${price(x.levelUsd)}` : `, level ${price(x.levelUsd)}`;
      return `  #${x.rule} ${x.line}: ${x.state}, ${x.fills} fill${x.fills === 1 ? "" : "s"}${level}`;
    }),
    "",
    r.events.length ? "Fills:" : "Fills: none",
    ...r.events.map((e) => `  ${eventLine(e)}`),
    "",
  ];
  const table = [
    ["", "Automations", "Buy and hold"],
    ["Final value", money(r.final.valueUsd), money(r.buyAndHold.valueUsd)],
    ["PnL", `${signedMoney(pnl)} (${pct(ofStart(pnl))})`, `${signedMoney(bh)} (${pct(ofStart(bh))})`],
    ["Fees", money(r.feesUsd), money(0)],
    ["Max drawdown", `${r.final.maxDrawdownPct.toFixed(2)}%`, `${r.buyAndHold.maxDrawdownPct.toFixed(2)}%`],
  ];
  const w = [0, 1, 2].map((c) => Math.max(...table.map((row) => (row[c] ?? "").length)));
  const pad = (s: string | undefined, n: number | undefined, left: boolean) => (left ? (s ?? "").padEnd(n ?? 0) : (s ?? "").padStart(n ?? 0));
  for (const row of table) lines.push(`${pad(row[0], w[0], true)}  ${pad(row[1], w[1], false)}  ${pad(row[2], w[2], false)}`);
  lines.push("", `End: ${holdingText(r.final.holdings)} (buy and hold: ${holdingText(r.start.holdings)})`);
  return lines.join("\n");
}

/** Machine-readable: times as ISO strings, everything else as computed. */
export function automationBacktestJson(r: AutomationBacktestResult) {
  const iso = (t: number) => new Date(t).toISOString();
  return {
    from: iso(r.from),
    to: iso(r.to),
    steps: r.steps,
    feeBps: r.feeBps,
    start: r.start,
    rules: r.rules,
    events: r.events.map((e) => ({ ...e, t: iso(e.t) })),
    final: r.final,
    buyAndHold: r.buyAndHold,
    pnlUsd: r.final.valueUsd - r.start.valueUsd,
    buyAndHoldPnlUsd: r.buyAndHold.valueUsd - r.start.valueUsd,
    feesUsd: r.feesUsd,
  };
}
