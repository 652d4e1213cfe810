import type { IncomingMessage, ServerResponse } from "node:http";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import { PLATFORMS } from "../../core/domain/identity.js";
import { LabelSet, OTHER, slippageBps } from "./labels.js";

export { OTHER, slippageBps } from "./labels.js";

/** 1 ms .. 10 s: command handling, from a cached /price to a slow live quote. */
export const COMMAND_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** 1 us .. 50 ms: one alert-index evaluation of a price tick. */
export const ALERT_TICK_BUCKETS = [1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 5e-3, 0.01, 0.05];
/** 10 ms .. 5 min: cause (tick, fill) to delivered (the platform accepted it), including rate-limit spacing and retries. */
export const DELIVERY_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
/** Quoted-vs-executed slippage (bps); negative = filled better than quoted. */
export const SLIPPAGE_BUCKETS = [-50, -10, -1, 0, 1, 5, 10, 25, 50, 100, 200, 500];

export type OutboxOutcome = "sent" | "retry" | "dead" | "skipped";
export type SwapOutcome = "filled" | "failed" | "expired" | "refused" | "cancelled";

export interface MetricsOptions {
  /** Command names from the registry; anything else is counted as "other". */
  commands?: Iterable<string>;
  /** Price source names (jupiter, pyth, replay ...); unset = first 20 seen. */
  sources?: Iterable<string>;
  /** Market "now" for price ages (replay time in replay mode); default Date.now. */
  now?: () => number;
  /** Process metrics (CPU, memory, event loop, GC) with the purser_ prefix; default true. */
  defaultMetrics?: boolean;
}

interface RouterSeries {
  labels: { platform: string; command: string };
  command: { command: string };
  in: number;
  out: number;
  /** Command durations (s) not yet observed by the histogram: the first `timed` of them. */
  seconds: Float64Array | undefined;
  timed: number;
}

/** Durations a series holds before it hands them to the histogram (else at scrape). */
const PENDING_DURATIONS = 64;

/** The slice of a router context the metrics read (core's RouterContext satisfies it). */
export interface HandledMessage {
  msg: { platform: string };
  command?: { name: string };
  text: string;
  startedAt: number;
  outcome: "replied" | "duplicate" | "ignored" | "error";
  errorCode?: string;
  reply?: unknown;
}

/**
 * Purser's Prometheus metrics on their own registry (never prom-client's global one, so tests and
 * several instances never collide). Every label value is bounded: see LabelSet.
 */
/** The command label of pushes (alerts, fills, treasury reports): sent by the outbox, not a command. */
const PUSH = "push";

export class Metrics {
  readonly registry = new Registry();
  private readonly now: () => number;
  private readonly platforms = new LabelSet([...PLATFORMS, "web"]);
  private readonly commands: LabelSet;
  private readonly codes = new LabelSet(undefined, 100);
  private readonly models = new LabelSet(undefined, 10);
  private readonly sources: LabelSet;
  private readonly reasons = new LabelSet(["nan", "non_positive", "stale", "deviation"]);
  private readonly deliveryOutcomes = new LabelSet(["sent", "retry", "dead", "skipped"]);
  private readonly modes = new LabelSet(["paper", "live"]);
  private readonly swapOutcomes = new LabelSet(["filled", "failed", "expired", "refused", "cancelled"]);
  private readonly assets = new LabelSet(undefined, 50);
  private readonly breakers = new LabelSet(undefined, 20);
  private readonly lastPriceAt = new Map<string, number>();
  private readonly routerCounts = new Map<string, RouterSeries>();

  private readonly messagesIn: Counter<"platform" | "command">;
  private readonly messagesOut: Counter<"platform" | "command">;
  private readonly commandSeconds: Histogram<"command">;
  private readonly errors: Counter<"code">;
  private readonly llmTokens: Counter<"model" | "kind">;
  private readonly llmCost: Counter<"model">;
  private readonly sourceErrors: Counter<"source">;
  private readonly rejected: Counter<"source" | "reason">;
  private readonly alertTick: Histogram;
  private readonly outboxPending: Gauge;
  private readonly outboxDue: Gauge;
  private readonly outboxDead: Gauge;
  private readonly outboxDelivery: Histogram<"platform">;
  private readonly deliveries: Counter<"platform" | "outcome">;
  private readonly swaps: Counter<"mode" | "outcome">;
  private readonly slippage: Histogram;
  private readonly drift: Gauge<"asset">;
  private readonly breaker: Gauge<"breaker">;
  private readonly paused: Gauge;
  private readonly retained = new LabelSet(undefined, 20);
  private readonly retentionRows: Counter<"table">;

