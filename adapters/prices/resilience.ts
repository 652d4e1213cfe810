import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  DelegateBackoff,
  TaskCancelledError,
  TimeoutStrategy,
  circuitBreaker,
  handleWhen,
  retry,
  timeout,
  type IRetryBackoffContext,
} from "cockatiel";
import { RateLimiterMemory, RateLimiterQueue } from "rate-limiter-flexible";
import { RemoteError } from "../../core/errors.js";
import { HttpRemoteError } from "./http.js";

/**
 * One resilience pipeline per outside source: retry -> circuit breaker -> shared rate limiter
 * -> per-attempt timeout -> the call.
 *
 * - Retry: exponential back-off with jitter, only for retryable RemoteErrors, waiting at least
 *   the server's Retry-After. A Retry-After longer than `maxRetryAfterMs` is not waited out:
 *   the 429 goes back to the caller (still retryable, with `retryAfterMs`) so it can fail over.
 * - Breaker: opens after `breakerFailures` consecutive failed attempts. Client errors (4xx other
 *   than 408/429) do not count: the service answered, our request was wrong. While open, calls
 *   fail fast with CircuitOpenError (a retryable RemoteError) and send nothing; after
 *   `halfOpenAfterMs` one trial call goes through and its outcome closes or re-opens it.
 * - Rate limiter: one token every 1/ratePerSec seconds (rate-limiter-flexible queue), so calls
 *   wait their turn instead of failing; a 429 with Retry-After pauses the whole bucket.
 * - Timeout: cockatiel, aggressive, per attempt; the attempt's AbortSignal is handed to `fn`.
 */

export type BreakerState = "closed" | "open" | "half-open" | "isolated";

export interface ResilienceOptions {
  /** Service name used in errors and metrics ("jupiter", "pyth"). */
  name: string;
  /** Per-attempt timeout. Default 5,000 ms. */
  timeoutMs?: number;
  /** Retries after the first attempt. Default 2. */
  retries?: number;
  /** First back-off delay. Default 250 ms. */
  baseDelayMs?: number;
  /** Largest back-off delay. Default 5,000 ms. */
  maxDelayMs?: number;
  /** Longest Retry-After that is waited out inside one call. Default 10,000 ms. */
  maxRetryAfterMs?: number;
  /** Consecutive failed attempts that open the circuit. Default 5. */
  breakerFailures?: number;
  /** How long the circuit stays open before a trial call. Default 30,000 ms. */
  halfOpenAfterMs?: number;
  /** Requests per second for this source (shared by all its calls). 0 = unlimited. Default 1. */
  ratePerSec?: number;
  /** Calls allowed to wait for a token; beyond that they fail (retryable). Default 1,000. */
  maxQueue?: number;
}

export interface Resilience {
  readonly name: string;
  /** The per-attempt timeout, for adapters that also bound their own request. */
  readonly timeoutMs: number;
  /** Runs `fn` under the policies. `signal` aborts when the attempt times out. */
  execute<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T>;
  breakerState(): BreakerState;
  /** For metrics: called on every breaker state change. */
  onBreakerStateChange(listener: (state: BreakerState) => void): { dispose(): void };
}

/** The circuit is open: nothing was sent. Retryable (later, or from another source). */
export class CircuitOpenError extends RemoteError {
  constructor(service: string) {
    super(service, `${service}: temporarily unavailable after repeated failures (circuit open)`, true);
  }
}

const toState = (s: CircuitState): BreakerState =>
  s === CircuitState.Open ? "open" : s === CircuitState.HalfOpen ? "half-open" : s === CircuitState.Isolated ? "isolated" : "closed";

/** Does this failure say the service is in trouble (as opposed to our request being wrong)? */
export function countsAsOutage(e: unknown): boolean {
  if (!(e instanceof RemoteError)) return true;
  if (e instanceof CircuitOpenError) return false;
  const s = e.status;
  if (s !== undefined && s >= 400 && s < 500 && s !== 408 && s !== 429) return false;
  return true;
}

const retryAfterOf = (e: unknown): number | undefined =>
  e instanceof HttpRemoteError && e.retryAfterMs !== undefined ? e.retryAfterMs : undefined;

/**
 * Exponential back-off with "equal jitter" (between half and all of the step, 2x per attempt),
 * never shorter than what the server asked for; only retryable RemoteErrors whose Retry-After
 * (if any) is short enough to wait out are retried.
 */
