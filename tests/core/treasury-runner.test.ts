import { afterEach, describe, expect, it, vi } from "vitest";
import type { Leases } from "../../core/ports/kv.port.js";
import { silentLogger } from "../../core/ports/logger.port.js";
import { RunLease } from "../../core/services/treasury/run-lease.js";
import { TreasuryRunner } from "../../core/services/treasury/runner.js";
import type { TickResult } from "../../core/services/treasury/index.js";
import { FakeClock } from "../helpers/clock.js";

/** One lease table shared by "instances" in this test, on the fake clock. */
class MemoryLeases implements Leases {
  holders = new Map<string, { owner: string; until: number }>();
  fail = false;
  constructor(private readonly clock: FakeClock) {}
  async acquire(name: string, owner: string, ttlMs: number): Promise<boolean> {
    if (this.fail) throw new Error("lease store down");
    const h = this.holders.get(name);
    if (h && h.owner !== owner && h.until > this.clock.now()) return false;
    this.holders.set(name, { owner, until: this.clock.now() + ttlMs });
    return true;
  }
  async release(name: string, owner: string): Promise<void> {
    if (this.holders.get(name)?.owner === owner) this.holders.delete(name);
  }
}

afterEach(() => vi.useRealTimers());

describe("treasury loop (TreasuryRunner on LeaderLoop)", () => {
  it("first tick a second after start, then every third of the lease TTL; the loop lease is kept between ticks and handed over at stop", async () => {
    vi.useFakeTimers();
    const clock = new FakeClock(0);
    const leases = new MemoryLeases(clock);
    const steps: number[] = [];
    const runner = new TreasuryRunner({
      leases,
      owner: "a",
      ttlMs: 3_000,
      log: silentLogger,
      now: () => clock.now(),
      step: async () => {
        steps.push(Date.now());
        return { kind: "not_due" };
      },
    });
    const t0 = Date.now();
    runner.start();
    await vi.advanceTimersByTimeAsync(999);
    expect(steps).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(steps).toEqual([t0 + 1_000]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(steps).toEqual([t0 + 1_000, t0 + 2_000]);
    expect(leases.holders.get("treasury-loop")?.owner).toBe("a");
    await runner.stop();
    expect(leases.holders.has("treasury-loop")).toBe(false);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(steps).toHaveLength(2);
  });

  it("tick: null when another instance leads; the step's result on the leader; a step's error is thrown", async () => {
    const clock = new FakeClock(0);
    const leases = new MemoryLeases(clock);
    let next: () => Promise<TickResult> = async () => ({ kind: "in_band" });
    const make = (owner: string) =>
      new TreasuryRunner({ leases, owner, ttlMs: 60_000, log: silentLogger, now: () => clock.now(), step: () => next() });
    const a = make("a");
    const b = make("b");
    expect(await a.tick()).toEqual({ kind: "in_band" });
    expect(await b.tick()).toBeNull();
    next = async () => {
      throw new Error("prices down");
    };
    await expect(a.tick()).rejects.toThrow("prices down");
    await a.stop();
    next = async () => ({ kind: "not_due" });
    expect(await b.tick()).toEqual({ kind: "not_due" }); // handed over at stop
    await b.stop();
  });
});

describe("the run lease (one trading run at a time)", () => {
  const lease = (leases: Leases, clock: FakeClock, owner: string) =>
    new RunLease({ leases, name: "treasury-run", owner, ttlMs: 3_000, clock, log: silentLogger });

  it("refuses as busy here or elsewhere without running the work, and is released after each run", async () => {
    const clock = new FakeClock(0);
    const leases = new MemoryLeases(clock);
    const a = lease(leases, clock, "a");
    const b = lease(leases, clock, "b");
    let inner: unknown;
    let elsewhere: unknown;
    const outer = await a.exclusive(async () => {
      inner = await a.exclusive(async () => "never");
      elsewhere = await b.exclusive(async () => "never");
      return "ran";
    });
    expect(outer).toBe("ran");
    expect(inner).toEqual({ kind: "busy", where: "here" });
    expect(elsewhere).toEqual({ kind: "busy", where: "elsewhere" });
    expect(await b.exclusive(async () => "b ran")).toBe("b ran"); // released at the end of a's run
  });

  it("before a swap: a renewal that errors halts that swap only; one later than the TTL counts as lost for the rest of the run", async () => {
    const clock = new FakeClock(0);
    const leases = new MemoryLeases(clock);
    const a = lease(leases, clock, "a");
    const seen: boolean[] = [];
    await a.exclusive(async () => {
      seen.push(await a.beforeSwap());
      leases.fail = true;
      seen.push(await a.beforeSwap());
      leases.fail = false;
      seen.push(await a.beforeSwap());
      clock.advance(3_001); // unrenewed past its TTL: another instance may have held it meanwhile
      seen.push(await a.beforeSwap());
      seen.push(await a.beforeSwap());
      return undefined;
    });
    expect(seen).toEqual([true, false, true, false, false]);
  });
});
