import { describe, expect, it } from "vitest";
import { AutomationBook } from "../../core/domain/automation-index.js";
import { TrailIndex } from "../../core/domain/automation-trail-index.js";
import { step, type Pending, type Watch } from "../../core/domain/automation-trigger.js";
import { rng } from "../helpers/rng.js";

const below = (level: number, confirm = false): Watch => ({ kind: "level", side: "below", level, confirm });
const above = (level: number): Watch => ({ kind: "level", side: "above", level, confirm: false });
const trail = (pct: number, high: number): Watch => ({ kind: "trail", f: pct / 100, high });
const handles = (t: { fired: ReadonlyArray<{ handle: number }> }) => t.fired.map((f) => f.handle);

describe("the automation book fires what the rules say, and nothing on a quiet tick", () => {
  it("limit buys and take-profits fire on the first tick past their level, and leave the book", () => {
    const b = new AutomationBook();
    b.add("SOL", 1, below(200));
    b.add("SOL", 2, above(250));
    b.add("JUP", 3, below(200));
    expect(b.onGoodTick("SOL", 1, 210)).toMatchObject({ fired: [], pending: [], ignored: false });
    expect(b.onGoodTick("SOL", 2, 199)).toMatchObject({ fired: [{ handle: 1, usd: 199, high: null }] });
    expect(b.onGoodTick("SOL", 3, 260)).toMatchObject({ fired: [{ handle: 2, usd: 260 }] });
    expect(b.size).toBe(1);
    expect(b.has(3)).toBe(true);
  });

  it("a stop is pending on its first crossing, fires on a confirming tick, and is re-armed when not confirmed", () => {
    const b = new AutomationBook();
    b.add("SOL", 7, below(205, true));
    expect(b.onGoodTick("SOL", 1, 150)).toMatchObject({ fired: [], pending: [7] });
    expect(b.isPending(7)).toBe(true);
    expect(b.onGoodTick("SOL", 1, 150).ignored).toBe(true); // redelivered: not a confirmation
    expect(b.onGoodTick("SOL", 2, 209)).toMatchObject({ fired: [], unconfirmed: [7] });
    expect(b.isPending(7)).toBe(false);
    expect(b.onGoodTick("SOL", 3, 204)).toMatchObject({ pending: [7] });
    expect(b.onGoodTick("SOL", 4, 204.5)).toMatchObject({ fired: [{ handle: 7, usd: 204.5 }] });
    expect(b.has(7)).toBe(false);
  });

  it("a pending automation can be removed (cancelled) before its confirmation", () => {
    const b = new AutomationBook();
    b.add("SOL", 7, below(205, true));
    b.onGoodTick("SOL", 1, 200);
    expect(b.remove(7)).toBe(true);
    expect(b.onGoodTick("SOL", 2, 199).fired).toEqual([]);
    expect(b.remove(7)).toBe(false);
  });

  it("trailing stops: highs lift only on two ticks, the lift is reported for persistence, the fire is confirmed", () => {
    const b = new AutomationBook();
    b.onGoodTick("SOL", 0, 200);
    b.add("SOL", 1, trail(10, 200));
    b.add("SOL", 2, trail(20, 200));
    b.add("SOL", 3, trail(10, 260)); // set earlier at a higher price: keeps its own high
    expect(b.onGoodTick("SOL", 1, 230).raisedTo).toBeNull(); // min(200, 230) = 200: nothing moves
    expect(b.onGoodTick("SOL", 2, 240).raisedTo).toBe(230);
    expect([b.highOf(1), b.highOf(2), b.highOf(3)]).toEqual([230, 230, 260]);
    expect(b.onGoodTick("SOL", 3, 400).raisedTo).toBe(240); // a spike lifts only to the previous tick
    expect(b.onGoodTick("SOL", 4, 241).raisedTo).toBe(241);
    expect([b.highOf(1), b.highOf(2), b.highOf(3)]).toEqual([241, 241, 260]);
    const t = b.onGoodTick("SOL", 5, 216);
    expect(t.pending.slice().sort()).toEqual([1, 3]);
    expect(b.highOf(1)).toBe(241);
    expect(b.onGoodTick("SOL", 6, 216.5)).toMatchObject({ fired: [{ handle: 1, high: 241 }, { handle: 3, high: 260 }] });
    expect(b.highOf(2)).toBe(241);
  });

  it("a NaN, stale, deviating or replay-labelled-live tick fires nothing, confirms nothing and lifts no high", () => {
    const b = new AutomationBook();
    const now = 1_000_000;
    const ctx = { now, maxAgeMs: 10_000, mode: "live" as const };
    b.add("SOL", 1, below(205, true));
    b.add("SOL", 2, below(200));
    b.add("SOL", 3, trail(10, 210));
    expect(b.onTick("SOL", { usd: 210, at: now - 3_000 }, ctx).rejected).toBeNull();
    const bad: Array<[Parameters<AutomationBook["onTick"]>[1], Partial<typeof ctx> & { reference?: number; maxDeviationPct?: number }, string]> = [
      [{ usd: Number.NaN, at: now }, {}, "nan"],
      [{ usd: -1, at: now }, {}, "non_positive"],
      [{ usd: 150, at: now - 10_001 }, {}, "stale"],
      [{ usd: 150, at: now }, { reference: 210, maxDeviationPct: 5 }, "deviation"],
      [{ usd: 150, at: now, replay: true }, {}, "replay_in_live"],
      [{ usd: 400, at: now - 1_000, replay: true }, {}, "replay_in_live"],
    ];
    for (const [tick, over, reason] of bad) {
      const r = b.onTick("SOL", tick, { ...ctx, ...over });
      expect(r).toMatchObject({ rejected: reason, fired: [], pending: [], raisedTo: null });
    }
    expect([b.size, b.isPending(1), b.highOf(3), b.lastPrice("SOL")]).toEqual([3, false, 210, 210]);
    // The stop's crossing needs two good ticks; bad ones in between neither confirm nor reset it.
    expect(b.onTick("SOL", { usd: 204, at: now - 2_000 }, ctx).pending).toEqual([1]);
    expect(b.onTick("SOL", { usd: 150, at: now - 1_500 }, { ...ctx, flagged: "deviation" }).rejected).toBe("deviation");
    expect(b.isPending(1)).toBe(true);
    expect(b.onTick("SOL", { usd: 203, at: now - 1_000 }, ctx).fired.map((f) => f.handle)).toEqual([1]);
  });

  it("a quiet tick returns the shared quiet result and allocates nothing of its own", () => {
    const b = new AutomationBook();
    b.add("SOL", 1, below(100));
    b.add("SOL", 2, trail(10, 210));
    const first = b.onGoodTick("SOL", 1, 200);
    expect(b.onGoodTick("SOL", 2, 201)).toBe(first);
    expect(b.onGoodTick("BONK", 1, 1)).toBe(first);
  });

  it("rejects bad input to add", () => {
    const b = new AutomationBook();
    b.add("SOL", 1, below(100));
    expect(() => b.add("SOL", 1, below(100))).toThrow(/already indexed/);
    expect(() => b.add("SOL", 2, below(Number.NaN))).toThrow(/positive finite/);
    expect(() => b.add("SOL", -1, below(1))).toThrow(/handle/);
    expect(() => b.add("SOL", 3, trail(0, 1))).toThrow(/fraction/);
    expect(b.onGoodTick("SOL", 1, Number.NaN).ignored).toBe(true);
  });
});

