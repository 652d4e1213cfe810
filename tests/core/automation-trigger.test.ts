import { describe, expect, it } from "vitest";
import type { Automation, AutomationRule } from "../../core/domain/automation.js";
import { firingKey, needsConfirmation } from "../../core/domain/automation.js";
import { parseAutomationLine } from "../../core/domain/automation-parse.js";
import { resolveAutomation } from "../../core/domain/automation-resolve.js";
import { judgeTick, ocoSiblings, sellSize, step, watchOf, type Pending, type TickContext, type Watch } from "../../core/domain/automation-trigger.js";
import { dcaStep, dueAt, dueTimes, firingCount, type DcaSchedule } from "../../core/domain/automation-schedule.js";

const SOL = { mint: "So11111111111111111111111111111111111111112", symbol: "SOL", decimals: 9 };
const JUP = { mint: "JUPyiwrYJFskUPiHa7hkeR8VUtAeFoSYbKedZNsDvCN", symbol: "JUP", decimals: 6 };
const USDC = { mint: "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", symbol: "USDC", decimals: 6 };
const HOUR = 3_600_000;
const T0 = Date.UTC(2025, 0, 7);

const rule = (line: string, price = 210, token = SOL): AutomationRule =>
  resolveAutomation(parseAutomationLine(line), { token, quote: USDC, priceUsd: price, now: T0 });

/** Feeds good ticks (price per hour) through the pure step and returns when and at what it fired. */
function run(w: Watch, prices: number[]): { fired: { i: number; usd: number } | null; watch: Watch; pendingAt: number[] } {
  let watch = w;
  let pending: Pending | null = null;
  let prev: number | null = null;
  const pendingAt: number[] = [];
  for (let i = 0; i < prices.length; i++) {
    const p = prices[i] ?? Number.NaN;
    const s = step(watch, pending, prev, T0 + i * HOUR, p);
    prev = p;
    watch = s.watch;
    if (s.kind === "fire") return { fired: { i, usd: s.usd }, watch, pendingAt };
    pending = s.pending;
    if (s.kind === "pending") pendingAt.push(i);
  }
  return { fired: null, watch, pendingAt };
}

describe("good prices only", () => {
  const live: TickContext = { now: T0, maxAgeMs: 60_000, mode: "live" };
  it("a sane, fresh, live tick is good", () => {
    expect(judgeTick({ usd: 200, at: T0 - 5_000 }, live)).toBeNull();
    expect(judgeTick({ usd: 200, at: T0, replay: true }, { ...live, mode: "replay" })).toBeNull();
  });
  it("NaN, infinite, zero, negative, stale, deviating or wrongly labelled ticks are rejected", () => {
    expect(judgeTick({ usd: Number.NaN, at: T0 }, live)).toBe("nan");
    expect(judgeTick({ usd: Infinity, at: T0 }, live)).toBe("nan");
    expect(judgeTick({ usd: 0, at: T0 }, live)).toBe("non_positive");
    expect(judgeTick({ usd: -3, at: T0 }, live)).toBe("non_positive");
    expect(judgeTick({ usd: 200, at: T0 - 60_001 }, live)).toBe("stale");
    expect(judgeTick({ usd: 200, at: Number.NaN }, live)).toBe("stale");
    expect(judgeTick({ usd: 150, at: T0 }, { ...live, reference: 200, maxDeviationPct: 5 })).toBe("deviation");
    expect(judgeTick({ usd: 198, at: T0 }, { ...live, reference: 200, maxDeviationPct: 5 })).toBeNull();
    expect(judgeTick({ usd: 200, at: T0 }, { ...live, flagged: "deviation" })).toBe("deviation");
    expect(judgeTick({ usd: 200, at: T0, replay: true }, live)).toBe("replay_in_live");
    expect(judgeTick({ usd: 200, at: T0 }, { ...live, mode: "replay" })).toBe("live_in_replay");
  });
});

