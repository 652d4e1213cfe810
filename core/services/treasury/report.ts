import type { Reply, ReplyKind, Button } from "../../domain/message.js";
import { unitsToUsd } from "../../domain/money.js";
import type { RebalancePlan } from "../../domain/rebalance.js";
import type { BarChartInput } from "../../ports/chart.port.js";
import type { ButtonSpec } from "../actions.service.js";
import type { FeeSummary, SwapOutcome, TreasuryEvent, Valuation } from "./types.js";

/**
 * The admins' report of one treasury event, ready to render: severity from the event's kind (a
 * breaker is a warning), a title, table rows, and the allocation before and after for the chart.
 */
export interface TreasuryReport {
  severity: ReplyKind;
  title: string;
  rows: Array<[string, string]>;
  before: Record<string, number>;
  after: Record<string, number>;
  /** A plan waiting for approval: its id (Approve/Reject buttons are bound to each admin). */
  approval?: { id: string; expiresAt: number };
}

const pctText = (v: number | undefined) => (v === undefined ? "-" : `${v.toFixed(2)}%`);
const usdText = (v: number) => `$${v.toFixed(2)}`;

/** An event as the admins read it. Pure: the same event and targets give the same report. */
export function treasuryReport(e: TreasuryEvent, targets: Readonly<Record<string, number>>): TreasuryReport {
  switch (e.kind) {
    case "dry_run":
      return planReport(e.plan, "Treasury plan (dry-run: nothing executed)");
    case "approval":
      return { ...planReport(e.plan, "Treasury plan waiting for approval"), approval: { id: e.id, expiresAt: e.expiresAt } };
    case "rebalanced":
      return executionReport(e.plan, e.outcomes, e.after, e.fees, e.turnoverUsd, targets);
    case "breaker":
      return {
        severity: "warning",
        title: `Treasury PAUSED: ${e.why}`,
        rows: [
          ["Breaker", e.breaker],
          ["Resume", "/treasury resume (after checking)"],
        ],
        before: {},
        after: {},
      };
  }
}

/** The outbox dedupe part of a report: its plan id when it waits for approval, else its title. */
export const reportKey = (r: TreasuryReport): string => r.approval?.id ?? r.title;

/** The allocation chart of a report (target, before, after per asset), or none when it has no allocation. */
export function reportChart(r: TreasuryReport, targets: Readonly<Record<string, number>>): BarChartInput | undefined {
  if (!Object.keys(r.before).length) return undefined;
  const symbols = Object.keys(targets);
  return {
    title: r.title,
    labels: symbols,
    series: [
      { label: "target", values: symbols.map((s) => targets[s] ?? 0) },
      { label: "before", values: symbols.map((s) => r.before[s] ?? 0) },
      { label: "after", values: symbols.map((s) => r.after[s] ?? 0) },
    ],
  };
}

/** The Approve / Reject buttons of a pending plan (issued to each admin, and again after a refused Approve). */
export function approvalButtons(id: string): ButtonSpec[] {
  return [
    { label: "Approve", action: "approve", payload: { id }, style: "primary" },
    { label: "Reject", action: "reject", payload: { id }, style: "danger" },
  ];
}

/** A report as a private Reply: title, table, the chart when there is one, and the buttons given. */
export function reportReply(r: TreasuryReport, extra: { png?: Uint8Array; buttons?: Button[] } = {}): Reply {
  const { png, buttons } = extra;
  return {
    kind: r.severity,
    blocks: [
      { type: "text", spans: [{ text: r.title, style: "bold" }] },
      { type: "table", rows: r.rows },
      ...(png ? [{ type: "image" as const, png, alt: "treasury allocation before and after" }] : []),
    ],
    ...(buttons?.length ? { buttons: [buttons] } : {}),
    private: true,
  };
}