function retryPolicyFor(retries: number, baseDelayMs: number, maxDelayMs: number, maxRetryAfterMs: number) {
  const backoff = new DelegateBackoff<IRetryBackoffContext<unknown>>((ctx) => {
    const step = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, ctx.attempt - 1));
    const jittered = step / 2 + Math.random() * (step / 2);
    const error = "error" in ctx.result ? ctx.result.error : undefined;
    return Math.max(jittered, retryAfterOf(error) ?? 0);
  });
  return retry(
    handleWhen((e) => {
      if (!(e instanceof RemoteError) || !e.retryable || e instanceof CircuitOpenError) return false;
      const wait = retryAfterOf(e);
      return wait === undefined || wait <= maxRetryAfterMs;
    }),
    { maxAttempts: retries, backoff },
  );
}

interface RateBucket {
  /** Waits for this source's next token; a full queue fails (retryable). */
  waitForToken(): Promise<void>;
  /** The server said "slow down": hold every caller of this source, not just this one. */
  pauseFor(e: unknown): void;
}

/** One token every 1/ratePerSec seconds, shared by all calls to the source; unlimited when the rate is 0. */
function rateBucket(name: string, ratePerSec: number, maxQueue: number, maxRetryAfterMs: number): RateBucket {
  if (!(ratePerSec > 0 && Number.isFinite(ratePerSec))) return { waitForToken: async () => undefined, pauseFor: () => undefined };
  const limiter = new RateLimiterMemory({ keyPrefix: `prices-${name}`, points: 1, duration: 1 / ratePerSec });
  const queue = new RateLimiterQueue(limiter, { maxQueueSize: maxQueue });
  return {
    async waitForToken() {
      try {
        await queue.removeTokens(1);
      } catch (e) {
        throw new RemoteError(name, `${name}: too many requests waiting for the rate limit`, true, undefined, { cause: e });
      }
    },
    pauseFor(e) {
      if (!(e instanceof HttpRemoteError) || e.status !== 429) return;
      const wait = Math.min(e.retryAfterMs ?? 0, maxRetryAfterMs);
      if (wait > 0) void limiter.block("limiter", wait / 1000).catch(() => undefined);
    },
  };
}

export function createResilience(options: ResilienceOptions): Resilience {
  const name = options.name;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const baseDelayMs = Math.max(0, options.baseDelayMs ?? 250);
  const maxDelayMs = Math.max(baseDelayMs, options.maxDelayMs ?? 5_000);
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 10_000;
  const retryPolicy = retryPolicyFor(Math.max(0, options.retries ?? 2), baseDelayMs, maxDelayMs, maxRetryAfterMs);
  const breaker = circuitBreaker(handleWhen(countsAsOutage), {
    breaker: new ConsecutiveBreaker(Math.max(1, options.breakerFailures ?? 5)),
    halfOpenAfter: options.halfOpenAfterMs ?? 30_000,
  });
  const attemptTimeout = timeout(timeoutMs, TimeoutStrategy.Aggressive);
  const bucket = rateBucket(name, options.ratePerSec ?? 1, options.maxQueue ?? 1_000, maxRetryAfterMs);

  async function attempt<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    await bucket.waitForToken();
    try {
      return await attemptTimeout.execute((_ctx, signal) => fn(signal));
    } catch (e) {
      if (e instanceof TaskCancelledError) {
        throw new HttpRemoteError(name, `${name}: request timed out after ${timeoutMs} ms`, true, undefined, undefined, { cause: e });
      }
      bucket.pauseFor(e);
      throw e;
    }
  }

  return {
    name,
    timeoutMs,
    execute<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
      return retryPolicy.execute(async () => {
        try {
          return await breaker.execute(() => attempt(fn));
        } catch (e) {
          if (e instanceof BrokenCircuitError) throw new CircuitOpenError(name);
          throw e;
        }
      });
    },
    breakerState: () => toState(breaker.state),
    onBreakerStateChange(listener) {
      return breaker.onStateChange((s) => listener(toState(s)));
    },
  };
}

/** Adapters take either a shared Resilience (one bucket per source) or options for their own. */
export function resolveResilience(
  given: Resilience | Partial<ResilienceOptions> | undefined,
  defaults: ResilienceOptions,
): Resilience {
  if (given && typeof (given as Resilience).execute === "function") return given as Resilience;
  return createResilience({ ...defaults, ...(given as Partial<ResilienceOptions> | undefined) });
}
