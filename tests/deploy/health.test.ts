import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { healthRoutes, standardProbes, TickWatch, type HealthOptions, type ReadinessProbe } from "../../bots/health.js";
import { Kysely, SqliteDialect } from "kysely";
import { createDatabase, type Db } from "../../db/index.js";
import type { Database } from "../../db/schema.js";

let server: Server | undefined;
const opened: Db[] = [];
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
  for (const d of opened.splice(0)) await d.close().catch(() => undefined);
});

async function serve(o: HealthOptions): Promise<(path: "/healthz" | "/readyz") => Promise<{ status: number; body: any }>> {
  const h = healthRoutes(o);
  server = createServer((req, res) => void (req.url === "/healthz" ? h.healthz(req, res) : h.readyz(req, res)));
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", () => r()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return async (path) => {
    const res = await fetch(base + path);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    return { status: res.status, body: await res.json() };
  };
}

function sqlite(): Db {
  const d = createDatabase("sqlite::memory:");
  opened.push(d);
  return d;
}

/** A database whose every connection attempt fails, as when the server is down. */
function unreachableDb(): Pick<Db, "db" | "dialect"> {
  const database = async () => {
    throw Object.assign(new Error("unable to open database file /secret/path.db"), { code: "SQLITE_CANTOPEN" });
  };
  return { dialect: "sqlite", db: new Kysely<Database>({ dialect: new SqliteDialect({ database }) }) };
}

const market = (isReplay: boolean, last?: number) => ({ isReplay, lastTickAt: () => last });

