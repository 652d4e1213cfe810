/**
 * When an automation fires, as pure rules. The index (automation-index.ts) applies exactly these
 * rules to many automations at once; tests check it against them.
 *
 * Good prices only. A tick is judged before anything looks at it (`judgeTick`): NaN, zero or
 * negative, older than the max age, deviating from another source, or a replay price while live
 * (or a live price while replaying), and it fires nothing and moves no trailing high.
 *
 * Confirmation. A stop or trailing stop fires only when the NEXT good tick of that token (a
 * strictly later observation time) is also at or past its level; the first such tick only makes it
 * pending. We confirm in time rather than by a second source because the market layer already
 * cross-checks every source it has before a price reaches the stream (a deviating quote is dropped
 * there), while a second source is often absent: tokens Pyth does not publish, a Jupiter-only
 * setup, and replay, which is one source by construction. A confirmation that works everywhere
 * costs one poll interval; a confirmation that needs two sources would leave most tokens without a
 * stop. A trailing stop's high is confirmed the same way: it rises to min(previous good tick, this
 * tick), so one spike up cannot lift the level under a normal price.
 *
 * Pure: imports only core/domain.
 */

import type { AutomationKind, AutomationRule, AutomationState } from "./automation.js";
import { needsConfirmation, sellAmountOf } from "./automation.js";
import { shareOf, type AmountSpec } from "./money.js";
import { checkPrice, type PriceQuote, type RejectReason } from "./price.js";

export type TickRejection = RejectReason | "replay_in_live" | "live_in_replay";

export interface TickContext {
  /** Now on the market clock (the replay clock when replaying). */
  now: number;
  maxAgeMs: number;
  mode: "live" | "replay";
  /** Another source's recent price for the token and the largest allowed gap, when there is one. */
  reference?: number;
  maxDeviationPct?: number;
  /** The price layer's own verdict on this tick (e.g. "deviation"), when it flagged it. */
  flagged?: RejectReason;
}

/** Why a tick must not be acted on; null when it is a good price. */
export function judgeTick(tick: Pick<PriceQuote, "usd" | "at" | "replay">, ctx: TickContext): TickRejection | null {
  const q: PriceQuote = { mint: "", source: "", usd: tick.usd, at: tick.at };
  const bad = checkPrice(q, ctx.now, ctx.maxAgeMs, ctx.reference, ctx.maxDeviationPct);
  if (bad) return bad;
  if (ctx.flagged) return ctx.flagged;
  if (tick.replay === true && ctx.mode === "live") return "replay_in_live";
  if (tick.replay !== true && ctx.mode === "replay") return "live_in_replay";
  return null;
}

/**
 * What a price trigger watches. `level`: fires at or below (`below`) or at or above (`above`)
 * the level. `trail`: fires when the price has fallen `f` (a fraction: 0.1 for 10%) from the high,
 * i.e. when 1 - price / high >= f (written so, the index decides with the same arithmetic).
 */
export type Watch =
  | { kind: "level"; side: "below" | "above"; level: number; confirm: boolean }
  | { kind: "trail"; f: number; high: number };

/** The watch of a price rule (undefined for a DCA). `high`: the persisted high of a trailing stop. */
export function watchOf(rule: AutomationRule, high: number | null = null): Watch | undefined {
  switch (rule.kind) {
    case "limit-buy":
    case "stop":
      return { kind: "level", side: "below", level: rule.level.usd, confirm: needsConfirmation(rule.kind) };
    case "limit-sell":
    case "take-profit":
      return { kind: "level", side: "above", level: rule.level.usd, confirm: needsConfirmation(rule.kind) };
    case "trailing":
      return { kind: "trail", f: rule.trailPct / 100, high: Math.max(high ?? rule.refUsd, rule.refUsd) };
    case "dca":
      return undefined;
  }
}

/** Is price p at or past the watch's level (for a trail: with this high)? */
export function isBeyond(w: Watch, p: number): boolean {
  if (w.kind === "trail") return 1 - p / w.high >= w.f;
  return w.side === "below" ? p <= w.level : p >= w.level;
}

