import type { IncomingMessage, ServerResponse } from "node:http";
import { sql } from "kysely";
import { isUnavailable } from "../core/errors.js";
import type { Logger } from "../core/ports/logger.port.js";
import type { Db } from "../db/index.js";
import type { Handler } from "./http.js";

/** One readiness check: resolves with its result; a throw or a timeout counts as a failure. */
export interface ReadinessProbe {
  readonly name: string;
  /** false = reported but never makes the process unready (default true). */
  readonly critical?: boolean;
  check(): Promise<CheckResult>;
}

export interface CheckResult {
  ok: boolean;
  /** Short, secret-free explanation (never an error message: /readyz is reachable from outside). */
  detail?: string;
}

export interface CheckReport extends CheckResult {
  ms: number;
  critical?: false;
}

/** Database reachable: `select 1` through kysely (a fresh connection when the pool lost its own). */
export function databaseProbe(db: Pick<Db, "db" | "dialect">): ReadinessProbe {
  return {
    name: "database",
    async check() {
      try {
        await sql`select 1`.execute(db.db);
      } catch (err) {
        if (isUnavailable(err)) return { ok: false, detail: `unreachable (${err.reason})` };
        throw err;
      }
      return { ok: true, detail: db.dialect };
    },
  };
}

/**
 * Redis answers PING (ioredis' `ping()` fits). Not critical: without Redis every process degrades to
 * single-process behaviour (local limits and spacing, database leases) and keeps serving, so an
 * outage is reported as degraded instead of taking every replica out of the load balancer at once.
 */
export function redisProbe(redis: { ping(): Promise<unknown> }): ReadinessProbe {
  return {
    name: "redis",
    critical: false,
    async check() {
      const pong = await redis.ping();
      return pong === "PONG" ? { ok: true } : { ok: false, detail: "unexpected reply" };
    },
  };
}

export interface PriceFeedView {
  /** Replay plays bundled history: always "fresh". */
  readonly isReplay: boolean;
  /** Wall-clock time (epoch ms) the last accepted tick was received, if any. */
  lastTickAt(): number | undefined;
}

/**
 * Prices flowing: a tick received within `maxAgeMs`, or replay mode. `critical: false` for a tier
 * that can answer most commands without prices (the webhook tier), so a feed outage degrades it
 * instead of taking every replica out of the load balancer.
 */
export function priceProbe(market: PriceFeedView, maxAgeMs: number, now: () => number = Date.now, critical = true): ReadinessProbe {
  return {
    name: "prices",
    critical,
    async check() {
      if (market.isReplay) return { ok: true, detail: "replay" };
      const at = market.lastTickAt();
      if (at === undefined) return { ok: false, detail: "no price tick yet" };
      const age = Math.max(0, Math.round((now() - at) / 1000));
      return age * 1000 <= maxAgeMs ? { ok: true, detail: `last tick ${age} s ago` } : { ok: false, detail: `last tick ${age} s ago` };
    },
  };
}

/** Remembers when the price stream last delivered (subscribe it to the PriceBus). */
export class TickWatch implements PriceFeedView {
  private last: number | undefined;
  constructor(
    private readonly market: { readonly isReplay: boolean },
    private readonly now: () => number = Date.now,
  ) {}
  get isReplay(): boolean {
    return this.market.isReplay;
  }
  readonly onTicks = (ticks: readonly unknown[]): void => {
    if (ticks.length) this.last = this.now();
  };
  lastTickAt(): number | undefined {
    return this.last;
  }
}

export interface HealthOptions {
  probes: readonly ReadinessProbe[];
  /** True once SIGTERM arrived: both endpoints answer 503 so the load balancer drains this process. */
  shuttingDown: () => boolean;
  /** Per-check deadline (default 2 s). */
  timeoutMs?: number;
  log?: Logger;
}

