import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { RemoteError } from "../../../core/errors.js";
import { HttpRemoteError, getJson, parseRetryAfter } from "../../../adapters/prices/http.js";
import { startScriptedServer, type ScriptedServer } from "../../fakes/jupiter-api.js";

const KEY = "jup-secret-key-0123456789";

async function failureOf(p: Promise<unknown>): Promise<HttpRemoteError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(HttpRemoteError);
    expect(e).toBeInstanceOf(RemoteError);
    return e as HttpRemoteError;
  }
  throw new Error("expected a failure");
}

describe("parseRetryAfter", () => {
  const now = Date.UTC(2026, 0, 1, 0, 0, 0);
  it("reads delay-seconds and HTTP dates, and ignores nonsense", () => {
    expect(parseRetryAfter("2", now)).toBe(2000);
    expect(parseRetryAfter(" 0 ", now)).toBe(0);
    expect(parseRetryAfter("1.5", now)).toBe(1500);
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("Wed, 31 Dec 2025 23:59:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter("-3", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe("getJson", () => {
  let server: ScriptedServer;
  afterEach(async () => server?.close());

  const start = async (body: unknown = { ok: true }) => {
    server = await startScriptedServer(() => ({ status: 200, body }));
    return server;
  };

  it("returns parsed JSON and sends the given headers", async () => {
    await start({ a: 1 });
    await expect(getJson(`${server.url}/x?y=1`, { service: "t", headers: { "x-api-key": KEY } })).resolves.toEqual({ a: 1 });
    expect(server.requests[0]?.headers["x-api-key"]).toBe(KEY);
    expect(server.requests[0]?.query.get("y")).toBe("1");
  });

  it("a body that is not JSON is a non-retryable RemoteError, never a SyntaxError", async () => {
    await start();
    server.enqueue({ body: "<html>not json</html>" });
    const e = await failureOf(getJson(`${server.url}/x`, { service: "jupiter" }));
    expect(e.retryable).toBe(false);
    expect(e.status).toBe(200);
    expect(e.message).toMatch(/not JSON/);
    expect(e.message).toMatch(/^jupiter:/);
  });

  it("5xx and 429 are retryable, other 4xx are not; 429 carries Retry-After", async () => {
    await start();
    server.enqueue({ status: 503 }, { status: 404 }, { status: 429, retryAfterS: 7 }, { status: 408 });
    const e503 = await failureOf(getJson(`${server.url}/x`, { service: "t" }));
    const e404 = await failureOf(getJson(`${server.url}/x`, { service: "t" }));
    const e429 = await failureOf(getJson(`${server.url}/x`, { service: "t" }));
    const e408 = await failureOf(getJson(`${server.url}/x`, { service: "t" }));
    expect([e503.retryable, e503.status]).toEqual([true, 503]);
    expect([e404.retryable, e404.status]).toEqual([false, 404]);
    expect([e429.retryable, e429.status, e429.retryAfterMs]).toEqual([true, 429, 7000]);
    expect(e408.retryable).toBe(true);
  });

  it("a timeout is a retryable RemoteError", async () => {
    await start();
    server.enqueue({ delayMs: 1_000 });
    const t0 = Date.now();
    const e = await failureOf(getJson(`${server.url}/x`, { service: "t", timeoutMs: 100 }));
    expect(Date.now() - t0).toBeLessThan(800);
    expect(e.retryable).toBe(true);
    expect(e.message).toMatch(/timed out after 100 ms/);
  });

  it("a refused connection is a retryable network error", async () => {
    const s = http.createServer();
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
    const { port } = s.address() as AddressInfo;
    await new Promise<void>((r) => s.close(() => r()));
    const e = await failureOf(getJson(`http://127.0.0.1:${port}/x`, { service: "t" }));
    expect(e.retryable).toBe(true);
    expect(e.message).toMatch(/network error/);
  });

  it("refuses bodies over the size cap", async () => {
    await start({ big: "x".repeat(5_000) });
    const e = await failureOf(getJson(`${server.url}/x`, { service: "t", maxBytes: 1_000 }));
    expect(e.retryable).toBe(false);
    expect(e.message).toMatch(/larger than 1000 bytes/);
  });

  it("enforces the size cap on a chunked body with no Content-Length", async () => {
    const s = http.createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write(`{"a":"${"y".repeat(800)}`);
      res.end(`${"y".repeat(800)}"}`);
    });
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
    const { port } = s.address() as AddressInfo;
    try {
      const e = await failureOf(getJson(`http://127.0.0.1:${port}/x`, { service: "t", maxBytes: 1_000 }));
      expect(e.message).toMatch(/larger than/);
    } finally {
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    }
  });

  it("never puts the API key in an error, even when the server echoes it back", async () => {
    server = await startScriptedServer((req) => ({
      status: 401,
      body: { error: `Invalid API key: ${String(req.headers["x-api-key"])}` },
    }));
    const e = await failureOf(getJson(`${server.url}/price/v3?ids=a`, { service: "jupiter", headers: { "x-api-key": KEY } }));
    expect(e.retryable).toBe(false);
    expect(e.status).toBe(401);
    expect(e.message).toContain("Invalid API key");
    expect(e.message).not.toContain(KEY);
    expect(e.message).not.toContain("ids=");
    expect(String(e.stack)).not.toContain(KEY);
  });

  it("a redirect is not followed", async () => {
    await start();
    server.enqueue({ status: 302, headers: { location: "http://127.0.0.1:9/elsewhere" }, body: "" });
    const e = await failureOf(getJson(`${server.url}/x`, { service: "t", headers: { "x-api-key": KEY } }));
    expect(e.retryable).toBe(false);
    expect(e.status).toBe(302);
    expect(server.requests).toHaveLength(1);
  });
});
