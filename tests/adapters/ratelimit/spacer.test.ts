import { Redis } from "ioredis";
import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { MemorySpacer, RedisSpacer } from "../../../adapters/ratelimit/spacer.js";
import type { Admission, Spacer, WindowRule } from "../../../core/ports/rate-limit.port.js";

/*
 * The sliding windows behind every outbound limit: a send holds its window from admission until a
 * window after its answer, and a refusal says how long until asking again can succeed.
 */

const ticketOf = (a: Admission) => {
  if (!a.admitted) throw new Error(`refused: wait ${a.waitMs} ms`);
  return a.ticket;
};

describe("in-process windows (injected clock)", () => {
  let t = 1_000_000;
  const spacer = new MemorySpacer(() => t);
  const two: WindowRule = { key: "w", limit: 2, windowMs: 1000 };

  it("a send still in flight holds its place however long it takes; its window runs from its answer", async () => {
    const a = ticketOf(await spacer.admit([two]));
    ticketOf(await spacer.admit([two]));
    t += 5000; // both still unanswered
    expect(await spacer.admit([two])).toEqual({ admitted: false, waitMs: 1000 }); // at least a window after an answer still to come
    await spacer.finish(a, [two]);
    expect(await spacer.admit([two])).toEqual({ admitted: false, waitMs: 1000 });
    t += 999;
    expect(await spacer.admit([two])).toEqual({ admitted: false, waitMs: 1 });
    t += 1;
    expect((await spacer.admit([two])).admitted).toBe(true);
  });

  it("several rules are all or nothing: a refusal by one records nothing in the others", async () => {
    const chat: WindowRule = { key: "chat", limit: 1, windowMs: 1000 };
    const all: WindowRule = { key: "all", limit: 10, windowMs: 1000 };
    ticketOf(await spacer.admit([chat]));
    expect((await spacer.admit([chat, all])).admitted).toBe(false);
    for (let i = 0; i < 10; i++) ticketOf(await spacer.admit([all, { key: `c${i}`, limit: 1, windowMs: 1000 }]));
    expect((await spacer.admit([all])).admitted).toBe(false);
  });

  it("the pace tolerates a late caller by one gap, but a long pause buys no burst", async () => {
    const paced: WindowRule = { key: "p", limit: 100, windowMs: 1000, minGapMs: 10, gapToleranceMs: 10 };
    ticketOf(await spacer.admit([paced]));
    ticketOf(await spacer.admit([paced])); // one early, within the tolerance
    expect(await spacer.admit([paced])).toEqual({ admitted: false, waitMs: 10 });
    t += 10_000; // a stall
    const burst: boolean[] = [];
    for (let i = 0; i < 5; i++) burst.push((await spacer.admit([paced])).admitted);
    expect(burst).toEqual([true, true, false, false, false]);
  });
});

const redisUrl = process.env.TEST_REDIS_URL;
describe.skipIf(!redisUrl)(`windows in Redis, shared by two clients${redisUrl ? "" : " (skipped: TEST_REDIS_URL is not set)"}`, () => {
  const conns = redisUrl ? [new Redis(redisUrl), new Redis(redisUrl)] : [];
  afterAll(async () => {
    await Promise.all(conns.map((c) => c.quit()));
  });
  const prefix = `test-${randomBytes(4).toString("hex")}:space:`;
  const spacers: Spacer[] = conns.map((c) => new RedisSpacer(c, (err) => { throw err; }, prefix));

  it("one window across both: in flight holds it, the answer starts its window, all or nothing across rules", async () => {
    const [a, b] = spacers as [Spacer, Spacer];
    const two: WindowRule = { key: "w", limit: 2, windowMs: 60_000 };
    const first = ticketOf(await a.admit([two]));
    ticketOf(await b.admit([two, { key: "chat:1", limit: 1, windowMs: 60_000 }]));
    const refused = await a.admit([two, { key: "chat:2", limit: 1, windowMs: 60_000 }]);
    expect(refused.admitted).toBe(false);
    if (!refused.admitted) expect(refused.waitMs).toBeGreaterThanOrEqual(59_000);
    // chat:2 was not taken by the refusal
    ticketOf(await b.admit([{ key: "chat:2", limit: 1, windowMs: 60_000 }]));
    expect((await a.admit([{ key: "chat:1", limit: 1, windowMs: 60_000 }])).admitted).toBe(false);
    await a.finish(first, [two]);
    const after = await b.admit([two]);
    expect(after.admitted).toBe(false);
    if (!after.admitted) expect(after.waitMs).toBeGreaterThan(59_000);
  });

  it("the pace holds across clients: one early admission is tolerated, the next waits", async () => {
    const [a, b] = spacers as [Spacer, Spacer];
    const paced: WindowRule = { key: "p", limit: 100, windowMs: 1000, minGapMs: 60_000, gapToleranceMs: 60_000 };
    ticketOf(await a.admit([paced]));
    ticketOf(await b.admit([paced]));
    const third = await a.admit([paced]);
    expect(third.admitted).toBe(false);
    if (!third.admitted) expect(third.waitMs).toBeGreaterThan(59_000);
  });
});