function planReport(plan: RebalancePlan, title: string): TreasuryReport {
  const rows: Array<[string, string]> = plan.swaps.map((s, i) => [`${i + 1}. ${s.from} -> ${s.to}`, `$${s.usd.toFixed(2)} (${s.reason})`]);
  rows.push(["Turnover", `$${plan.turnoverUsd.toFixed(2)}`], ["Modelled fees", `$${plan.feesUsd.toFixed(2)}`]);
  for (const b of plan.blocked) rows.push([`Blocked ${b.symbol}`, b.reason]);
  return { severity: "info", title, rows, before: plan.before, after: plan.after };
}

/**
 * What a run did: each swap (quoted vs executed), the allocation before and after per asset (after =
 * the real holdings at current prices; the plan's model only when they cannot be valued, and then it
 * says so), the turnover done, fees and slippage.
 */
function executionReport(
  plan: RebalancePlan,
  outcomes: SwapOutcome[],
  after: Valuation | undefined,
  fees: FeeSummary,
  turnover: number,
  targets: Readonly<Record<string, number>>,
): TreasuryReport {
  const rows: Array<[string, string]> = outcomes.map((r, i) => swapRow(r, i));
  const afterAlloc = after?.allocation ?? plan.after;
  const afterLabel = after ? "after" : "after (planned: holdings could not be valued)";
  for (const sym of Object.keys(targets)) rows.push([`${sym} before -> ${afterLabel}`, `${pctText(plan.before[sym])} -> ${pctText(afterAlloc[sym])} (target ${targets[sym]}%)`]);
  if (after) rows.push(["Value after", usdText(after.valueUsd)]);
  rows.push(["Turnover", `${usdText(turnover)} of ${usdText(plan.turnoverUsd)} planned`], feeRow(fees));
  if (after) rows.push(["Slippage (quoted vs executed)", usdText(slippageUsd(outcomes, after.prices))]);
  const stopped = outcomes.some((r) => !("order" in r) || r.order.status !== "filled");
  return { severity: "info", title: stopped ? "Treasury rebalanced (partly: see below)" : "Treasury rebalanced", rows, before: plan.before, after: afterAlloc };
}

function swapRow(r: SwapOutcome, i: number): [string, string] {
  if (!("order" in r)) return [`${i + 1}. ${r.swap} ${r.halted ? "not run" : "failed"}`, r.error];
  const o = r.order;
  const q = unitsToUsd(o.quotedOut, o.output.decimals, 1);
  const got = o.filledOut !== null ? unitsToUsd(o.filledOut, o.output.decimals, 1) : 0;
  const slip = q > 0 && o.filledOut !== null ? ((q - got) / q) * 10_000 : 0;
  return [`${i + 1}. ${o.input.symbol} -> ${o.output.symbol}`, `${o.status}; quoted ${q.toFixed(6)} ${o.output.symbol}, got ${got.toFixed(6)} (${slip.toFixed(1)} bps)`];
}

/** USD lost between quoted and executed amounts, at current prices. */
function slippageUsd(outcomes: SwapOutcome[], prices: Record<string, number>): number {
  let slippage = 0;
  for (const r of outcomes) {
    if (!("order" in r) || r.order.filledOut === null) continue;
    const p = prices[r.order.output.symbol];
    if (p !== undefined) slippage += unitsToUsd(r.order.quotedOut - r.order.filledOut, r.order.output.decimals, p);
  }
  return slippage;
}

/** The fees row; its label says which fees are actual and which modelled. */
function feeRow(f: FeeSummary): [string, string] {
  const { actual, modelled, bps } = f;
  const sol = `${(Number(actual.lamports) / 1e9).toFixed(6)} SOL${actual.usd !== undefined ? ` (${usdText(actual.usd)})` : ""}`;
  if (!actual.orders && !modelled.orders) return ["Fees", `${usdText(0)} (nothing executed)`];
  if (!actual.orders) return [`Fees (modelled at ${bps} bps: these orders carry no fee)`, usdText(modelled.usd)];
  if (!modelled.orders) return ["Fees (actual: network fees of the orders)", sol];
  return [`Fees (actual for ${actual.orders} orders, modelled at ${bps} bps for ${modelled.orders})`, `${sol} + ${usdText(modelled.usd)}`];
}
