import { describe, expect, it } from "vitest";
import { AlertIndex, MoveIndex, ThresholdIndex, type Side } from "../../core/domain/alert-index.js";
import { HandleTable } from "../../core/domain/alert-index-table.js";
import { rng } from "../helpers/rng.js";

const HOUR = 3_600_000;
const MIN = 60_000;


describe("threshold alerts fire exactly when the price crosses their level", () => {
  it("an above alert fires at p >= level (touching the level counts), not below it", () => {
    const ix = new ThresholdIndex();
    ix.add(1, "above", 100);
    expect(ix.takeTriggered(99.99)).toEqual([]);
    expect(ix.size).toBe(1);
    expect(ix.takeTriggered(100)).toEqual([1]);
    expect(ix.size).toBe(0);
  });

  it("a below alert fires at p <= level (touching the level counts), not above it", () => {
    const ix = new ThresholdIndex();
    ix.add(1, "below", 50);
    expect(ix.takeTriggered(50.01)).toEqual([]);
    expect(ix.takeTriggered(50)).toEqual([1]);
  });

  it("a jump past several levels fires them in crossing order: above ascending, then below descending", () => {
    const ix = new ThresholdIndex();
    ix.add(3, "above", 130);
    ix.add(1, "above", 110);
    ix.add(2, "above", 120);
    ix.add(9, "above", 200);
    ix.add(6, "below", 70);
    ix.add(4, "below", 90);
    ix.add(5, "below", 80);
    expect(ix.takeTriggered(125)).toEqual([1, 2]);
    expect(ix.takeTriggered(75)).toEqual([4, 5]);
    expect(ix.takeTriggered(150)).toEqual([3]);
    expect(ix.size).toBe(2);
    expect(ix.quietBand()).toEqual({ above: 200, below: 70 });
  });

  it("a price inside the quiet band fires nothing", () => {
    const ix = new ThresholdIndex();
    ix.add(1, "above", 110);
    ix.add(2, "below", 90);
    for (const p of [90.0001, 95, 100, 109.999]) expect(ix.takeTriggered(p)).toEqual([]);
    expect(ix.size).toBe(2);
  });

  it("an alert removed before the price gets there never fires", () => {
    const ix = new ThresholdIndex();
    ix.add(1, "above", 110);
    ix.add(2, "above", 110);
    ix.add(3, "below", 90);
    expect(ix.remove(1)).toBe(true);
    expect(ix.remove(3)).toBe(true);
    expect(ix.remove(1)).toBe(false);
    expect(ix.remove(42)).toBe(false);
    expect(ix.takeTriggered(200)).toEqual([2]);
    expect(ix.takeTriggered(1)).toEqual([]);
  });

  it("a fired alert is gone: it does not fire twice, cannot be removed, and firing again needs a new add", () => {
    const ix = new AlertIndex();
    ix.addThreshold("SOL", 7, "above", 150);
    expect(ix.onTick("SOL", 1, 151)).toEqual([7]);
    expect(ix.has(7)).toBe(false);
    expect(ix.remove(7)).toBe(false);
    expect(ix.onTick("SOL", 2, 160)).toEqual([]);
    ix.addThreshold("SOL", 7, "above", 150);
    expect(ix.onTick("SOL", 3, 155)).toEqual([7]);
  });

  it("NaN, infinite, zero and negative prices fire nothing and keep every alert", () => {
    const ix = new AlertIndex();
    ix.addThreshold("SOL", 1, "below", 10);
    ix.addThreshold("SOL", 2, "above", 10);
    ix.addMove("SOL", 3, 1, HOUR);
    ix.onTick("SOL", 0, 10.001);
    ix.remove(2);
    for (const p of [NaN, 0, -0, -5, Infinity, -Infinity]) expect(ix.onTick("SOL", 1, p)).toEqual([]);
    expect(ix.size).toBe(2);
    const th = new ThresholdIndex();
    th.add(1, "above", 1);
    th.add(2, "below", 1);
    for (const p of [NaN, 0, -1, Infinity]) expect(th.takeTriggered(p)).toEqual([]);
    expect(th.size).toBe(2);
  });

  it("thousands of alerts on one level fire first-added first, minus the removed ones", () => {
    const ix = new ThresholdIndex();
    const n = 5000;
    for (let h = 0; h < n; h++) ix.add(h, h % 2 ? "above" : "below", 42);
    for (let h = 0; h < n; h += 3) expect(ix.remove(h)).toBe(true);
    const kept = (odd: boolean) => Array.from({ length: n }, (_, h) => h).filter((h) => h % 3 !== 0 && (h % 2 === 1) === odd);
    expect(ix.takeTriggered(42)).toEqual([...kept(true), ...kept(false)]);
    expect(ix.size).toBe(0);
  });

  it("refuses bad levels, bad handles and a handle that is already indexed", () => {
    const ix = new AlertIndex();
    for (const level of [0, -1, NaN, Infinity]) expect(() => ix.addThreshold("SOL", 1, "above", level)).toThrow(RangeError);
    for (const h of [-1, 1.5, 2 ** 31, NaN]) expect(() => ix.addThreshold("SOL", h, "above", 1)).toThrow(RangeError);
    expect(() => ix.addThreshold("SOL", 1, "sideways" as Side, 1)).toThrow(RangeError);
    ix.addThreshold("SOL", 1, "above", 1);
    expect(() => ix.addThreshold("JUP", 1, "below", 1)).toThrow("already indexed");
    expect(() => ix.addMove("SOL", 1, 5, HOUR)).toThrow("already indexed");
    for (const [pct, w] of [[0, HOUR], [-5, HOUR], [NaN, HOUR], [5, 0], [5, Infinity]] as const) {
      expect(() => ix.addMove("SOL", 2, pct, w)).toThrow(RangeError);
    }
    expect(ix.size).toBe(1);
    expect(ix.has(2)).toBe(false);
  });

  it("tokens are independent: a tick only touches its own token", () => {
    const ix = new AlertIndex();
    ix.addThreshold("SOL", 1, "above", 100);
    ix.addThreshold("JUP", 2, "above", 1);
    expect(ix.onTick("JUP", 1, 500)).toEqual([2]);
    expect(ix.onTick("BONK", 1, 500)).toEqual([]);
    expect(ix.has(1)).toBe(true);
    expect(ix.remove(1)).toBe(true);
    expect(ix.size).toBe(0);
  });
});

