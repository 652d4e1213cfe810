import { join } from "node:path";
import { loadReplayDir } from "../../adapters/replay/replay-data.js";
import { priceAt, ReplayMarket } from "../../adapters/replay/replay-market.js";
import type { Candle, PriceQuote, PriceTick } from "../../core/domain/price.js";
import type { Token } from "../../core/domain/token.js";
import type { ReplaySource } from "../../core/services/market.service.js";
import type { Db } from "../../db/index.js";
import { plainText } from "../../core/router/reply.js";
import type { AutomationEngine } from "../../core/services/automations/index.js";
import { makeTestApp, type TestApp } from "./app.js";
import { FakeClock } from "./clock.js";
import { press } from "./trading-world.js";

/*
 * The whole app (router, commands, services, a real SQLite or Postgres database, the automation
 * engine on the price stream) on REAL replayed SOL hourly prices (data/replay), advanced tick by tick
 * by the test: nothing runs on a timer. Each `tick()` moves the clock one step (an hour of replay by
 * default), has the market poll once (the same poll the price poller runs: sources asked, prices
 * checked, the tick published on the bus) and waits until the engine has finished everything that
 * tick started (watch, claim, quote, order, settle, outbox rows). So "nothing fired before" is a
 * fact about ticks that were fully processed, not about a wait that happened to be long enough.
 */

export const HOUR = 3_600_000;
export const REPLAY_DIR = join(process.cwd(), "data/replay");
const SERIES = loadReplayDir(REPLAY_DIR);
export const SOL_CANDLES: readonly Candle[] = SERIES.get("SOL")!;

/** The bundled SOL close at a historical time (hour boundaries give the candle's close). */
export const solAt = (t: number): number => priceAt(SOL_CANDLES, t)!;

/** What the next poll of the replay source answers instead of the history, for one token. */
export type Injected = { usd?: number; at?: number; replay?: boolean };

/**
 * The bundled replay, with a hook to replace the next answers for a token (a NaN, a stale or a wild
 * print): the market service judges them exactly as it would a real source's.
 */
export class InjectableReplay implements ReplaySource {
  readonly name = "replay";
  readonly kind = "replay" as const;
  private readonly queue = new Map<string, Injected[]>();
  constructor(readonly inner: ReplayMarket) {}
  now() {
    return this.inner.now();
  }
  range() {
    return this.inner.range();
  }
  history(...a: Parameters<ReplayMarket["history"]>) {
    return this.inner.history(...a);
  }
  /** The next poll answers `q` for this symbol instead of the history (once). */
  inject(symbol: string, q: Injected) {
    const list = this.queue.get(symbol) ?? [];
    list.push(q);
    this.queue.set(symbol, list);
  }
  async getPrices(tokens: readonly Token[]): Promise<Map<string, PriceQuote>> {
    const out = await this.inner.getPrices(tokens);
    for (const t of tokens) {
      const q = this.queue.get(t.symbol)?.shift();
      if (!q) continue;
      const base = out.get(t.mint) ?? { mint: t.mint, usd: NaN, source: "replay", replay: true, at: this.now() };
      out.set(t.mint, { ...base, ...q });
    }
    return out;
  }
}

/** The engine's seams the harness drives: wait for a tick's work; run due schedules (what its timer does). */
export interface EngineProbe {
  /** Resolves when everything the engine started (firings, retries, pushes) has settled. */
  idle(): Promise<void>;
  /** Runs the due DCAs and retries now (the timer's work), on the market clock. */
  runDue(): Promise<void>;
}

export interface ReplayRun {
  app: TestApp;
  clock: FakeClock;
  replay: InjectableReplay;
  engine: EngineProbe;
  /** Every push the outbox delivered (to the fake Telegram notifier), in order. */
  pushes: Array<{ chatId: string; text: string }>;
  /** Market (replay) time now. */
  now(): number;
  /** One step: clock forward, one poll published, the engine idle. Returns the SOL tick published (if any). */
  tick(stepMs?: number): Promise<PriceTick | undefined>;
  /** Ticks until `done` answers true (checked after each tick) or `max` ticks passed; returns the ticks taken. */
  until(done: (t: PriceTick | undefined) => Promise<boolean> | boolean, max: number, stepMs?: number): Promise<PriceTick[]>;
  /** Publishes ticks on the price bus as another process's poller would, and waits for the engine. */
  publish(ticks: PriceTick[]): Promise<void>;
  /** Sends a command and presses its Confirm: returns both replies' text. */
  confirm(text: string): Promise<{ preview: string; confirmed: string }>;
  close(): Promise<void>;
}