/** The high a trailing stop moves to on a good tick p after the previous good tick prev (null: none yet). */
export const raisedHigh = (high: number, prev: number | null, p: number): number => (prev === null ? high : Math.max(high, Math.min(prev, p)));

/** A pending (first) crossing, waiting for the next good tick. */
export interface Pending {
  at: number;
  usd: number;
}

export type Step =
  | { kind: "quiet"; watch: Watch; pending: null }
  | { kind: "pending"; watch: Watch; pending: Pending }
  | { kind: "fire"; watch: Watch; pending: null; usd: number; at: number };

/**
 * One good tick (p observed at `at`) for one armed price trigger. `prev` is the token's previous
 * good price (trailing highs), `pending` the crossing awaiting confirmation. The returned watch
 * carries the new high: persist it when it differs. A tick not later than the pending one
 * (a redelivery) changes nothing.
 */
export function step(watch: Watch, pending: Pending | null, prev: number | null, at: number, p: number): Step {
  if (pending && at <= pending.at) return { kind: "pending", watch, pending };
  const w: Watch = watch.kind === "trail" ? { ...watch, high: raisedHigh(watch.high, prev, p) } : watch;
  const beyond = isBeyond(w, p);
  if (pending) return beyond ? { kind: "fire", watch: w, pending: null, usd: p, at } : { kind: "quiet", watch: w, pending: null };
  if (!beyond) return { kind: "quiet", watch: w, pending: null };
  const confirm = w.kind === "trail" || w.confirm;
  return confirm ? { kind: "pending", watch: w, pending: { at, usd: p } } : { kind: "fire", watch: w, pending: null, usd: p, at };
}

export type SellSize = { kind: "sell"; units: bigint; capped: boolean } | { kind: "skip"; reason: "nothing_held" | "share_rounds_to_zero" };

/** What a sell actually sells from a holding: never more than is held. */
export function sellSize(amount: AmountSpec, held: bigint): SellSize {
  if (held <= 0n) return { kind: "skip", reason: "nothing_held" };
  if (amount.kind === "all") return { kind: "sell", units: held, capped: false };
  if (amount.kind === "percent") {
    const units = shareOf(held, amount.bps);
    return units > 0n ? { kind: "sell", units, capped: false } : { kind: "skip", reason: "share_rounds_to_zero" };
  }
  return amount.units > held ? { kind: "sell", units: held, capped: true } : { kind: "sell", units: amount.units, capped: false };
}

/** The part of an automation OCO looks at. */
export interface OcoView {
  id: string;
  userId: string;
  state: AutomationState;
  rule: AutomationRule;
}

const exitSide = (k: AutomationKind): "stop" | "profit" | null => (k === "stop" || k === "trailing" ? "stop" : k === "take-profit" ? "profit" : null);

function sameAmount(a: AmountSpec, b: AmountSpec): boolean {
  if (a.kind === "all" || b.kind === "all") return true;
  if (a.kind === "percent" && b.kind === "percent") return a.bps === b.bps;
  return a.kind === "units" && b.kind === "units" && a.units === b.units;
}

/**
 * One-cancels-other: when `fired` (a stop, trailing stop or take-profit) fires, the ids of the
 * user's active automations on the other side (take-profits for a stop; stops and trailing stops
 * for a take-profit) on the same token that sell the same holding: the same share or amount, or
 * either one selling all. Those are cancelled and the user told. Limit sells are orders, not
 * protections of a holding, and are left alone; so are exits on the same side (a second stop finds
 * less held and sells what is left).
 */
export function ocoSiblings(fired: OcoView, others: readonly OcoView[]): string[] {
  const side = exitSide(fired.rule.kind);
  const amount = sellAmountOf(fired.rule);
  if (side === null || amount === undefined) return [];
  const out: string[] = [];
  for (const o of others) {
    if (o.id === fired.id || o.userId !== fired.userId || (o.state !== "armed" && o.state !== "paused")) continue;
    const otherSide = exitSide(o.rule.kind);
    const otherAmount = sellAmountOf(o.rule);
    if (otherSide === null || otherSide === side || otherAmount === undefined) continue;
    if (o.rule.token.mint === fired.rule.token.mint && sameAmount(otherAmount, amount)) out.push(o.id);
  }
  return out;
}
