import type { AutomationRule, AutomationState } from "../domain/automation.js";
import { AutomationBook } from "../domain/automation-index.js";
import { parseAutomationLine } from "../domain/automation-parse.js";
import { resolveAutomation } from "../domain/automation-resolve.js";
import { dcaStep } from "../domain/automation-schedule.js";
import { ocoSiblings, sellSize, watchOf } from "../domain/automation-trigger.js";
import { BUILTIN_TOKENS, SYMBOL_ALIASES } from "../domain/builtin-tokens.js";
import { parseAmount } from "../domain/money.js";
import type { TokenRef } from "../domain/order.js";
import type { Candle } from "../domain/price.js";
import { UserError } from "../errors.js";
import { maxDrawdownPct } from "./backtest-metrics.js";

/**
 * Replays automation rules ("stop SOL at 205", "dca SOL 100 every 6h times 3", "trail SOL 10%")
 * over candles with a starting holding, so a user can try a stop or a DCA plan on history before
 * arming it. The same parser, resolution, trigger index (with its confirmation rules), OCO, sell
 * sizing and DCA schedule as the live engine run here; what differs is the market:
 *
 * - prices: each candle's close at its open time, as the replay stream publishes them, so a
 *   stop confirms on the next hourly close (live, the next poll a few seconds later);
 * - fills at that price less a fee (feeBps of what goes in); USDC and USDT count as $1;
 * - every rule is set at the first step (`from`), at that step's prices.
 *
 * Pure: no clock, no I/O.
 */

const STABLES = new Set(["USDC", "USDT"]);

export interface AutomationBacktestInput {
  /** One rule per entry, in the chat syntax with or without the slash. */
  rules: readonly string[];
  /** Candles per replay symbol (SOL, WBTC, ETH, JUP, BONK, ...). */
  series: Readonly<Record<string, ReadonlyArray<Candle>>>;
  /** Starting holding per symbol as decimal text; default $10,000 of each traded token plus 10,000 USDC. */
  holding?: Readonly<Record<string, string>>;
  /** First step (the rules are set then) and last step, epoch ms inclusive; default the whole series. */
  from?: number;
  to?: number;
  /** Modelled cost of every fill, basis points of what goes in. */
  feeBps: number;
}

export type BacktestEvent =
  | {
      kind: "fill";
      t: number;
      rule: number;
      firing: number;
      side: "buy" | "sell";
      symbol: string;
      /** Tokens bought or sold (display units). */
      amount: number;
      quote: string;
      /** Quote paid (buys) or received after the fee (sells), display units. */
      quoteAmount: number;
      priceUsd: number;
      valueUsd: number;
      feeUsd: number;
      /** A sell asked for more than was held: it sold what was held. */
      capped: boolean;
    }
  | { kind: "skip"; t: number; rule: number; firing: number; reason: string }
  | { kind: "missed"; t: number; rule: number; from: number; to: number }
  | { kind: "cancel"; t: number; rule: number; by: number };

export interface RuleSummary {
  rule: number;
  line: string;
  kind: AutomationRule["kind"];
  /** The resolved trigger level (fixed levels) or the trailing high at the end. */
  levelUsd: number | null;
  state: AutomationState;
  fills: number;
}

export interface Holding {
  symbol: string;
  amount: number;
}

export interface AutomationBacktestResult {
  from: number;
  to: number;
  steps: number;
  feeBps: number;
  start: { holdings: Holding[]; valueUsd: number };
  rules: RuleSummary[];
  events: BacktestEvent[];
  final: { holdings: Holding[]; valueUsd: number; maxDrawdownPct: number };
  buyAndHold: { valueUsd: number; maxDrawdownPct: number };
  feesUsd: number;
}

interface Asset {
  ref: TokenRef;
  /** Closes by candle time; null for a stable ($1). */
  closes: Map<number, number> | null;
}

interface Armed {
  rule: number;
  line: string;
  spec: AutomationRule;
  state: AutomationState;
  /** Firings handled (filled, skipped or missed). */
  handled: number;
  fills: number;
  symbol: string;
  /** Trailing stops: the high they fell from when they fired. */
  firedHigh: number | null;
}