export interface ReplayOptions {
  /** UTC ISO time where the replay starts: the first poll is at this time. */
  start: string;
  db?: Db;
  env?: Record<string, string>;
  user?: string;
  /** Wall clock at start (a restart continues where the last run's clock stood). */
  wallStart?: number;
}

/**
 * Starts the app on the replay at `opts.start` (paper trading, replay prices, engine started, no
 * background timers: the test drives every tick).
 */
export async function replayApp(opts: ReplayOptions): Promise<ReplayRun> {
  const clock = new FakeClock(opts.wallStart ?? Date.UTC(2026, 0, 1));
  const start = Date.parse(opts.start);
  // speed 1 on the fake clock: one clock hour is one replayed hour.
  const replay = new InjectableReplay(new ReplayMarket({ series: SERIES, clock, start, speed: 1 }));
  const app = await makeTestApp({
    clock,
    ...(opts.db ? { db: opts.db } : {}),
    env: {
      MARKET_SOURCE: "replay",
      REPLAY_DATA_DIR: REPLAY_DIR,
      REPLAY_START: opts.start,
      PRICE_CACHE_TTL_MS: "0",
      USER_RATE_LIMIT_PER_MIN: "10000",
      PAPER_START_USDC: "10000",
      MAX_TRADE_USD: "5000",
      DAILY_TRADE_CAP_USD: "50000",
      ...opts.env,
    },
    market: { replay, live: [] },
  });
  // Everything but the poller: the test is the poller.
  await app.start({ poll: false });
  app.market.market.track(app.market.tokens.builtins());
  const engine = engineProbe(app);
  const sol = app.market.tokens.builtin("SOL")!;
  const who = { id: opts.user ?? "1001" };
  const pushes: ReplayRun["pushes"] = [];
  app.services.notifications.register({
    platform: "telegram",
    send: async (chatId, reply) => {
      pushes.push({ chatId, text: plainText(reply) });
      return { ok: true, messageIds: [String(pushes.length)] };
    },
  });
  /** The outbox delivered until nothing is due: what the dispatcher's loop would do next. */
  const drain = async () => {
    while ((await app.services.outbox.runOnce()) > 0);
  };
  const settle = async () => {
    await engine.idle();
    await drain();
  };

  const tick = async (stepMs = HOUR) => {
    clock.advance(stepMs);
    const ticks = await app.market.market.pollOnce();
    await engine.runDue();
    await settle();
    return ticks.find((t) => t.mint === sol.mint);
  };

  return {
    app,
    clock,
    replay,
    engine,
    pushes,
    now: () => app.market.market.now(),
    tick,
    async until(done, max, stepMs = HOUR) {
      const seen: PriceTick[] = [];
      for (let i = 0; i < max; i++) {
        const t = await tick(stepMs);
        if (t) seen.push(t);
        if (await done(t)) return seen;
      }
      throw new Error(`not done after ${max} ticks (last ${new Date(app.market.market.now()).toISOString()})`);
    },
    async publish(ticks) {
      await app.market.bus.publish(ticks);
      await settle();
    },
    async confirm(text) {
      const p = await app.say(text, who);
      let action: string;
      try {
        action = press(p, /^Confirm/);
      } catch {
        throw new Error(`no Confirm on the reply to ${text}:\n${p.text}`);
      }
      const c = await app.press(action, who);
      // The engine's schedule loop runs within AUTOMATION_SYNC_S of a Confirm: a DCA's first buy is due now.
      await engine.runDue();
      await settle();
      return { preview: p.text, confirmed: c.text };
    },
    close: () => app.close(),
  };
}

/** The automation engine as the app wires it (bots/wiring.ts): its idle() and its due-work pass. */
export function engineProbe(app: TestApp): EngineProbe {
  const e: AutomationEngine = app.services.automations;
  return {
    idle: async () => {
      await e.idle();
      await app.router.idle();
    },
    runDue: () => e.runDue(),
  };
}