describe("threshold index agrees with a naive scan", () => {
  interface Naive {
    token: string;
    side: Side;
    level: number;
    seq: number;
  }

  function naiveFire(model: Map<number, Naive>, token: string, p: number): number[] {
    const hits = [...model].filter(([, a]) => a.token === token && (a.side === "above" ? a.level <= p : a.level >= p));
    const order = (side: Side, dir: number) =>
      hits.filter(([, a]) => a.side === side).sort(([, x], [, y]) => dir * (x.level - y.level) || x.seq - y.seq);
    const fired = [...order("above", 1), ...order("below", -1)].map(([h]) => h);
    for (const h of fired) model.delete(h);
    return fired;
  }

  it("matches over 20,000 random adds, removes and ticks (fixed seed)", () => {
    const rand = rng(20240601);
    const ix = new AlertIndex();
    const model = new Map<number, Naive>();
    const tokens = ["SOL", "JUP", "BONK"];
    let seq = 0;
    let nextHandle = 0;
    let fires = 0;
    for (let step = 0; step < 20_000; step++) {
      const r = rand();
      const token = tokens[Math.floor(rand() * tokens.length)]!;
      // Levels on a coarse grid so ties are common; prices hit levels exactly now and then.
      const level = 1 + Math.floor(rand() * 60) / 2;
      if (r < 0.55) {
        const h = rand() < 0.1 && model.size === 0 ? 0 : nextHandle++;
        const side: Side = rand() < 0.5 ? "above" : "below";
        ix.addThreshold(token, h, side, level);
        model.set(h, { token, side, level, seq: seq++ });
      } else if (r < 0.75) {
        const h = Math.floor(rand() * (nextHandle + 5));
        expect(ix.remove(h)).toBe(model.delete(h));
      } else {
        const p = rand() < 0.05 ? [NaN, 0, -3][Math.floor(rand() * 3)]! : level + (rand() < 0.5 ? 0 : rand() - 0.5);
        const got = ix.onTick(token, step, p);
        const want = p > 0 ? naiveFire(model, token, p) : [];
        expect(got).toEqual(want);
        fires += got.length;
      }
      expect(ix.size).toBe(model.size);
    }
    for (const h of model.keys()) expect(ix.has(h)).toBe(true);
    expect(fires).toBeGreaterThan(1000);
  });
});