const toUnits = (amount: number, decimals: number) => BigInt(Math.max(0, Math.floor(amount * 10 ** decimals)));
const fromUnits = (units: bigint, decimals: number) => Number(units) / 10 ** decimals;

/** A token word as the backtest knows it: built-ins (and their aliases) priced from their replay series. */
function assetOf(word: string, series: AutomationBacktestInput["series"], known: Map<string, Asset>): Asset {
  const upper = word.toUpperCase();
  const symbol = SYMBOL_ALIASES[upper] ?? upper;
  const cached = known.get(symbol);
  if (cached) return cached;
  const builtin = BUILTIN_TOKENS.find((t) => t.symbol === symbol);
  const ref: TokenRef = { mint: builtin?.mint ?? `replay:${symbol}`, symbol, decimals: builtin?.decimals ?? 9 };
  let closes: Map<number, number> | null = null;
  if (!STABLES.has(symbol)) {
    const candles = series[builtin?.replaySymbol ?? symbol] ?? series[upper];
    if (!candles?.length) throw new UserError("unknown_token", `There are no candles for ${word}: have ${Object.keys(series).sort().join(", ")}.`);
    closes = new Map(candles.map((c) => [c.t, c.c]));
  }
  const asset = { ref, closes };
  known.set(symbol, asset);
  return asset;
}

/** Replays the rules; throws a UserError naming the rule when one cannot be set. */
export function runAutomationBacktest(input: AutomationBacktestInput): AutomationBacktestResult {
  if (!input.rules.length) throw new UserError("bad_automation", "Give at least one rule, e.g. \"stop SOL at 205\".");
  if (!(input.feeBps >= 0 && input.feeBps < 10_000)) throw new UserError("bad_amount", "The fee must be from 0 to 9999 basis points.");
  return new Simulation(input).run();
}

class Simulation {
  private readonly assets = new Map<string, Asset>();
  private readonly balances = new Map<string, bigint>();
  private readonly armed: Armed[] = [];
  private readonly book = new AutomationBook();
  private readonly events: BacktestEvent[] = [];
  private readonly times: number[];
  private readonly price = new Map<string, number>();
  private feesUsd = 0;

  constructor(private readonly input: AutomationBacktestInput) {
    const requests = input.rules.map((line, i) => {
      try {
        return parseAutomationLine(line);
      } catch (e) {
        throw ruleError(e, i, line);
      }
    });
    for (const r of requests) {
      assetOf(r.token, input.series, this.assets);
      assetOf("pay" in r ? (r.pay ?? "USDC") : (r.receive ?? "USDC"), input.series, this.assets);
    }
    for (const s of Object.keys(input.holding ?? {})) assetOf(s, input.series, this.assets);
    this.times = this.timeline();
    const t0 = this.times[0] ?? 0;
    this.setPrices(t0);
    this.startHolding();
    requests.forEach((req, i) => {
      const line = input.rules[i] ?? "";
      try {
        const token = assetOf(req.token, input.series, this.assets).ref;
        const quote = assetOf("pay" in req ? (req.pay ?? "USDC") : (req.receive ?? "USDC"), input.series, this.assets).ref;
        const spec = resolveAutomation(req, { token, quote, priceUsd: this.priceOf(token.symbol), now: t0 });
        this.armed.push({ rule: i + 1, line: line.trim(), spec, state: "armed", handled: 0, fills: 0, symbol: token.symbol, firedHigh: null });
      } catch (e) {
        throw ruleError(e, i, line);
      }
    });
  }

  /** Candle times of the priced assets within [from, to], where every one of them has a candle. */
  private timeline(): number[] {
    const priced = [...this.assets.values()].flatMap((a) => (a.closes ? [a.closes] : []));
    const from = this.input.from ?? -Infinity;
    const to = this.input.to ?? Infinity;
    const first = priced[0];
    if (!first) throw new UserError("bad_automation", "The rules trade only stablecoins: nothing to replay.");
    const times = [...first.keys()].filter((t) => t >= from && t <= to && priced.every((m) => m.has(t))).sort((a, b) => a - b);
    if (times.length < 2) throw new UserError("history_unavailable", "Fewer than 2 candles in the chosen range for the tokens of these rules.");
    return times;
  }

