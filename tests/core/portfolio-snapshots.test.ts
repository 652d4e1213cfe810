import { afterEach, describe, expect, it, vi } from "vitest";
import type { Leases } from "../../core/ports/kv.port.js";
import { silentLogger } from "../../core/ports/logger.port.js";
import { PortfolioSnapshots, SNAPSHOTS_LEASE } from "../../core/services/portfolio-snapshots.service.js";

/** One lease table for both "processes"; time is the fake timers' clock. */
class MemoryLeases implements Leases {
  holders = new Map<string, { owner: string; until: number }>();
  async acquire(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const h = this.holders.get(name);
    if (h && h.owner !== owner && h.until > Date.now()) return false;
    this.holders.set(name, { owner, until: Date.now() + ttlMs });
    return true;
  }
  async release(name: string, owner: string): Promise<void> {
    if (this.holders.get(name)?.owner === owner) this.holders.delete(name);
  }
}

afterEach(() => vi.useRealTimers());

describe("portfolio snapshots schedule", () => {
  it("values every portfolio once an interval, first one interval after start, by one process of two", async () => {
    vi.useFakeTimers();
    const leases = new MemoryLeases();
    const runs: string[] = [];
    const make = (owner: string) =>
      new PortfolioSnapshots({ portfolio: { snapshotAll: async () => (runs.push(owner), 2) }, leases, owner, everyMs: 60_000, log: silentLogger });
    const a = make("a");
    const b = make("b");
    a.start();
    b.start();
    await vi.advanceTimersByTimeAsync(59_000);
    expect(runs).toEqual([]);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(runs).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(runs).toHaveLength(3);
    await a.stop();
    await b.stop();
    expect(leases.holders.has(SNAPSHOTS_LEASE)).toBe(false); // handed over at stop
  });
});