describe("handle table", () => {
  it("agrees with a Map through heavy insert/delete churn (backward-shift deletion, grow and shrink)", () => {
    const rand = rng(7);
    const table = new HandleTable(2);
    const model = new Map<number, [number, number]>();
    for (let step = 0; step < 60_000; step++) {
      const phase = Math.floor(step / 15_000) % 2; // grow, then mostly delete, then again
      const h = Math.floor(rand() * 4000) * 7919;
      if (rand() < (phase === 0 ? 0.7 : 0.3)) {
        if (!model.has(h)) {
          table.insert(h, h / 3, -h);
          model.set(h, [h / 3, -h]);
        }
      } else {
        expect(table.delete(h)).toBe(model.delete(h));
      }
      if (step % 997 === 0) {
        expect(table.size).toBe(model.size);
        const wrong = [...model].filter(([k, [a, b]]) => {
          const slot = table.slotOf(k);
          return slot < 0 || table.valueAt(slot, 0) !== a || table.valueAt(slot, 1) !== b;
        });
        expect(wrong).toEqual([]);
      }
    }
  });
});

describe("move alerts fire on a move of at least pct within the window", () => {
  it("5% in 1h fires on a rise of 5% from the window's minimum", () => {
    const ix = new MoveIndex();
    ix.add(1, 5, HOUR);
    expect(ix.tick(0, 100)).toEqual([]);
    expect(ix.tick(10 * MIN, 96)).toEqual([]); // 4% fall from 100
    expect(ix.tick(20 * MIN, 100)).toEqual([]); // 4.17% rise from 96
    expect(ix.tick(30 * MIN, 100.8)).toEqual([1]); // 5% rise from 96
    expect(ix.size).toBe(0);
  });

  it("5% in 1h fires on a fall of 5% from the window's maximum", () => {
    const ix = new MoveIndex();
    ix.add(1, 5, HOUR);
    expect(ix.tick(0, 110)).toEqual([]);
    expect(ix.tick(20 * MIN, 106)).toEqual([]); // 3.6% below 110
    expect(ix.tick(40 * MIN, 104.6)).toEqual([]); // 4.9% below 110
    expect(ix.tick(59 * MIN, 104.5)).toEqual([1]); // exactly 5% below 110
  });

  it("does not fire when the same move took longer than the window (old ticks expire)", () => {
    const ix = new MoveIndex();
    ix.add(1, 5, HOUR);
    // +1% every 20 minutes: 100 -> 106 over 2 hours, never 5% within any hour.
    for (let k = 0; k <= 6; k++) expect(ix.tick(k * 20 * MIN, 100 * 1.01 ** k)).toEqual([]);
    // A tick exactly windowMs after the low still counts: 100 at t=0, 105 at t=1h would fire.
    const edge = new MoveIndex();
    edge.add(2, 5, HOUR);
    edge.tick(0, 100);
    expect(edge.tick(HOUR, 105)).toEqual([2]);
    const past = new MoveIndex();
    past.add(3, 5, HOUR);
    past.tick(0, 100);
    expect(past.tick(HOUR + 1, 105)).toEqual([]);
    expect(ix.size).toBe(1);
  });

  it("several windows on one token fire independently, each in pct order", () => {
    const ix = new MoveIndex();
    ix.add(10, 3, 5 * MIN);
    ix.add(11, 2, 5 * MIN);
    ix.add(20, 5, HOUR);
    ix.add(21, 8, HOUR);
    ix.tick(0, 100);
    expect(ix.tick(30 * MIN, 103)).toEqual([]); // 3% but over 30 min: only the 1h window sees it, < 5%
    expect(ix.tick(31 * MIN, 105.1)).toEqual([11, 20]); // 2.04% in 1 min; 5.1% in 31 min
    expect(ix.tick(33 * MIN, 108.3)).toEqual([10, 21]); // 5.1% in 3 min; 8.3% in 33 min
    expect(ix.size).toBe(0);
  });

  it("a removed move alert does not fire; others in its window still do", () => {
    const ix = new AlertIndex();
    ix.addMove("SOL", 1, 5, HOUR);
    ix.addMove("SOL", 2, 5, HOUR);
    ix.addThreshold("SOL", 3, "above", 104);
    ix.onTick("SOL", 0, 100);
    expect(ix.remove(1)).toBe(true);
    expect(ix.onTick("SOL", MIN, 106)).toEqual([3, 2]);
    expect(ix.size).toBe(0);
  });

  it("ticks out of time order are ignored", () => {
    const ix = new MoveIndex();
    ix.add(1, 5, HOUR);
    ix.tick(10 * MIN, 100);
    expect(ix.tick(5 * MIN, 200)).toEqual([]);
    expect(ix.tick(11 * MIN, 101)).toEqual([]);
    expect(ix.size).toBe(1);
  });

  it("agrees with a naive model that keeps every tick of every window (fixed seed)", () => {
    const rand = rng(99);
    const ix = new MoveIndex();
    const windows = [MIN, 5 * MIN, HOUR];
    // Naive: per window, the ticks seen since the window got its first alert; alerts by handle.
    const hist = new Map<number, Array<[number, number]>>();
    const alerts = new Map<number, { pct: number; windowMs: number; seq: number }>();
    let t = 0;
    let price = 100;
    let seq = 0;
    let next = 0;
    let fires = 0;
    for (let step = 0; step < 8000; step++) {
      const r = rand();
      if (r < 0.15) {
        const windowMs = windows[Math.floor(rand() * windows.length)]!;
        const pct = 0.5 + Math.floor(rand() * 10) / 2;
        ix.add(next, pct, windowMs);
        alerts.set(next++, { pct, windowMs, seq: seq++ });
        if (!hist.has(windowMs)) hist.set(windowMs, []);
      } else if (r < 0.2) {
        const h = Math.floor(rand() * (next + 2));
        const a = alerts.get(h);
        expect(ix.remove(h)).toBe(alerts.delete(h));
        if (a && ![...alerts.values()].some((x) => x.windowMs === a.windowMs)) hist.delete(a.windowMs);
      } else {
        t += Math.floor(rand() * 40_000);
        price *= 1 + (rand() - 0.5) * 0.02;
        const want: number[] = [];
        for (const [windowMs, ticks] of hist) {
          ticks.push([t, price]);
          const live = ticks.filter(([at]) => at >= t - windowMs).map(([, p]) => p);
          const lo = Math.min(...live);
          const hi = Math.max(...live);
          const move = Math.max((price - lo) / lo, (hi - price) / hi);
          const hit = [...alerts]
            .filter(([, a]) => a.windowMs === windowMs && a.pct / 100 <= move + 1e-12)
            .sort(([, x], [, y]) => x.pct - y.pct || x.seq - y.seq)
            .map(([h]) => h);
          for (const h of hit) alerts.delete(h);
          if (![...alerts.values()].some((x) => x.windowMs === windowMs)) hist.delete(windowMs);
          want.push(...hit);
        }
        expect(ix.tick(t, price)).toEqual(want);
        fires += want.length;
      }
      expect(ix.size).toBe(alerts.size);
    }
    expect(fires).toBeGreaterThan(100);
  });
});
