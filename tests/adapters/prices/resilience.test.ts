import { describe, expect, it } from "vitest";
import { RemoteError } from "../../../core/errors.js";
import { HttpRemoteError } from "../../../adapters/prices/http.js";
import { CircuitOpenError, createResilience, type BreakerState } from "../../../adapters/prices/resilience.js";

const fast = { name: "test", baseDelayMs: 5, maxDelayMs: 20, ratePerSec: 0, timeoutMs: 1_000 };
const flaky = (status = 503) => new HttpRemoteError("test", `test: HTTP ${status}`, status >= 500 || status === 429, status);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected a rejection");
}

describe("createResilience: retry", () => {
  it("retries a retryable failure and returns the later success", async () => {
    const r = createResilience({ ...fast, retries: 2 });
    let calls = 0;
    const out = await r.execute(async () => {
      calls++;
      if (calls < 3) throw flaky();
      return "ok";
    });
    expect(out).toBe("ok");
    expect(calls).toBe(3);
  });

  it("gives up after `retries` retries with the last error", async () => {
    const r = createResilience({ ...fast, retries: 2, breakerFailures: 100 });
    let calls = 0;
    const e = await rejection(r.execute(async () => { calls++; throw flaky(); }));
    expect(calls).toBe(3);
    expect(e).toBeInstanceOf(RemoteError);
    expect((e as RemoteError).status).toBe(503);
  });

  it("does not retry non-retryable RemoteErrors or plain errors", async () => {
    const r = createResilience({ ...fast, retries: 3 });
    let calls = 0;
    await rejection(r.execute(async () => { calls++; throw flaky(404); }));
    expect(calls).toBe(1);
    calls = 0;
    const e = await rejection(r.execute(async () => { calls++; throw new TypeError("bug"); }));
    expect(calls).toBe(1);
    expect(e).toBeInstanceOf(TypeError);
  });

  it("waits at least the server's Retry-After before retrying", async () => {
    const r = createResilience({ ...fast, retries: 1 });
    const starts: number[] = [];
    await r.execute(async () => {
      starts.push(Date.now());
      if (starts.length === 1) throw new HttpRemoteError("test", "429", true, 429, 300);
      return 1;
    });
    expect(starts).toHaveLength(2);
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(290);
  });

  it("does not wait out a Retry-After longer than maxRetryAfterMs: the 429 goes back to the caller", async () => {
    const r = createResilience({ ...fast, retries: 3, maxRetryAfterMs: 1_000 });
    let calls = 0;
    const t0 = Date.now();
    const e = await rejection(r.execute(async () => { calls++; throw new HttpRemoteError("test", "429", true, 429, 60_000); }));
    expect(calls).toBe(1);
    expect(Date.now() - t0).toBeLessThan(30_000); // not the 60 s Retry-After (bound generous for a loaded machine)
    expect((e as HttpRemoteError).retryAfterMs).toBe(60_000);
    expect((e as HttpRemoteError).retryable).toBe(true);
  });
});

describe("createResilience: timeout", () => {
  it("times an attempt out as a retryable RemoteError and aborts its signal", async () => {
    const r = createResilience({ ...fast, retries: 0, timeoutMs: 80 });
    let seen: AbortSignal | undefined;
    const t0 = Date.now();
    const e = await rejection(
      r.execute((signal) => {
        seen = signal;
        return new Promise(() => undefined);
      }),
    );
    expect(Date.now() - t0).toBeLessThan(10_000); // the attempt never ends: only the 80 ms timeout ends it (bound generous for a loaded machine)
    expect(e).toBeInstanceOf(RemoteError);
    expect((e as RemoteError).retryable).toBe(true);
    expect((e as RemoteError).message).toMatch(/timed out after 80 ms/);
    expect(seen?.aborted).toBe(true);
  });
});

describe("createResilience: circuit breaker", () => {
  it("opens after N consecutive failures, fails fast without calling, then half-opens and closes", async () => {
    const r = createResilience({ ...fast, retries: 0, breakerFailures: 3, halfOpenAfterMs: 150 });
    const states: BreakerState[] = [];
    r.onBreakerStateChange((s) => states.push(s));
    let calls = 0;
    const failing = async () => { calls++; throw flaky(); };
    for (let i = 0; i < 3; i++) await rejection(r.execute(failing));
    expect(calls).toBe(3);
    expect(r.breakerState()).toBe("open");

    const t0 = Date.now();
    const e = await rejection(r.execute(failing));
    expect(Date.now() - t0).toBeLessThan(1_000); // fails fast (the call would otherwise wait for retries)
    expect(calls).toBe(3); // nothing was sent
    expect(e).toBeInstanceOf(CircuitOpenError);
    expect(e).toBeInstanceOf(RemoteError);
    expect((e as RemoteError).retryable).toBe(true);

    await sleep(180);
    await expect(r.execute(async () => { calls++; return "back"; })).resolves.toBe("back");
    expect(calls).toBe(4);
    expect(r.breakerState()).toBe("closed");
    expect(states).toEqual(["open", "half-open", "closed"]);
  });

  it("a failed trial call re-opens the circuit", async () => {
    const r = createResilience({ ...fast, retries: 0, breakerFailures: 1, halfOpenAfterMs: 100 });
    await rejection(r.execute(async () => { throw flaky(); }));
    expect(r.breakerState()).toBe("open");
    await sleep(130);
    await rejection(r.execute(async () => { throw flaky(); }));
    expect(r.breakerState()).toBe("open");
    expect(await rejection(r.execute(async () => 1))).toBeInstanceOf(CircuitOpenError);
  });

  it("client errors (4xx) do not open the circuit", async () => {
    const r = createResilience({ ...fast, retries: 0, breakerFailures: 2 });
    for (let i = 0; i < 4; i++) await rejection(r.execute(async () => { throw flaky(400); }));
    expect(r.breakerState()).toBe("closed");
  });

  it("an open circuit is not retried by the retry policy", async () => {
    const r = createResilience({ ...fast, retries: 5, breakerFailures: 2, halfOpenAfterMs: 10_000 });
    let calls = 0;
    const e = await rejection(r.execute(async () => { calls++; throw flaky(); }));
    expect(calls).toBe(2); // the breaker opened on the second attempt; no more attempts were made
    expect(e).toBeInstanceOf(CircuitOpenError);
  });
});

describe("createResilience: rate limiter", () => {
  it("spaces calls to ratePerSec: 3 calls at 5/s take at least ~400 ms, and none fails", async () => {
    const r = createResilience({ ...fast, ratePerSec: 5 });
    const starts: number[] = [];
    const t0 = Date.now();
    const out = await Promise.all([1, 2, 3].map((n) => r.execute(async () => { starts.push(Date.now() - t0); return n; })));
    expect(out).toEqual([1, 2, 3]);
    starts.sort((a, b) => a - b);
    expect(starts[0]!).toBeLessThan(400);
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(180);
    expect(starts[2]! - starts[0]!).toBeGreaterThanOrEqual(350);
  });

  it("a 429 with Retry-After pauses the whole bucket, not only the call that got it", async () => {
    const r = createResilience({ ...fast, ratePerSec: 100, retries: 0 });
    await rejection(r.execute(async () => { throw new HttpRemoteError("test", "429", true, 429, 300); }));
    const t0 = Date.now();
    await r.execute(async () => 1);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
  });
});