export interface HealthDeps {
  db: Pick<Db, "db" | "dialect">;
  redis?: { ping(): Promise<unknown> };
  market?: PriceFeedView;
  /** How old the last tick may be (default 120 s, PRICE_MAX_AGE_S). */
  maxTickAgeMs?: number;
  /** Stale prices make the process unready (default true; false on the webhook tier). */
  pricesCritical?: boolean;
  now?: () => number;
  /** Checks beyond database, redis and prices. */
  extra?: readonly ReadinessProbe[];
}

/** The standard probes: database, Redis when configured, prices when a market is given. */
export function standardProbes(d: HealthDeps): ReadinessProbe[] {
  return [
    databaseProbe(d.db),
    ...(d.redis ? [redisProbe(d.redis)] : []),
    ...(d.market ? [priceProbe(d.market, d.maxTickAgeMs ?? 120_000, d.now, d.pricesCritical ?? true)] : []),
    ...(d.extra ?? []),
  ];
}

/** Runs every probe concurrently, each under a deadline. */
export async function runChecks(probes: readonly ReadinessProbe[], timeoutMs = 2000, log?: Logger): Promise<Record<string, CheckReport>> {
  const out: Record<string, CheckReport> = {};
  await Promise.all(
    probes.map(async (p) => {
      const t0 = performance.now();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const deadline = new Promise<CheckResult>((resolve) => {
        timer = setTimeout(() => resolve({ ok: false, detail: `timeout after ${timeoutMs} ms` }), timeoutMs);
      });
      let r: CheckResult;
      try {
        r = await Promise.race([p.check(), deadline]);
      } catch (err) {
        log?.warn({ err, check: p.name }, "readiness check failed");
        r = { ok: false, detail: errorKind(err) };
      } finally {
        clearTimeout(timer);
      }
      out[p.name] = { ...r, ms: Math.round((performance.now() - t0) * 10) / 10, ...(p.critical === false ? { critical: false as const } : {}) };
    }),
  );
  return out;
}

/** An error's code or class (ECONNREFUSED, SqliteError), never its message: messages can carry hosts or secrets. */
export function errorKind(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "string" && /^[A-Z0-9_]{2,40}$/i.test(code)) return code;
  return err instanceof Error && /^[A-Za-z]{1,40}$/.test(err.name) ? err.name : "error";
}

/** Health routes read no body (the server still caps and discards one). */
type BodylessHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

/**
 * /healthz (liveness): 200 {"status":"ok"} while the process serves HTTP; 503 once shutting down.
 * /readyz (readiness): 200 when every critical check passes ("degraded" naming non-critical failures),
 * 503 naming the failing ones; 503 while shutting down.
 */
export function healthRoutes(o: HealthOptions): { healthz: BodylessHandler; readyz: BodylessHandler } {
  const healthz = (_req: IncomingMessage, res: ServerResponse) => {
    if (o.shuttingDown()) json(res, 503, { status: "shutting_down" });
    else json(res, 200, { status: "ok" });
  };
  const readyz = async (_req: IncomingMessage, res: ServerResponse) => {
    if (o.shuttingDown()) {
      json(res, 503, { status: "shutting_down", checks: {} });
      return;
    }
    const checks = await runChecks(o.probes, o.timeoutMs, o.log);
    const bad = Object.entries(checks).filter(([, c]) => !c.ok);
    const failing = bad.filter(([, c]) => c.critical !== false).map(([n]) => n).sort();
    const degraded = bad.filter(([, c]) => c.critical === false).map(([n]) => n).sort();
    const status = failing.length ? "not_ready" : degraded.length ? "degraded" : "ready";
    json(res, failing.length ? 503 : 200, {
      status,
      ...(failing.length ? { failing } : {}),
      ...(degraded.length ? { degraded } : {}),
      checks,
    });
  };
  return { healthz, readyz };
}

/** Mounts /healthz and /readyz on the one HTTP server. */
export function mountHealth(http: { route(path: string, h: Handler): unknown }, o: HealthOptions): void {
  const h = healthRoutes(o);
  http.route("/healthz", h.healthz);
  http.route("/readyz", h.readyz);
}
