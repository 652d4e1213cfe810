import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Metrics, OTHER, slippageBps, type HandledMessage } from "../../../adapters/metrics/metrics.js";
import type { RouterContext } from "../../../core/router/pipeline.js";

/** Sample lines of one metric, e.g. `purser_errors_total{code="bad_args"} 2`. */
async function samples(m: Metrics, name: string): Promise<string[]> {
  return (await m.render()).split("\n").filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
}

function value(lines: string[], labels: string): number | undefined {
  const line = lines.find((l) => l.includes(`{${labels}}`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}

const handled = (over: Partial<HandledMessage>): HandledMessage => ({
  msg: { platform: "telegram" },
  text: "/price SOL",
  startedAt: 1_000,
  outcome: "replied",
  reply: { kind: "info", blocks: [] },
  ...over,
});

describe("Metrics", () => {
  it("a handled message counts in, out and its command latency under the command's name", async () => {
    const m = new Metrics({ commands: ["price", "balance"], defaultMetrics: false });
    m.routerDone(handled({ command: { name: "price" } }), 1_042);
    m.routerDone(handled({ command: { name: "price" }, msg: { platform: "discord" } }), 1_003);
    expect(value(await samples(m, "purser_messages_in_total"), 'platform="telegram",command="price"')).toBe(1);
    expect(value(await samples(m, "purser_messages_in_total"), 'platform="discord",command="price"')).toBe(1);
    expect(value(await samples(m, "purser_messages_out_total"), 'platform="telegram",command="price"')).toBe(1);
    const buckets = await samples(m, "purser_command_seconds_bucket");
    expect(value(buckets, 'le="0.025",command="price"')).toBe(1); // 3 ms
    expect(value(buckets, 'le="0.05",command="price"')).toBe(2); // 42 ms too
    expect(value(await samples(m, "purser_command_seconds_count"), 'command="price"')).toBe(2);
  });

  it("command latencies waiting for the histogram are all in it at every scrape: none lost, none counted twice", async () => {
    const m = new Metrics({ commands: ["price"], defaultMetrics: false });
    // 600 messages: nine full batches of 64 handed over on the way, 24 waiting at the first scrape
    for (let i = 0; i < 600; i++) m.routerDone(handled({ command: { name: "price" } }), 1_000 + (i % 3) * 20);
    expect(value(await samples(m, "purser_command_seconds_count"), 'command="price"')).toBe(600);
    expect(value(await samples(m, "purser_command_seconds_bucket"), 'le="0.001",command="price"')).toBe(200); // the 0 ms ones
    expect(value(await samples(m, "purser_command_seconds_sum"), 'command="price"')).toBeCloseTo(200 * 0.02 + 200 * 0.04, 9);
    m.routerDone(handled({ command: { name: "price" } }), 1_600);
    expect(value(await samples(m, "purser_command_seconds_count"), 'command="price"')).toBe(601);
    expect(value(await samples(m, "purser_command_seconds_count"), 'command="price"')).toBe(601); // a second scrape adds nothing
    expect(value(await samples(m, "purser_command_seconds_bucket"), 'le="0.5",command="price"')).toBe(600);
    expect(value(await samples(m, "purser_command_seconds_bucket"), 'le="+Inf",command="price"')).toBe(601);
  });

  it("unknown commands, free text and odd platforms stay inside a bounded label set", async () => {
    const m = new Metrics({ commands: ["price"], defaultMetrics: false });
    m.routerDone(handled({ text: "/nosuch", outcome: "error", errorCode: "unknown_command" }));
    m.routerDone(handled({ command: { name: "not-registered" } }));
    m.routerDone(handled({ text: "hello there", reply: undefined, outcome: "ignored" }));
    m.messageIn("myspace", "price");
    const lines = await samples(m, "purser_messages_in_total");
    expect(value(lines, `platform="telegram",command="${OTHER}"`)).toBe(2);
    expect(value(lines, 'platform="telegram",command="none"')).toBe(1);
    expect(value(lines, `platform="${OTHER}",command="price"`)).toBe(1);
    expect(lines.some((l) => l.includes("nosuch") || l.includes("not-registered"))).toBe(false);
    expect(value(await samples(m, "purser_errors_total"), 'code="unknown_command"')).toBe(1);
  });

  it("error codes are capped: after 100 distinct codes the rest count as other", async () => {
    const m = new Metrics({ defaultMetrics: false });
    for (let i = 0; i < 150; i++) m.error(`code_${i}`);
    m.error("has spaces and {braces}");
    const lines = await samples(m, "purser_errors_total");
    expect(lines).toHaveLength(101);
    expect(value(lines, `code="${OTHER}"`)).toBe(51);
  });

  it("a duplicate update counts as received but not as an error, a reply or a latency", async () => {
    const m = new Metrics({ commands: ["price"], defaultMetrics: false });
    m.routerDone(handled({ outcome: "duplicate", reply: undefined, command: undefined, text: "" }));
    expect(value(await samples(m, "purser_messages_in_total"), 'platform="telegram",command="none"')).toBe(1);
    expect(await samples(m, "purser_messages_out_total")).toEqual([]);
    expect(await samples(m, "purser_command_seconds_count")).toEqual([]);
  });

  it("records LLM tokens by kind and cost by model", async () => {
    const m = new Metrics({ defaultMetrics: false });
    m.llmUsage({ model: "gpt-4o-mini", promptTokens: 120, completionTokens: 30, costUsd: 0.0004 });
    m.llmUsage({ model: "gpt-4o-mini", promptTokens: 80, completionTokens: 0 });
    const tokens = await samples(m, "purser_llm_tokens_total");
    expect(value(tokens, 'model="gpt-4o-mini",kind="prompt"')).toBe(200);
    expect(value(tokens, 'model="gpt-4o-mini",kind="completion"')).toBe(30);
    expect(value(await samples(m, "purser_llm_cost_usd_total"), 'model="gpt-4o-mini"')).toBeCloseTo(0.0004);
  });

  it("price errors, rejections by reason, and the age of the newest price at scrape time", async () => {
    let now = 100_000;
    const m = new Metrics({ defaultMetrics: false, now: () => now });
    m.priceSourceError("pyth");
    m.priceRejected("jupiter", "deviation");
    m.priceRejected("jupiter", "made-up-reason");
    m.priceSeen("jupiter", 90_000);
    m.priceSeen("jupiter", 80_000); // older: ignored
    expect(value(await samples(m, "purser_price_source_errors_total"), 'source="pyth"')).toBe(1);
    const rej = await samples(m, "purser_price_rejected_total");
    expect(value(rej, 'source="jupiter",reason="deviation"')).toBe(1);
    expect(value(rej, `source="jupiter",reason="${OTHER}"`)).toBe(1);
    expect(value(await samples(m, "purser_price_age_seconds"), 'source="jupiter"')).toBe(10);
    now = 130_000;
    expect(value(await samples(m, "purser_price_age_seconds"), 'source="jupiter"')).toBe(40);
  });

  it("alert ticks land in microsecond buckets; outbox depth, latency and outcomes", async () => {
    const m = new Metrics({ defaultMetrics: false });
    m.alertTickEvaluated(3); // 3 us
    const tick = await samples(m, "purser_alert_tick_seconds_bucket");
    expect(value(tick, 'le="0.0000025"') ?? value(tick, 'le="2.5e-6"')).toBe(0);
    expect(value(tick, 'le="0.000005"') ?? value(tick, 'le="5e-6"')).toBe(1);
    m.outboxStats({ pending: 7, due: 3, dead: 1 });
    expect(await samples(m, "purser_outbox_pending")).toEqual(["purser_outbox_pending 7"]);
    expect(await samples(m, "purser_outbox_due")).toEqual(["purser_outbox_due 3"]);
    expect(await samples(m, "purser_outbox_dead")).toEqual(["purser_outbox_dead 1"]);
    m.outboxLatency(1_500, "telegram");
    expect(value(await samples(m, "purser_outbox_delivery_seconds_bucket"), 'le="2.5",platform="telegram"')).toBe(1);
    expect(value(await samples(m, "purser_outbox_delivery_seconds_bucket"), 'le="1",platform="telegram"')).toBe(0);
    m.outboxOutcome("sent", "telegram");
    m.outboxOutcome("retry", "telegram");
    expect(value(await samples(m, "purser_outbox_outcomes_total"), 'platform="telegram",outcome="retry"')).toBe(1);
    expect(value(await samples(m, "purser_messages_out_total"), 'platform="telegram",command="push"')).toBe(1);
  });

  it("swaps by mode and outcome, with quoted-vs-executed slippage of fills", async () => {
    const m = new Metrics({ defaultMetrics: false });
    m.orderFinished({ mode: "live", status: "filled", quotedOut: 1_000_000n, filledOut: 999_000n }); // 10 bps short
    m.orderFinished({ mode: "paper", status: "filled", quotedOut: 1_000_000n, filledOut: 1_000_000n });
    m.orderFinished({ mode: "live", status: "expired", quotedOut: 1_000_000n, filledOut: null });
    const swaps = await samples(m, "purser_swaps_total");
    expect(value(swaps, 'mode="live",outcome="filled"')).toBe(1);
    expect(value(swaps, 'mode="live",outcome="expired"')).toBe(1);
    expect(value(swaps, 'mode="paper",outcome="filled"')).toBe(1);
    const slip = await samples(m, "purser_swap_slippage_bps_bucket");
    expect(value(slip, 'le="0"')).toBe(1);
    expect(value(slip, 'le="5"')).toBe(1);
    expect(value(slip, 'le="10"')).toBe(2);
    expect(await samples(m, "purser_swap_slippage_bps_count")).toEqual(["purser_swap_slippage_bps_count 2"]);
  });

  it("slippage is exact on huge base-unit amounts and signed", () => {
    expect(slippageBps(10n ** 30n, 10n ** 30n - 10n ** 27n)).toBe(10);
    expect(slippageBps(1000n, 1010n)).toBe(-100);
    expect(slippageBps(0n, 5n)).toBeUndefined();
  });

  it("treasury drift, breakers and pause state", async () => {
    const m = new Metrics({ defaultMetrics: false });
    m.treasuryDrift("SOL", 3.5);
    m.treasuryBreaker("daily_loss", true);
    m.treasuryBreaker("price_stale", false);
    m.treasuryPaused(true);
    expect(value(await samples(m, "purser_treasury_drift_pct"), 'asset="sol"')).toBe(3.5);
    expect(value(await samples(m, "purser_treasury_breaker"), 'breaker="daily_loss"')).toBe(1);
    expect(value(await samples(m, "purser_treasury_breaker"), 'breaker="price_stale"')).toBe(0);
    expect(await samples(m, "purser_treasury_paused")).toEqual(["purser_treasury_paused 1"]);
    m.treasuryState({ paused: false, breakers: { turnover: "cap reached" } }, ["daily_loss", "turnover"]);
    expect(value(await samples(m, "purser_treasury_breaker"), 'breaker="daily_loss"')).toBe(0);
    expect(value(await samples(m, "purser_treasury_breaker"), 'breaker="turnover"')).toBe(1);
    expect(await samples(m, "purser_treasury_paused")).toEqual(["purser_treasury_paused 0"]);
  });

  it("process metrics carry the purser_ prefix, and two instances never share a registry", async () => {
    const a = new Metrics();
    const b = new Metrics({ defaultMetrics: false });
    a.error("x");
    expect(await a.render()).toMatch(/^purser_process_cpu_seconds_total /m);
    expect(await b.render()).not.toMatch(/purser_process_cpu_seconds_total/);
    expect(await samples(b, "purser_errors_total")).toEqual([]);
  });

  it("polls outbox depth until stopped and survives a failing poll", async () => {
    // Fake timers: the polls are counted by timer steps, not by how busy the machine is.
    vi.useFakeTimers();
    try {
      const m = new Metrics({ defaultMetrics: false });
      let n = 0;
      const errors: unknown[] = [];
      const stop = m.pollOutbox(
        async () => {
          n++;
          if (n === 2) throw new Error("db down");
          return { pending: n, due: 0, dead: 0 };
        },
        { everyMs: 10, onError: (e) => errors.push(e) },
      );
      await vi.advanceTimersByTimeAsync(30); // polls at 0, 10, 20 and 30 ms: the second one fails
      stop();
      const seen = n;
      expect(seen).toBe(4);
      await vi.advanceTimersByTimeAsync(100);
      expect(n).toBe(seen); // stopped: no more polls
      expect(errors).toHaveLength(1);
      expect(await samples(m, "purser_outbox_pending")).toEqual([`purser_outbox_pending ${n}`]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("core's RouterContext fits the router observer", () => {
    const m = new Metrics({ defaultMetrics: false });
    const observe: (ctx: RouterContext) => void = (ctx) => m.routerDone(ctx);
    expect(typeof observe).toBe("function");
  });
});

describe("GET /metrics", () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  async function serve(m: Metrics): Promise<string> {
    const h = m.handler();
    server = createServer((req, res) => void h(req, res));
    await new Promise<void>((r) => server!.listen(0, "127.0.0.1", () => r()));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
  }

  it("serves the text exposition with Prometheus' content type", async () => {
    const m = new Metrics({ commands: ["price"] });
    m.messageIn("telegram", "price");
    const res = await fetch(await serve(m));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const body = await res.text();
    expect(body).toContain('purser_messages_in_total{platform="telegram",command="price"} 1');
    expect(body).toContain("# TYPE purser_command_seconds histogram");
  });

  it("refuses other methods", async () => {
    const res = await fetch(await serve(new Metrics({ defaultMetrics: false })), { method: "POST", body: "x" });
    expect(res.status).toBe(405);
  });
});