  private setPrices(t: number): void {
    for (const [symbol, a] of this.assets) this.price.set(symbol, a.closes ? (a.closes.get(t) ?? Number.NaN) : 1);
  }

  private priceOf(symbol: string): number {
    return this.price.get(symbol) ?? Number.NaN;
  }

  private startHolding(): void {
    const given = this.input.holding;
    if (given) {
      for (const [word, text] of Object.entries(given)) {
        const a = assetOf(word, this.input.series, this.assets);
        this.balances.set(a.ref.symbol, parseAmount(text, a.ref.decimals, a.ref.symbol));
      }
      return;
    }
    for (const [symbol, a] of this.assets) {
      this.balances.set(symbol, STABLES.has(symbol) ? toUnits(10_000, a.ref.decimals) : toUnits(10_000 / this.priceOf(symbol), a.ref.decimals));
    }
    if (!this.balances.has("USDC")) this.balances.set("USDC", toUnits(10_000, 6));
  }

  private holdings(balances: ReadonlyMap<string, bigint>): Holding[] {
    return [...balances].map(([symbol, units]) => ({ symbol, amount: fromUnits(units, this.decimalsOf(symbol)) }));
  }

  private decimalsOf(symbol: string): number {
    return this.assets.get(symbol)?.ref.decimals ?? (symbol === "USDC" ? 6 : 9);
  }

  private value(balances: ReadonlyMap<string, bigint>): number {
    let v = 0;
    for (const [symbol, units] of balances) v += fromUnits(units, this.decimalsOf(symbol)) * this.priceOf(symbol);
    return v;
  }

  run(): AutomationBacktestResult {
    const start = new Map(this.balances);
    const t0 = this.times[0] ?? 0;
    for (const [symbol] of this.assets) if (!STABLES.has(symbol)) this.book.onGoodTick(symbol, t0, this.priceOf(symbol));
    this.armed.forEach((a, i) => {
      const w = watchOf(a.spec);
      if (w) this.book.add(a.symbol, i, w);
    });
    const startValue = this.value(start);
    const ours: number[] = [];
    const held: number[] = [];
    for (const t of this.times) {
      this.setPrices(t);
      if (t > t0) for (const [symbol] of this.assets) if (!STABLES.has(symbol)) this.tick(symbol, t);
      this.schedules(t);
      ours.push(this.value(this.balances));
      held.push(this.value(start));
    }
    const finalValue = ours[ours.length - 1] ?? startValue;
    return {
      from: t0,
      to: this.times[this.times.length - 1] ?? t0,
      steps: this.times.length,
      feeBps: this.input.feeBps,
      start: { holdings: this.holdings(start), valueUsd: startValue },
      rules: this.armed.map((a, i) => ({ rule: a.rule, line: a.line, kind: a.spec.kind, levelUsd: this.levelOf(a, i), state: a.state, fills: a.fills })),
      events: this.events,
      final: { holdings: this.holdings(this.balances), valueUsd: finalValue, maxDrawdownPct: maxDrawdownPct(ours) },
      buyAndHold: { valueUsd: held[held.length - 1] ?? startValue, maxDrawdownPct: maxDrawdownPct(held) },
      feesUsd: this.feesUsd,
    };
  }

  private levelOf(a: Armed, handle: number): number | null {
    if ("level" in a.spec) return a.spec.level.usd;
    if (a.spec.kind === "trailing") return a.firedHigh ?? this.book.highOf(handle) ?? null;
    return null;
  }

  private tick(symbol: string, t: number): void {
    const r = this.book.onGoodTick(symbol, t, this.priceOf(symbol));
    for (const f of r.fired) {
      const a = this.armed[f.handle];
      if (!a || a.state !== "armed") continue;
      a.firedHigh = f.high;
      this.firePrice(a, f.handle, t);
    }
  }