describe("the trail index alone", () => {
  it("moves individual stops into the group once a lift reaches them, and keeps higher ones apart", () => {
    const t = new TrailIndex();
    t.add(1, 0.1, 100);
    t.add(2, 0.3, 120);
    t.add(3, 0.1, 90);
    expect(t.lift(95)).toBe(true); // group (100) stays; 90 -> 95 on its own
    expect([t.highOf(1), t.highOf(2), t.highOf(3)]).toEqual([100, 120, 95]);
    expect(t.lift(110)).toBe(true);
    expect([t.highOf(1), t.highOf(2), t.highOf(3)]).toEqual([110, 120, 110]);
    expect(t.lift(105)).toBe(false);
    const out: number[] = [];
    const highs: number[] = [];
    t.takeTriggered(98, out, highs);
    expect(out.sort()).toEqual([1, 3]);
    expect(highs).toEqual([110, 110]);
    t.takeTriggered(80, out, highs);
    expect(out).toEqual([1, 3, 2]);
    expect(t.size).toBe(0);
  });
});

/** Every automation evaluated one by one with the pure step: the reference the book must match. */
class BruteForce {
  private readonly autos = new Map<number, { token: string; watch: Watch; pending: Pending | null }>();
  private readonly last = new Map<string, { p: number; at: number }>();
  add(token: string, h: number, w: Watch) {
    this.autos.set(h, { token, watch: w, pending: null });
  }
  remove(h: number) {
    return this.autos.delete(h);
  }
  high(h: number) {
    const a = this.autos.get(h);
    return a?.watch.kind === "trail" ? a.watch.high : undefined;
  }
  tick(token: string, at: number, p: number): { fired: number[]; pending: number[] } | "ignored" {
    const l = this.last.get(token);
    if (l && at <= l.at) return "ignored";
    this.last.set(token, { p, at });
    const fired: number[] = [];
    const pending: number[] = [];
    for (const [h, a] of this.autos) {
      if (a.token !== token) continue;
      const s = step(a.watch, a.pending, l ? l.p : null, at, p);
      a.watch = s.watch;
      a.pending = s.pending;
      if (s.kind === "fire") {
        fired.push(h);
        this.autos.delete(h);
      } else if (s.kind === "pending" && s.pending.at === at) pending.push(h);
    }
    return { fired, pending };
  }
}