  constructor(opts: MetricsOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.commands = new LabelSet(opts.commands ? [...opts.commands, "none"] : undefined, 100);
    this.sources = new LabelSet(opts.sources, 20);
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: "purser_" });
    const registers = [this.registry];
    const counter = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
      new Counter<L>({ name, help, labelNames, registers });
    const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
      new Gauge<L>({ name, help, labelNames, registers });
    const histogram = <L extends string>(name: string, help: string, buckets: number[], labelNames: readonly L[] = []) =>
      new Histogram<L>({ name, help, buckets, labelNames, registers });

    const collect = () => this.collectRouterCounts();
    this.messagesIn = new Counter({ name: "purser_messages_in_total", help: "Inbound messages by platform and command (none = no command)", labelNames: ["platform", "command"], registers, collect });
    this.messagesOut = new Counter({
      name: "purser_messages_out_total",
      help: "Messages sent to a platform, by the command that caused them (push = alerts, fills, reports)",
      labelNames: ["platform", "command"],
      registers,
      collect,
    });
    this.commandSeconds = new Histogram({
      name: "purser_command_seconds",
      help: "Time from receipt to reply for messages that ran a command",
      buckets: COMMAND_BUCKETS,
      labelNames: ["command"],
      registers,
      collect,
    });
    this.errors = counter("purser_errors_total", "Failed messages by error code (internal = unexpected)", ["code"]);
    this.llmTokens = counter("purser_llm_tokens_total", "LLM tokens used by model and kind (prompt, completion)", ["model", "kind"]);
    this.llmCost = counter("purser_llm_cost_usd_total", "Estimated LLM spend in USD by model", ["model"]);
    this.sourceErrors = counter("purser_price_source_errors_total", "Price source requests that failed", ["source"]);
    this.rejected = counter("purser_price_rejected_total", "Prices rejected by sanity checks, by source and reason", ["source", "reason"]);
    const self = this;
    new Gauge<"source">({
      name: "purser_price_age_seconds",
      help: "Age of the newest accepted price per source, at scrape time (market time)",
      labelNames: ["source"],
      registers,
      collect() {
        this.reset();
        const now = self.now();
        for (const [source, at] of self.lastPriceAt) this.set({ source }, Math.max(0, (now - at) / 1000));
      },
    });
    new Gauge({
      name: "purser_alerts_active",
      help: "Active price and value alerts loaded in this process's alert engine, at scrape time",
      registers,
      collect() {
        this.set(self.activeAlerts());
      },
    });
    this.alertTick = histogram("purser_alert_tick_seconds", "Alert-index evaluation time of one price tick", ALERT_TICK_BUCKETS);
    this.outboxPending = gauge("purser_outbox_pending", "Outbox messages not yet delivered or dead");
    this.outboxDue = gauge("purser_outbox_due", "Outbox messages due for delivery now");
    this.outboxDead = gauge("purser_outbox_dead", "Dead-lettered outbox messages");
    this.outboxDelivery = histogram("purser_outbox_delivery_seconds", "Push latency from cause (tick, fill) to delivered", DELIVERY_BUCKETS, ["platform"]);
    this.deliveries = counter("purser_outbox_outcomes_total", "Outbox delivery attempts by platform and outcome", ["platform", "outcome"]);
    this.swaps = counter("purser_swaps_total", "Orders that reached a final state, by mode and outcome", ["mode", "outcome"]);
    this.slippage = histogram("purser_swap_slippage_bps", "Quoted-vs-executed output slippage of filled swaps (bps)", SLIPPAGE_BUCKETS);
    this.drift = gauge("purser_treasury_drift_pct", "Treasury allocation drift from target, percentage points", ["asset"]);
    this.breaker = gauge("purser_treasury_breaker", "Treasury circuit breaker tripped (1) or not (0)", ["breaker"]);
    this.paused = gauge("purser_treasury_paused", "Treasury loop paused (1) or running (0)");
    this.retentionRows = counter("purser_retention_deleted_rows_total", "Rows the retention job deleted (dropped or thinned), by table", ["table"]);
  }

  /**
   * The router's onDone observer: one inbound message, its command, latency and error code. The two
   * message counters are plain numbers per series here, added to prom-client's at scrape (its inc
   * builds and hashes a label object each call: three a message, the hot path's largest JS cost).
   * The command's duration waits in its series' array and the histogram observes them 64 at a time
   * or at scrape, whichever comes first: the same calls, but one after another while the histogram's
   * code and data are warm, not one between each message's round trips. A scrape reads them all.
   */
  routerDone(ctx: HandledMessage, now: number = Date.now()): void {
    const series = this.routerSeries(ctx.msg.platform, this.commandLabel(ctx));
    series.in++;
    if (ctx.outcome === "duplicate") return;
    if (ctx.reply !== undefined) series.out++;
    if (ctx.command) {
      const seconds = (series.seconds ??= new Float64Array(PENDING_DURATIONS));
      seconds[series.timed++] = Math.max(0, now - ctx.startedAt) / 1000;
      if (series.timed === seconds.length) this.observeDurations(series);
    }
    if (ctx.outcome === "error") this.error(ctx.errorCode ?? "internal");
  }

  /** One (raw platform, command label)'s counts not yet scraped. Bounded: both label sets are. */
  private routerSeries(rawPlatform: string, command: string): RouterSeries {
    const key = `${rawPlatform}\u0000${command}`;
    let s = this.routerCounts.get(key);
    if (!s) {
      s = { labels: { platform: this.platforms.value(rawPlatform), command }, command: { command }, in: 0, out: 0, seconds: undefined, timed: 0 };
      this.routerCounts.set(key, s);
    }
    return s;
  }

  /** Adds the router's pending counts and durations to the counters and histogram (at scrape, before they are read). */
  private collectRouterCounts(): void {
    for (const s of this.routerCounts.values()) {
      if (s.in) this.messagesIn.inc(s.labels, s.in);
      if (s.out) this.messagesOut.inc(s.labels, s.out);
      s.in = 0;
      s.out = 0;
      this.observeDurations(s);
    }
  }

  /** A series' pending durations into the histogram, together in one loop. */
  private observeDurations(s: RouterSeries): void {
    const { seconds, timed } = s;
    s.timed = 0;
    for (let i = 0; i < timed; i++) this.commandSeconds.observe(s.command, seconds![i]!);
  }

  private commandLabel(ctx: HandledMessage): string {
    if (ctx.command) return this.commands.value(ctx.command.name);
    if (ctx.errorCode === "unknown_command" || ctx.text.startsWith("/")) return OTHER;
    return "none";
  }

  messageIn(platform: string, command: string | undefined): void {
    this.messagesIn.inc({ platform: this.platforms.value(platform), command: command ? this.commands.value(command) : "none" });
  }

  messageOut(platform: string, n = 1): void {
    this.messagesOut.inc({ platform: this.platforms.value(platform), command: PUSH }, n);
  }

  commandDuration(command: string, seconds: number): void {
    this.commandSeconds.observe({ command: this.commands.value(command) }, seconds);
  }

  error(code: string): void {
    this.errors.inc({ code: this.codes.value(code) });
  }

  /** One LLM call (an LlmUsageRow fits). */
  llmUsage(u: { model: string; promptTokens: number; completionTokens: number; costUsd?: number }): void {
    const model = this.models.value(u.model);
    if (u.promptTokens > 0) this.llmTokens.inc({ model, kind: "prompt" }, u.promptTokens);
    if (u.completionTokens > 0) this.llmTokens.inc({ model, kind: "completion" }, u.completionTokens);
    if (u.costUsd !== undefined && u.costUsd > 0) this.llmCost.inc({ model }, u.costUsd);
  }

  /** MarketService onSourceError. */
  priceSourceError(source: string): void {
    this.sourceErrors.inc({ source: this.sources.value(source) });
  }

  /** MarketService onReject. */
  priceRejected(source: string, reason: string): void {
    this.rejected.inc({ source: this.sources.value(source), reason: this.reasons.value(reason) });
  }

  /** An accepted price observed at `at` (epoch ms, market time); the age gauge is computed at scrape. */
  priceSeen(source: string, at: number): void {
    const s = this.sources.value(source);
    if (Number.isFinite(at) && at > (this.lastPriceAt.get(s) ?? -Infinity)) this.lastPriceAt.set(s, at);
  }

  /** Where the active-alerts gauge reads from (the alert engine's size). */
  watchAlerts(size: () => number): void {
    this.activeAlerts = size;
  }
  private activeAlerts: () => number = () => 0;

  /** AlertEngine onTickEvaluated (microseconds). */
  alertTickEvaluated(micros: number): void {
    this.alertTick.observe(micros / 1e6);
  }

  outboxStats(s: { pending: number; due: number; dead: number }): void {
    this.outboxPending.set(s.pending);
    this.outboxDue.set(s.due);
    this.outboxDead.set(s.dead);
  }

  /** OutboxDispatcher onLatency (milliseconds). */
  outboxLatency(ms: number, platform: string): void {
    this.outboxDelivery.observe({ platform: this.platforms.value(platform) }, ms / 1000);
  }

  /** OutboxDispatcher onOutcome; a sent push is also a message out. */
  outboxOutcome(outcome: OutboxOutcome, platform: string): void {
    const p = this.platforms.value(platform);
    this.deliveries.inc({ platform: p, outcome: this.deliveryOutcomes.value(outcome) });
    if (outcome === "sent") this.messagesOut.inc({ platform: p, command: PUSH });
  }

  /** An order in a final state; filled ones with both amounts feed the slippage histogram. */
  swap(mode: string, outcome: string, amounts?: { quotedOut: bigint; executedOut: bigint | null }): void {
    const o = this.swapOutcomes.value(outcome);
    this.swaps.inc({ mode: this.modes.value(mode), outcome: o });
    if (o !== "filled" || !amounts || amounts.executedOut === null) return;
    const bps = slippageBps(amounts.quotedOut, amounts.executedOut);
    if (bps !== undefined) this.slippage.observe(bps);
  }

  /** Convenience for an Order (core/domain/order.ts) that reached a final status. */
  orderFinished(o: { mode: string; status: string; quotedOut: bigint; filledOut: bigint | null }): void {
    this.swap(o.mode, o.status, { quotedOut: o.quotedOut, executedOut: o.filledOut });
  }

  /** The retention job deleted `rows` rows of `table`. */
  retentionDeleted(table: string, rows: number): void {
    if (rows > 0) this.retentionRows.inc({ table: this.retained.value(table) }, rows);
  }

  treasuryDrift(asset: string, pct: number): void {
    this.drift.set({ asset: this.assets.value(asset) }, pct);
  }

  treasuryBreaker(breaker: string, tripped: boolean): void {
    this.breaker.set({ breaker: this.breakers.value(breaker) }, tripped ? 1 : 0);
  }

  treasuryPaused(paused: boolean): void {
    this.paused.set(paused ? 1 : 0);
  }

  /** The whole treasury state at once (TreasuryState fits): every known breaker 0/1, and the pause flag. */
  treasuryState(s: { paused: boolean; breakers: Partial<Record<string, string>> }, known: readonly string[]): void {
    for (const b of new Set([...known, ...Object.keys(s.breakers)])) this.treasuryBreaker(b, Boolean(s.breakers[b]));
    this.treasuryPaused(s.paused);
  }

  /**
   * Polls outbox depth (OutboxStore.stats) every `everyMs`; returns a stop function. Failures are
   * passed to `onError` and the gauges keep their last value.
   */
  pollOutbox(
    stats: (now: number) => Promise<{ pending: number; due: number; dead: number }>,
    opts: { everyMs?: number; now?: () => number; onError?: (err: unknown) => void } = {},
  ): () => void {
    const now = opts.now ?? Date.now;
    let busy = false;
    const tick = () => {
      if (busy) return;
      busy = true;
      stats(now())
        .then((s) => this.outboxStats(s), (err: unknown) => opts.onError?.(err))
        .finally(() => (busy = false));
    };
    const timer = setInterval(tick, opts.everyMs ?? 5000);
    timer.unref?.();
    tick();
    return () => clearInterval(timer);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Prometheus text exposition of every metric. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  /** GET /metrics (HEAD too); anything else is 405. */
  handler(): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
    return async (req, res) => {
      if (req.method !== "GET" && req.method !== "HEAD") {
        res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain" }).end("method not allowed");
        return;
      }
      const body = await this.render();
      res.writeHead(200, { "content-type": this.contentType, "cache-control": "no-store" });
      res.end(req.method === "HEAD" ? undefined : body);
    };
  }
}