describe("fixed levels", () => {
  it("a limit buy fires on the first good tick at or below its level, at that tick's price", () => {
    const w = watchOf(rule("/limit buy SOL 100 at 200")) as Watch;
    expect(run(w, [210, 200.01, 205]).fired).toBeNull();
    expect(run(w, [210, 200.01, 200, 201]).fired).toEqual({ i: 2, usd: 200 });
    expect(run(w, [210, 150]).fired).toEqual({ i: 1, usd: 150 });
  });
  it("a limit sell and a take-profit fire at or above their level, unconfirmed", () => {
    for (const line of ["/limit sell SOL all at 220", "/tp SOL at 220"]) {
      const w = watchOf(rule(line)) as Watch;
      expect(run(w, [210, 219.99]).fired).toBeNull();
      expect(run(w, [210, 220, 100]).fired).toEqual({ i: 1, usd: 220 });
    }
  });
  it("a stop needs the next good tick to confirm: one bad print does not dump the position", () => {
    const w = watchOf(rule("/stop SOL at 205")) as Watch;
    expect(needsConfirmation("stop")).toBe(true);
    const wick = run(w, [210, 150, 209, 208]);
    expect(wick.fired).toBeNull();
    expect(wick.pendingAt).toEqual([1]);
    expect(run(w, [210, 204, 204.5]).fired).toEqual({ i: 2, usd: 204.5 });
    expect(run(w, [210, 205, 205]).fired).toEqual({ i: 2, usd: 205 });
    // A crossing, a recovery, a second crossing confirmed later.
    expect(run(w, [210, 204, 206, 203, 202]).fired).toEqual({ i: 4, usd: 202 });
  });
  it("a redelivered tick (same observation time) cannot confirm its own crossing", () => {
    const w = watchOf(rule("/stop SOL at 205")) as Watch;
    const first = step(w, null, 210, T0 + HOUR, 204);
    expect(first.kind).toBe("pending");
    const again = step(first.watch, first.pending, 204, T0 + HOUR, 204);
    expect(again.kind).toBe("pending");
    const next = step(again.watch, again.pending, 204, T0 + 2 * HOUR, 203.9);
    expect(next).toMatchObject({ kind: "fire", usd: 203.9, at: T0 + 2 * HOUR });
  });
});

describe("trailing stops", () => {
  it("keep the highest confirmed price and fire, confirmed, N% below it", () => {
    const w = watchOf(rule("/trail SOL 10%", 200)) as Watch;
    expect(w).toEqual({ kind: "trail", f: 0.1, high: 200 });
    // Highs: 200, 220 (min of 220, 240), 240 (min of 240, 250); 230 confirms nothing higher.
    const r = run(w, [200, 220, 240, 250, 230, 217, 215, 214]);
    expect(r.pendingAt).toEqual([6]);
    expect(r.fired).toEqual({ i: 7, usd: 214 });
    expect(r.watch).toMatchObject({ high: 240 });
  });
  it("one spike up does not lift the high (it needs two ticks), so normal prices do not fire it", () => {
    const w = watchOf(rule("/trail SOL 10%", 200)) as Watch;
    const r = run(w, [200, 201, 400, 200, 199, 200]);
    expect(r.fired).toBeNull();
    expect(r.watch).toMatchObject({ high: 201 });
  });
  it("the returned high is what to persist; a restart resumes from it, not from the price when set", () => {
    const r = rule("/trail SOL 10%", 200);
    const first = run(watchOf(r) as Watch, [200, 230, 232]);
    expect(first.watch).toMatchObject({ high: 230 });
    const a: Pick<Automation, "high"> = { high: first.watch.kind === "trail" ? first.watch.high : null };
    const resumed = watchOf(r, a.high) as Watch;
    expect(resumed).toMatchObject({ high: 230 });
    expect(run(resumed, [210, 206, 206.9]).fired).toEqual({ i: 2, usd: 206.9 });
    // A persisted high below the price when set (corrupt or stale row) never lowers the level.
    expect(watchOf(r, 150)).toMatchObject({ high: 200 });
  });
});

describe("sizing a sell from the holding", () => {
  it("sells what is held when asked for more, a share rounded down, and nothing from nothing", () => {
    expect(sellSize({ kind: "units", units: 5n }, 3n)).toEqual({ kind: "sell", units: 3n, capped: true });
    expect(sellSize({ kind: "units", units: 2n }, 3n)).toEqual({ kind: "sell", units: 2n, capped: false });
    expect(sellSize({ kind: "all" }, 7n)).toEqual({ kind: "sell", units: 7n, capped: false });
    expect(sellSize({ kind: "percent", bps: 5000 }, 7n)).toEqual({ kind: "sell", units: 3n, capped: false });
    expect(sellSize({ kind: "percent", bps: 1 }, 7n)).toEqual({ kind: "skip", reason: "share_rounds_to_zero" });
    expect(sellSize({ kind: "all" }, 0n)).toEqual({ kind: "skip", reason: "nothing_held" });
  });
});

