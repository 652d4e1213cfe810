import { afterEach, describe, expect, it, vi } from "vitest";
import type { Leases } from "../../core/ports/kv.port.js";
import { LeaderLoop } from "../../core/services/leader-loop.js";
import { silentLogger } from "../../core/ports/logger.port.js";

/** One lease table shared by "processes" (loops) in this test. */
class MemoryLeases implements Leases {
  holders = new Map<string, { owner: string; until: number }>();
  now = 0;
  fail = false;
  async acquire(name: string, owner: string, ttlMs: number): Promise<boolean> {
    if (this.fail) throw new Error("lease store down");
    const h = this.holders.get(name);
    if (h && h.owner !== owner && h.until > this.now) return false;
    this.holders.set(name, { owner, until: this.now + ttlMs });
    return true;
  }
  async release(name: string, owner: string): Promise<void> {
    if (this.holders.get(name)?.owner === owner) this.holders.delete(name);
  }
}

afterEach(() => vi.useRealTimers());

describe("LeaderLoop", () => {
  it("runs a step at a time, never two at once, and stop waits for the step in flight", async () => {
    vi.useFakeTimers();
    let active = 0;
    let most = 0;
    let steps = 0;
    let release: () => void = () => undefined;
    const loop = new LeaderLoop({
      name: "t",
      everyMs: 100,
      log: silentLogger,
      run: async () => {
        active++;
        most = Math.max(most, active);
        steps++;
        await new Promise<void>((r) => (release = r));
        active--;
      },
    });
    loop.start();
    await vi.advanceTimersByTimeAsync(1_000); // the first step is still blocked: nothing else starts
    expect(steps).toBe(1);
    void loop.runNow(); // joins the running step
    expect(steps).toBe(1);
    const stopped = loop.stop();
    let done = false;
    void stopped.then(() => (done = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toBe(false);
    release();
    await stopped;
    expect(most).toBe(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(steps).toBe(1); // nothing after stop
  });

  it("one process of two runs the leased loop; the other takes over at once when it stops", async () => {
    vi.useFakeTimers();
    const leases = new MemoryLeases();
    const ran: string[] = [];
    const make = (owner: string) =>
      new LeaderLoop({ name: "snapshots", everyMs: 100, log: silentLogger, lease: { leases, owner, ttlMs: 10_000 }, run: async () => void ran.push(owner) });
    const a = make("a");
    const b = make("b");
    a.start();
    await vi.advanceTimersByTimeAsync(0);
    b.start();
    await vi.advanceTimersByTimeAsync(500);
    expect(new Set(ran)).toEqual(new Set(["a"]));
    expect(a.leading).toBe(true);
    expect(b.leading).toBe(false);
    await a.stop(); // releases: b leads on its next step, not after the TTL
    ran.length = 0;
    await vi.advanceTimersByTimeAsync(200);
    expect(new Set(ran)).toEqual(new Set(["b"]));
    await b.stop();
  });

  it("a step's renew() says false once another process took the lease, and stays false", async () => {
    const leases = new MemoryLeases();
    let first: boolean | undefined;
    let second: boolean | undefined;
    const loop = new LeaderLoop({
      name: "treasury",
      everyMs: 1_000,
      log: silentLogger,
      lease: { leases, owner: "a", ttlMs: 1_000 },
      run: async (step) => {
        leases.holders.set("treasury", { owner: "b", until: Number.MAX_SAFE_INTEGER });
        first = await step.renew();
        leases.holders.delete("treasury");
        second = await step.renew();
      },
    });
    await loop.runNow();
    expect(first).toBe(false);
    expect(second).toBe(false);
  });

  it("a lease store that does not answer mid-step is not a loss within the TTL, and is after it", async () => {
    const leases = new MemoryLeases();
    let now = 0;
    const seen: boolean[] = [];
    const loop = new LeaderLoop({
      name: "treasury",
      everyMs: 1_000,
      log: silentLogger,
      now: () => now,
      lease: { leases, owner: "a", ttlMs: 1_000 },
      run: async (step) => {
        leases.fail = true;
        now = 500;
        seen.push(await step.renew());
        now = 1_500;
        seen.push(await step.renew());
      },
    });
    await loop.runNow();
    expect(seen).toEqual([true, false]);
  });

  it("failures are retried with a growing wait up to the cap, and a step's returned wait is used", async () => {
    vi.useFakeTimers();
    const at: number[] = [];
    let fail = 3;
    const loop = new LeaderLoop({
      name: "outbox",
      everyMs: 100,
      maxBackoffMs: 300,
      log: silentLogger,
      run: async () => {
        at.push(Date.now());
        if (fail-- > 0) throw new Error("db away");
        return 1_000;
      },
    });
    const t0 = Date.now();
    loop.start();
    await vi.advanceTimersByTimeAsync(3_000);
    await loop.stop();
    // failures wait 100, 200, 300 (capped); the first success asks for 1000
    expect(at.slice(0, 6).map((t) => t - t0)).toEqual([0, 100, 300, 600, 1_600, 2_600]);
  });

  it("runNow says what the step came to: its value, not leading, or the failure", async () => {
    const leases = new MemoryLeases();
    let fail = false;
    const loop = new LeaderLoop<{ rows: number }>({
      name: "retention",
      everyMs: 1_000,
      log: silentLogger,
      lease: { leases, owner: "a", ttlMs: 1_000 },
      run: async () => {
        if (fail) throw new Error("db away");
        return { rows: 3 };
      },
    });
    expect(await loop.runNow()).toEqual({ kind: "ran", value: { rows: 3 } });
    fail = true;
    expect(await loop.runNow()).toMatchObject({ kind: "failed" });
    leases.holders.set("retention", { owner: "b", until: Number.MAX_SAFE_INTEGER });
    expect(await loop.runNow()).toEqual({ kind: "not-leading" });
  });

  it("stop hands the lease over even when this process never ran a step (a restarted holder)", async () => {
    const leases = new MemoryLeases();
    leases.holders.set("retention", { owner: "a", until: Number.MAX_SAFE_INTEGER });
    const restarted = new LeaderLoop({ name: "retention", everyMs: 1_000, log: silentLogger, lease: { leases, owner: "a", ttlMs: 1_000 }, run: async () => {} });
    await restarted.stop();
    expect(leases.holders.has("retention")).toBe(false);
  });

  it("a fixed rate counts the wait from the step's start, and a given backoff and failure log are used", async () => {
    vi.useFakeTimers();
    const at: number[] = [];
    const lines: string[] = [];
    const log = { ...silentLogger, error: (_o: unknown, m?: string) => void lines.push(`error ${m}`), debug: (_o: unknown, m?: string) => void lines.push(`debug ${m}`), info: (_o: unknown, m?: string) => void lines.push(`info ${m}`) };
    let fail = 2;
    const loop = new LeaderLoop({
      name: "poll",
      everyMs: 100,
      fixedRate: true,
      log,
      backoffMs: (n) => 1_000 * n,
      failureLog: { level: "error", failed: "poll failed", again: "poll failed again", recovered: "poll back" },
      run: async () => {
        at.push(Date.now());
        if (fail-- > 0) throw new Error("down");
        await new Promise((r) => setTimeout(r, 30)); // a slow step does not push the cadence back
      },
    });
    const t0 = Date.now();
    loop.start();
    await vi.advanceTimersByTimeAsync(3_250);
    await loop.stop();
    expect(at.map((t) => t - t0)).toEqual([0, 1_000, 3_000, 3_100, 3_200]);
    expect(lines).toEqual(["error poll failed", "debug poll failed again", "info poll back"]);
  });
});