  private firePrice(a: Armed, handle: number, t: number): void {
    a.handled++;
    const done = this.execute(a, t);
    a.state = done ? "done" : "failed";
    if (!done) return;
    const views = this.armed.map((o, i) => ({ id: String(i), userId: "backtest", state: o.state, rule: o.spec }));
    for (const id of ocoSiblings({ id: String(handle), userId: "backtest", state: a.state, rule: a.spec }, views)) {
      const sibling = this.armed[Number(id)];
      if (!sibling) continue;
      this.book.remove(Number(id));
      sibling.state = "cancelled";
      this.events.push({ kind: "cancel", t, rule: sibling.rule, by: a.rule });
    }
  }

  private schedules(t: number): void {
    for (const a of this.armed) {
      if (a.spec.kind !== "dca" || a.state !== "armed") continue;
      const s = dcaStep(a.spec, a.handled, t);
      if (s.kind === "wait") continue;
      if (s.kind === "done") {
        a.state = "done";
        continue;
      }
      if (s.missed) this.events.push({ kind: "missed", t, rule: a.rule, from: s.missed.from, to: s.missed.to });
      a.handled = s.kind === "fire" ? s.firing : s.missed.to;
      if (s.kind === "fire") this.execute(a, t);
      if (dcaStep(a.spec, a.handled, t).kind === "done") a.state = "done";
    }
  }

  /** One firing at the current prices: true when it filled. */
  private execute(a: Armed, t: number): boolean {
    const r = a.spec;
    if (r.kind === "dca" || r.kind === "limit-buy") {
      const have = this.balances.get(r.pay.symbol) ?? 0n;
      if (have < r.spend) return this.skip(a, t, `insufficient ${r.pay.symbol}: ${fromUnits(have, r.pay.decimals)} held`);
      const inUsd = fromUnits(r.spend, r.pay.decimals) * this.priceOf(r.pay.symbol);
      const out = toUnits((inUsd * (1 - this.input.feeBps / 10_000)) / this.priceOf(r.token.symbol), r.token.decimals);
      this.move(r.pay, -r.spend, r.token, out);
      return this.fill(a, t, "buy", out, r.spend, r.pay, inUsd, false);
    }
    const size = sellSize(r.amount, this.balances.get(r.token.symbol) ?? 0n);
    if (size.kind === "skip") return this.skip(a, t, size.reason === "nothing_held" ? `no ${r.token.symbol} held` : "the share rounds to nothing");
    const inUsd = fromUnits(size.units, r.token.decimals) * this.priceOf(r.token.symbol);
    const out = toUnits((inUsd * (1 - this.input.feeBps / 10_000)) / this.priceOf(r.receive.symbol), r.receive.decimals);
    this.move(r.token, -size.units, r.receive, out);
    return this.fill(a, t, "sell", size.units, out, r.receive, inUsd, size.capped);
  }

  private move(from: TokenRef, delta: bigint, to: TokenRef, add: bigint): void {
    this.balances.set(from.symbol, (this.balances.get(from.symbol) ?? 0n) + delta);
    this.balances.set(to.symbol, (this.balances.get(to.symbol) ?? 0n) + add);
  }

  private fill(a: Armed, t: number, side: "buy" | "sell", tokenUnits: bigint, quoteUnits: bigint, quote: TokenRef, inUsd: number, capped: boolean): boolean {
    const r = a.spec;
    const feeUsd = (inUsd * this.input.feeBps) / 10_000;
    this.feesUsd += feeUsd;
    a.fills++;
    this.events.push({
      kind: "fill", t, rule: a.rule, firing: a.handled, side, symbol: r.token.symbol, amount: fromUnits(tokenUnits, r.token.decimals),
      quote: quote.symbol, quoteAmount: fromUnits(quoteUnits, quote.decimals), priceUsd: this.priceOf(r.token.symbol), valueUsd: inUsd, feeUsd, capped,
    });
    return true;
  }

  private skip(a: Armed, t: number, reason: string): boolean {
    this.events.push({ kind: "skip", t, rule: a.rule, firing: a.handled, reason });
    return false;
  }
}

/** A rule's UserError with the rule named; anything else unchanged. */
function ruleError(e: unknown, i: number, line: string): unknown {
  if (!(e instanceof UserError)) return e;
  return new UserError(e.code, `rule ${i + 1} "${line.trim().slice(0, 60)}": ${e.message}`, { ...e.context, rule: i + 1 });
}
