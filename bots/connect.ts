import { ExponentialBackoff, handleWhen, retry, TaskCancelledError, timeout, TimeoutStrategy, wrap } from "cockatiel";
import type { Logger } from "../core/ports/logger.port.js";
import { errorKind, type ReadinessProbe } from "./health.js";

/** One chat platform's start-up connection: Telegram's getMe and webhook, Discord's gateway, X's credentials. */
export interface PlatformLink {
  readonly name: string;
  /** One attempt. Resolves once connected; `signal` aborts when the attempt has taken too long. */
  connect(signal: AbortSignal): Promise<void>;
}

export interface ConnectOptions {
  log: Logger;
  /** How long one attempt may take (PLATFORM_CONNECT_TIMEOUT_S). */
  attemptTimeoutMs: number;
  /** Scale of the first wait after a failed attempt (default 1 s); waits grow exponentially, with jitter, up to maxDelayMs. */
  initialDelayMs?: number;
  /** Longest wait between attempts (default 60 s). */
  maxDelayMs?: number;
  /**
   * A platform refused the credentials themselves (a revoked or mistyped token): retrying cannot
   * help, so the caller ends start-up with this error's (scrubbed) message.
   */
  onRejected?: (platform: string, err: unknown) => void;
}

/**
 * Whether a connection failure is the platform refusing Purser's credentials (Telegram's 401/404 on
 * getMe, discord.js's TokenInvalid, X's 401) rather than the platform being unreachable.
 */
export function credentialsRejected(err: unknown): boolean {
  if (typeof err !== "object" || err === null) return false;
  const e = err as { error_code?: unknown; code?: unknown; name?: unknown };
  if (e.error_code === 401 || e.error_code === 404) return true; // grammy GrammyError
  if (e.code === "TokenInvalid") return true; // discord.js
  return e.name === "ApiResponseError" && e.code === 401; // twitter-api-v2
}

interface LinkState {
  connected: boolean;
  attempts: number;
  /** Secret-free kind of the last failure (HttpError, ECONNREFUSED, no answer within n s). */
  lastFailure?: string;
}

/**
 * Connects every configured chat platform in the background: each attempt under a deadline, failed
 * attempts retried with exponential back-off (cockatiel) and a warning each, never giving up; a
 * platform that cannot be reached keeps its own /readyz check failing (named after it) until it is
 * connected, instead of hanging start-up or taking the process down.
 */
export class PlatformConnections {
  private readonly state = new Map<string, LinkState>();
  private readonly stopping = new AbortController();
  private readonly running: Array<Promise<void>> = [];

  constructor(
    private readonly links: readonly PlatformLink[],
    private readonly o: ConnectOptions,
  ) {
    for (const l of links) this.state.set(l.name, { connected: false, attempts: 0 });
  }

  /** One readiness check per platform: ok once connected. */
  probes(): ReadinessProbe[] {
    return this.links.map((l) => ({
      name: l.name,
      check: async () => {
        const s = this.state.get(l.name)!;
        if (s.connected) return { ok: true, detail: "connected" };
        return { ok: false, detail: s.attempts ? `connecting: ${s.attempts} attempt(s) failed, last: ${s.lastFailure}` : "connecting" };
      },
    }));
  }

  /** Starts every link's connection loop and returns at once. */
  start(): void {
    for (const l of this.links) this.running.push(this.connect(l));
  }

  /** Gives up connecting (shutdown): pending waits and attempts are abandoned. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await Promise.all(this.running);
  }

  private async connect(link: PlatformLink): Promise<void> {
    const s = this.state.get(link.name)!;
    const log = this.o.log.child({ platform: link.name });
    const timeoutS = Math.round(this.o.attemptTimeoutMs / 100) / 10;
    const retries = retry(handleWhen((err) => !credentialsRejected(err)), {
      backoff: new ExponentialBackoff({ initialDelay: this.o.initialDelayMs ?? 1000, maxDelay: this.o.maxDelayMs ?? 60_000 }),
    });
    // Every failed attempt is retried (there is no last one), so this hears each failure.
    retries.onRetry(({ delay, attempt, ...reason }) => {
      const err = "error" in reason ? reason.error : undefined;
      const timedOut = err instanceof TaskCancelledError;
      s.attempts = attempt;
      s.lastFailure = timedOut ? `no answer within ${timeoutS} s` : errorKind(err);
      log.warn({ attempt, retryInMs: Math.round(delay), failure: s.lastFailure, ...(timedOut ? {} : { err }) }, `${link.name} not reachable: retrying`);
    });
    const policy = wrap(retries, timeout(this.o.attemptTimeoutMs, TimeoutStrategy.Aggressive));
    try {
      await policy.execute(({ signal }) => link.connect(signal), this.stopping.signal);
      s.connected = true;
      log.info({ attempts: s.attempts + 1 }, `${link.name} connected`);
    } catch (err) {
      if (this.stopping.signal.aborted) return;
      if (credentialsRejected(err) && this.o.onRejected) return this.o.onRejected(link.name, err);
      log.error({ err }, `${link.name} connection loop ended`);
    }
  }
}
