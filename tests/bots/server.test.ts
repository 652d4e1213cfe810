import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { freePort } from "../helpers/net.js";
import { startPurserProcess } from "../helpers/process.js";

describe("the server process", () => {
  it("headless: serves /healthz, /readyz and /metrics, and stops cleanly on SIGTERM", async () => {
    const dir = mkdtempSync(join(tmpdir(), "purser-srv-"));
    const port = await freePort();
    const { child, exited, stderr } = startPurserProcess(dir, port, { PRICE_POLL_MS: "300" });
    const get = async (path: string) => {
      for (let i = 0; i < 100; i++) {
        try {
          const r = await fetch(`http://127.0.0.1:${port}${path}`);
          return { status: r.status, body: await r.text(), type: r.headers.get("content-type") };
        } catch {
          await new Promise((r) => setTimeout(r, 150));
        }
      }
      throw new Error(`server never answered; stderr: ${stderr()}`);
    };
    try {
      expect((await get("/healthz")).status).toBe(200);
      let ready = await get("/readyz");
      for (let i = 0; i < 30 && ready.status !== 200; i++) {
        await new Promise((r) => setTimeout(r, 200));
        ready = await get("/readyz");
      }
      expect(ready.status).toBe(200);
      expect(JSON.parse(ready.body)).toMatchObject({ status: expect.stringMatching(/ok|ready|degraded/) });
      const metrics = await get("/metrics");
      expect(metrics.type).toContain("text/plain");
      for (const name of ["purser_messages_in_total", "purser_command_seconds", "purser_outbox_pending", "purser_price_age_seconds", "purser_alert_tick_seconds"]) {
        expect(metrics.body).toContain(name);
      }
      expect(metrics.body).toMatch(/purser_process_cpu|purser_nodejs/);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
  }, 60_000);
});
