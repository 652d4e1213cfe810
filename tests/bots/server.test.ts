import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { freePort } from "../helpers/net.js";
import { probe, until } from "../helpers/faults.js";
import { startPurserProcess } from "../helpers/process.js";

describe("the server process", () => {
  it("headless: serves /healthz, /readyz and /metrics, and stops cleanly on SIGTERM", async () => {
    const dir = mkdtempSync(join(tmpdir(), "purser-srv-"));
    const port = await freePort();
    const { child, exited, stderr } = startPurserProcess(dir, port, { PRICE_POLL_MS: "300" });
    const get = async (path: string) => {
      const r = await fetch(`http://127.0.0.1:${port}${path}`);
      return { status: r.status, body: await r.text(), type: r.headers.get("content-type") };
    };
    try {
      // Waits for events (the endpoints answering), with bounds generous enough for a loaded machine.
      await until(async () => (await probe(port, "/healthz")).status === 200, "/healthz 200", 90_000, stderr);
      await until(async () => (await probe(port, "/readyz")).status === 200, "/readyz 200", 60_000, stderr);
      const ready = await get("/readyz");
      expect(JSON.parse(ready.body)).toMatchObject({ status: expect.stringMatching(/ok|ready|degraded/) });
      // Replayed prices flow on the poller's timer: wait until the first has been recorded.
      await until(async () => /^purser_price_age_seconds\{source="replay"\} \d/m.test((await get("/metrics")).body), "a replayed price", 60_000, stderr);
      const metrics = await get("/metrics");
      expect(metrics.type).toContain("text/plain");
      // Parse the exposition: every series the issue names is declared with its type, and the ones
      // this idle process already has values for carry samples.
      const types = new Map([...metrics.body.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
      const want: Record<string, string> = {
        purser_messages_in_total: "counter",
        purser_messages_out_total: "counter",
        purser_command_seconds: "histogram",
        purser_errors_total: "counter",
        purser_llm_tokens_total: "counter",
        purser_llm_cost_usd_total: "counter",
        purser_price_source_errors_total: "counter",
        purser_price_rejected_total: "counter",
        purser_price_age_seconds: "gauge",
        purser_alert_tick_seconds: "histogram",
        purser_alerts_active: "gauge",
        purser_outbox_pending: "gauge",
        purser_outbox_due: "gauge",
        purser_outbox_dead: "gauge",
        purser_outbox_delivery_seconds: "histogram",
        purser_outbox_outcomes_total: "counter",
        purser_swaps_total: "counter",
        purser_swap_slippage_bps: "histogram",
        purser_treasury_drift_pct: "gauge",
        purser_treasury_breaker: "gauge",
        purser_treasury_paused: "gauge",
      };
      for (const [name, type] of Object.entries(want)) expect(types.get(name), name).toBe(type);
      const sample = (re: RegExp) => metrics.body.split("\n").find((l) => !l.startsWith("#") && re.test(l));
      expect(sample(/^purser_price_age_seconds\{source="replay"\} \d/)).toBeDefined(); // replayed prices are flowing
      expect(sample(/^purser_alerts_active \d+$/)).toBeDefined();
      expect(sample(/^purser_outbox_pending \d+$/)).toBeDefined();
      expect(sample(/^purser_process_cpu_user_seconds_total \d/)).toBeDefined();
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
  }, 240_000);
});