describe("/healthz and /readyz", () => {
  it("ready when the database answers, Redis pongs and a tick arrived recently", async () => {
    const get = await serve({
      shuttingDown: () => false,
      probes: standardProbes({ db: sqlite(), redis: { ping: async () => "PONG" }, market: market(false, 95_000), maxTickAgeMs: 60_000, now: () => 100_000 }),
    });
    expect(await get("/healthz")).toEqual({ status: 200, body: { status: "ok" } });
    const r = await get("/readyz");
    expect(r.status).toBe(200);
    expect(r.body.status).toBe("ready");
    expect(Object.keys(r.body.checks).sort()).toEqual(["database", "prices", "redis"]);
    expect(r.body.checks.prices).toMatchObject({ ok: true, detail: "last tick 5 s ago" });
  });

  it("a failing database gives 503 naming the database check, while liveness stays 200", async () => {
    const db = unreachableDb();
    const get = await serve({ shuttingDown: () => false, probes: standardProbes({ db, market: market(true) }) });
    const r = await get("/readyz");
    expect(r.status).toBe(503);
    expect(r.body.status).toBe("not_ready");
    expect(r.body.failing).toEqual(["database"]);
    expect(r.body.checks.database).toMatchObject({ ok: false, detail: "SQLITE_CANTOPEN" });
    expect(JSON.stringify(r.body)).not.toContain("/secret/path.db");
    expect(r.body.checks.prices).toMatchObject({ ok: true, detail: "replay" });
    expect((await get("/healthz")).status).toBe(200);
  });

  it("an unreachable Redis and stale prices both fail, without leaking error messages", async () => {
    const err = Object.assign(new Error("connect ECONNREFUSED redis://:hunter2@10.0.0.5:6379"), { code: "ECONNREFUSED" });
    const get = await serve({
      shuttingDown: () => false,
      probes: standardProbes({
        db: sqlite(),
        redis: { ping: () => Promise.reject(err) },
        market: market(false, 0),
        maxTickAgeMs: 120_000,
        now: () => 600_000,
      }),
    });
    const r = await get("/readyz");
    expect(r.status).toBe(503); // stale prices are critical here (a worker)
    expect(r.body.failing).toEqual(["prices"]);
    expect(r.body.degraded).toEqual(["redis"]); // reported, never the reason a replica is dropped
    expect(r.body.checks.redis).toMatchObject({ ok: false, detail: "ECONNREFUSED", critical: false });
    expect(r.body.checks.prices.detail).toBe("last tick 600 s ago");
    expect(JSON.stringify(r.body)).not.toContain("hunter2");
  });

  it("losing Redis alone degrades /readyz but keeps the replica ready (every process falls back to local behaviour)", async () => {
    const get = await serve({
      shuttingDown: () => false,
      probes: standardProbes({ db: sqlite(), redis: { ping: () => Promise.reject(Object.assign(new Error("x"), { code: "ECONNREFUSED" })) } }),
    });
    const r = await get("/readyz");
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: "degraded", degraded: ["redis"] });
  });

  it("the app makes stale prices critical on workers and not on the web tier", async () => {
    const { makeTestApp } = await import("../helpers/app.js");
    for (const [role, critical] of [["web", false], ["worker", true], ["all", true]] as const) {
      const app = await makeTestApp({ env: { PURSER_ROLE: role } });
      try {
        expect(app.readiness.find((p) => p.name === "prices")?.critical ?? true).toBe(critical);
      } finally {
        await app.close();
      }
    }
  });

  it("no tick yet is not ready; replay always is", async () => {
    const watch = new TickWatch({ isReplay: false }, () => 1_000);
    const get = await serve({ shuttingDown: () => false, probes: standardProbes({ db: sqlite(), market: watch, now: () => 1_500 }) });
    expect((await get("/readyz")).body.checks.prices).toMatchObject({ ok: false, detail: "no price tick yet" });
    watch.onTicks([]);
    expect((await get("/readyz")).status).toBe(503);
    watch.onTicks([{}]);
    expect((await get("/readyz")).status).toBe(200);
    const replay = new TickWatch({ isReplay: true });
    expect((await standardProbes({ db: sqlite(), market: replay })[1]!.check())).toEqual({ ok: true, detail: "replay" });
  });

  it("stale prices on a tier where they are not critical report degraded but stay ready", async () => {
    const get = await serve({
      shuttingDown: () => false,
      probes: standardProbes({ db: sqlite(), market: market(false, 0), pricesCritical: false, now: () => 600_000 }),
    });
    const r = await get("/readyz");
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: "degraded", degraded: ["prices"] });
    expect(r.body.checks.prices).toMatchObject({ ok: false, critical: false });
  });

  it("a check that hangs fails on its deadline instead of hanging the probe", async () => {
    const hang: ReadinessProbe = { name: "slow", check: () => new Promise(() => {}) };
    const get = await serve({ shuttingDown: () => false, probes: [hang], timeoutMs: 50 });
    const t0 = Date.now();
    const r = await get("/readyz");
    expect(Date.now() - t0).toBeLessThan(20_000); // the check never ends: only the 50 ms deadline ends the probe (bound generous for a loaded machine)
    expect(r.status).toBe(503);
    expect(r.body.checks.slow).toMatchObject({ ok: false, detail: "timeout after 50 ms" });
  });

  it("once shutting down both endpoints answer 503 so traffic drains", async () => {
    let stopping = false;
    const get = await serve({ shuttingDown: () => stopping, probes: standardProbes({ db: sqlite() }) });
    expect((await get("/readyz")).status).toBe(200);
    stopping = true;
    expect(await get("/healthz")).toEqual({ status: 503, body: { status: "shutting_down" } });
    expect((await get("/readyz")).status).toBe(503);
  });
});

describe("health and metrics on the one HTTP server", () => {
  it("serves /healthz, /readyz and /metrics side by side on HttpServer", async () => {
    const { HttpServer } = await import("../../bots/http.js");
    const { Metrics } = await import("../../adapters/metrics/metrics.js");
    const { mountHealth } = await import("../../bots/health.js");
    const { silentLogger } = await import("../../core/ports/logger.port.js");
    const http = new HttpServer(silentLogger);
    const metrics = new Metrics({ defaultMetrics: false });
    metrics.error("bad_args");
    mountHealth(http, { shuttingDown: () => false, probes: standardProbes({ db: sqlite() }) });
    http.route("/metrics", metrics.handler());
    const port = await http.listen(0, "127.0.0.1");
    try {
      const base = `http://127.0.0.1:${port}`;
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect(await (await fetch(`${base}/readyz?verbose=1`)).json()).toMatchObject({ status: "ready", checks: { database: { ok: true } } });
      expect(await (await fetch(`${base}/metrics`)).text()).toContain('purser_errors_total{code="bad_args"} 1');
    } finally {
      await http.close();
    }
  });
});