describe("one-cancels-other", () => {
  const auto = (id: string, line: string, over: Partial<Automation> = {}, token = SOL) => ({
    id, userId: "u1", state: "armed" as const, rule: rule(line, token === SOL ? 210 : 1, token), ...over,
  });
  it("a stop and a take-profit selling the same holding cancel each other; other automations stay", () => {
    const stop = auto("s", "/stop SOL at 190");
    const tp = auto("t", "/tp SOL at 250");
    const others = [
      stop,
      tp,
      auto("t2", "/tp SOL at 260 50%"), // the stop sells all: overlaps
      auto("trail", "/trail SOL 10%"), // same side as the stop
      auto("ls", "/limit sell SOL all at 255"), // an order, not a protection
      auto("lb", "/limit buy SOL 100 at 180"),
      auto("other-user", "/tp SOL at 250", { userId: "u2" }),
      auto("done", "/tp SOL at 250", { state: "done" }),
      auto("paused", "/tp SOL at 270", { state: "paused" }),
      auto("jup", "/tp JUP at 2", {}, JUP),
    ];
    expect(ocoSiblings(stop, others).sort()).toEqual(["paused", "t", "t2"]);
    expect(ocoSiblings(tp, others).sort()).toEqual(["s", "trail"]);
    expect(ocoSiblings(others[4] as never, others)).toEqual([]);
  });
  it("different shares of the holding are independent; equal shares or amounts are the same holding", () => {
    const stopHalf = auto("s", "/stop SOL at 190 50%");
    expect(ocoSiblings(stopHalf, [auto("a", "/tp SOL at 250 30%"), auto("b", "/tp SOL at 250 50%"), auto("c", "/tp SOL at 250 2")])).toEqual(["b"]);
    const stopTwo = auto("s", "/stop SOL at 190 2");
    expect(ocoSiblings(stopTwo, [auto("c", "/tp SOL at 250 2"), auto("d", "/tp SOL at 250 3")])).toEqual(["c"]);
  });
});

describe("DCA schedules on an injected clock", () => {
  const every6h: DcaSchedule = { startAt: T0, everyMs: 6 * HOUR, times: 3, until: null };
  it("every 6h times 3 has exactly 3 due times: now, +6h, +12h", () => {
    expect(dueTimes(every6h)).toEqual([T0, T0 + 6 * HOUR, T0 + 12 * HOUR]);
    expect(firingCount(every6h)).toBe(3);
    expect(dueAt(every6h, 4)).toBeNull();
  });
  it("until cuts the schedule; both limits apply; open-ended schedules go on", () => {
    expect(dueTimes({ startAt: T0, everyMs: 6 * HOUR, times: null, until: T0 + 13 * HOUR })).toHaveLength(3);
    expect(dueTimes({ startAt: T0, everyMs: 6 * HOUR, times: 2, until: T0 + 13 * HOUR })).toHaveLength(2);
    expect(firingCount({ startAt: T0, everyMs: HOUR, times: null, until: null })).toBeNull();
    expect(dueTimes({ startAt: T0, everyMs: HOUR, times: null, until: null }, 5)).toHaveLength(5);
  });
  it("a clock stepped hour by hour fires each firing once, with its number, then is done", () => {
    const fired: Array<[number, number]> = [];
    let handled = 0;
    for (let t = T0 - HOUR; t <= T0 + 48 * HOUR; t += HOUR) {
      const s = dcaStep(every6h, handled, t);
      if (s.kind === "fire") {
        fired.push([s.firing, t]);
        handled = s.firing;
      }
    }
    expect(fired).toEqual([[1, T0], [2, T0 + 6 * HOUR], [3, T0 + 12 * HOUR]]);
    expect(dcaStep(every6h, handled, T0 + 48 * HOUR)).toEqual({ kind: "done" });
    expect(dcaStep(every6h, 1, T0 + HOUR)).toEqual({ kind: "wait", firing: 2, at: T0 + 6 * HOUR });
  });
  it("after downtime only the latest due firing runs; the ones before are reported missed", () => {
    expect(dcaStep(every6h, 0, T0 + 13 * HOUR)).toEqual({ kind: "fire", firing: 3, dueAt: T0 + 12 * HOUR, missed: { from: 1, to: 2 } });
    expect(dcaStep(every6h, 1, T0 + 18 * HOUR)).toEqual({ kind: "expired", missed: { from: 2, to: 3 } });
    // The same (handled, now) always names the same firing: two workers agree on the key.
    expect(firingKey("a1", 3)).toBe("auto:a1:3");
  });
  it("a replayed clock works the same: a daily DCA over 24 replayed days is 24 buys", () => {
    const daily: DcaSchedule = { startAt: T0, everyMs: 24 * HOUR, times: null, until: T0 + 23 * 24 * HOUR };
    let handled = 0;
    let buys = 0;
    for (let t = T0; t <= T0 + 30 * 24 * HOUR; t += 3600 * 1000) {
      const s = dcaStep(daily, handled, t);
      if (s.kind === "fire") {
        buys++;
        handled = s.firing;
      }
    }
    expect(buys).toBe(24);
  });
});