describe("the book against a brute-force scan on random data", () => {
  it.each([1, 2, 3, 4])("seed %i: same fires, pendings and trailing highs on every tick", (seed) => {
    const rand = rng(seed * 7919);
    const tokens = ["SOL", "JUP", "BONK"];
    const price = new Map(tokens.map((t, i) => [t, [200, 1, 0.00002][i] ?? 1]));
    const book = new AutomationBook();
    const brute = new BruteForce();
    const live: number[] = [];
    let next = 0;
    let clock = 0;
    const near = (p: number, spread: number) => p * (1 + (rand() * 2 - 1) * spread);
    const addOne = () => {
      const token = tokens[Math.floor(rand() * tokens.length)] ?? "SOL";
      const p = price.get(token) ?? 1;
      const r = rand();
      // Trailing highs: often exactly the current price (they share a group), sometimes their own.
      const w: Watch =
        r < 0.25 ? below(near(p, 0.2) * 0.9, rand() < 0.6)
        : r < 0.45 ? above(near(p, 0.2) * 1.1)
        : trail(0.5 + rand() * 25, rand() < 0.6 ? p : near(p, 0.3));
      const h = next++;
      book.add(token, h, w);
      brute.add(token, h, w);
      live.push(h);
    };
    for (let i = 0; i < 400; i++) addOne();
    let fires = 0;
    for (let i = 0; i < 2500; i++) {
      const token = tokens[Math.floor(rand() * tokens.length)] ?? "SOL";
      const p0 = price.get(token) ?? 1;
      // Random walk with spikes (one-tick prints) and regime jumps.
      const r = rand();
      const p = r < 0.03 ? p0 * (rand() < 0.5 ? 0.6 : 1.5) : p0 * (1 + (rand() - 0.5) * 0.04);
      if (r >= 0.03) price.set(token, r > 0.995 ? p * 0.8 : p);
      // Mostly forward in time; sometimes a redelivery or a late tick.
      const at = rand() < 0.05 ? clock - Math.floor(rand() * 3) : ++clock;
      const got = book.onGoodTick(token, at, p);
      const want = brute.tick(token, at, p);
      if (want === "ignored") expect(got.ignored).toBe(true);
      else {
        expect(got.ignored).toBe(false);
        expect(handles(got).sort((a, b) => a - b)).toEqual(want.fired.sort((a, b) => a - b));
        expect([...got.pending].sort((a, b) => a - b)).toEqual(want.pending.sort((a, b) => a - b));
        fires += want.fired.length;
      }
      if (i % 50 === 0) expect(live.map((h) => book.highOf(h))).toEqual(live.map((h) => brute.high(h)));
      if (rand() < 0.15) addOne();
      if (rand() < 0.05 && live.length) {
        const h = live[Math.floor(rand() * live.length)] ?? 0;
        expect(book.remove(h)).toBe(brute.remove(h));
      }
    }
    expect(fires).toBeGreaterThan(100);
  });
});
