import { MemoryPriceBus } from "../../adapters/memory/memory-bus.js";
import { MemoryCache } from "../../adapters/memory/memory-cache.js";
import { MemoryAutomationStore } from "../../adapters/memory/memory-automations.js";
import { parseAutomationLine } from "../../core/domain/automation-parse.js";
import type { Automation } from "../../core/domain/automation.js";
import type { Reply } from "../../core/domain/message.js";
import type { Order } from "../../core/domain/order.js";
import type { PriceTick } from "../../core/domain/price.js";
import type { NewOutboxMessage } from "../../core/ports/alerts.port.js";
import type { AutomationStore } from "../../core/ports/automations.port.js";
import { silentLogger } from "../../core/ports/logger.port.js";
import type { SwapProvider, SwapQuote, SwapRequest } from "../../core/ports/trading.port.js";
import { AutomationEngine, type AutomationSettings } from "../../core/services/automations/index.js";
import { SimulatedSwap } from "../../core/services/simulated-swap.service.js";
import type { TokenSafetyPolicy } from "../../core/domain/token-safety.js";
import type { Token } from "../../core/domain/token.js";
import { TokenCardService } from "../../core/services/token-card.service.js";
import { TokenRegistry } from "../../core/services/token-registry.service.js";
import { TradingService } from "../../core/services/trading.service.js";
import { createDatabase, migrate, repositories, type Db } from "../../db/index.js";
import { FakeClock } from "./clock.js";
import { testMarket } from "./market.js";
import { FakeTokenSources } from "./token-safety.js";
import { StaticPrices } from "./trading-world.js";

export { MemoryAutomationStore } from "../../adapters/memory/memory-automations.js";

export const USER = "u1";
export const CHAT = { platform: "console" as const, chatId: "local" };

/** A swap that can be told to fail its next quotes (a Jupiter outage), or to quote worse than the market (a lagging quote). */
export class FlakySwap implements SwapProvider {
  failures = 0;
  quotes = 0;
  /** Parts per million of the market's output the quote gives (1e6: the market price). */
  outPpm = 1_000_000n;
  constructor(private readonly inner: SwapProvider) {}
  async quote(req: SwapRequest): Promise<SwapQuote> {
    this.quotes++;
    if (this.failures > 0) {
      this.failures--;
      const { RemoteError } = await import("../../core/errors.js");
      throw new RemoteError("jupiter", "quote timed out", true);
    }
    const q = await this.inner.quote(req);
    if (this.outPpm === 1_000_000n) return q;
    return { ...q, outAmount: (q.outAmount * this.outPpm) / 1_000_000n, minOutAmount: (q.minOutAmount * this.outPpm) / 1_000_000n };
  }
  buildSwap(q: SwapQuote, user: string) {
    return this.inner.buildSwap(q, user);
  }
}

/** Everything an engine runs on; several engines may share one (two workers on one database). */
export interface AutomationWorld {
  clock: FakeClock;
  db: Db;
  repos: ReturnType<typeof repositories>;
  store: AutomationStore;
  bus: MemoryPriceBus;
  prices: StaticPrices;
  swap: FlakySwap;
  trading: TradingService;
  tokens: TokenRegistry;
  /** The chain's safety facts behind TOKEN_SAFETY, when the world was made with `safety`. */
  sources?: FakeTokenSources;
  /** The outbox: every push, once per dedupe key. */
  pushes: NewOutboxMessage[];
  settings: AutomationSettings;
  /** A new engine on this world (a process); started with poll: false. */
  engine(over?: Partial<AutomationSettings>): Promise<AutomationEngine>;
  /**
   * One second later, publishes a tick of `symbol` at `usd` observed then (a good one also becomes the
   * price trades see), and lets every firing it caused finish.
   */
  tick(symbol: string, usd: number, opts?: Partial<PriceTick>): Promise<void>;
  /** The price the trade path and previews see. */
  setPrice(symbol: string, usd: number): void;
  /** Proposes and confirms an automation from its command line ("/stop SOL at 140"). */
  arm(e: AutomationEngine, line: string, userId?: string): Promise<Automation>;
  /** A trade by the user: buys `symbol` with `usdc` USDC (paper). */
  buy(symbol: string, usdc: number, userId?: string): Promise<Order>;
  orders(userId?: string): Promise<Order[]>;
  /** The user's automation orders (ones an automation placed, newest first). */
  autoOrders(userId?: string): Promise<Order[]>;
  texts(): string[];
  close(): Promise<void>;
}

export const replyText = (r: Reply) =>
  r.blocks
    .map((b) => (b.type === "text" ? b.spans.map((s) => (typeof s === "string" ? s : s.text)).join("") : b.type === "table" ? b.rows.map((x) => x.join(": ")).join("\n") : ""))
    .join("\n");

export async function automationWorld(
  opts: {
    clock?: FakeClock;
    /** memory: MemoryAutomationStore; db: the database's (repositories().automations, SQLite). */
    store?: "memory" | "db";
    settings?: Partial<AutomationSettings>; mode?: () => "live" | "replay"; /** The market clock (default: the wall clock). */ market?: FakeClock;
    /** A migrated database to run on (the caller closes it); default: a fresh in-memory SQLite. */
    db?: Db;
    /** Tokens the token search finds besides the built-ins. */
    listed?: Token[];
    /** TOKEN_SAFETY judged from `sources` (fake chain facts, never cached), as the app wires it. */
    safety?: { policy: TokenSafetyPolicy; sources?: FakeTokenSources };
    /** The trading allowlist (mints); default none. */
    allow?: string[];
  } = {},
): Promise<AutomationWorld> {
  const clock = opts.clock ?? new FakeClock(Date.UTC(2025, 0, 7));
  const db = opts.db ?? createDatabase("sqlite::memory:");
  if (!opts.db) await migrate(db.db);
  const repos = repositories(db, clock);
  const prices = new StaticPrices(clock);
  const market = testMarket([prices], clock, { cacheTtlMs: 0 });
  const listed = opts.listed ?? [];
  const tokens = new TokenRegistry({
    cache: repos.tokens,
    memory: new MemoryCache(),
    clock,
    log: silentLogger,
    ...(opts.listed ? { search: { search: async (q: string) => listed.filter((t) => t.mint === q || t.symbol === q.toUpperCase()) } } : {}),
  });
  const sources = opts.safety ? (opts.safety.sources ?? new FakeTokenSources()) : undefined;
  const cards = sources ? new TokenCardService({ tokens, market, chain: sources, info: sources, clock, log: silentLogger, cacheMs: 0 }) : undefined;
  const swap = new FlakySwap(new SimulatedSwap({ market, token: (m) => tokens.resolve(m), feeBps: 30 }));
  const trading = new TradingService({
    orders: repos.orders,
    books: repos.books,
    wallets: repos.wallets,
    swap,
    market,
    audit: repos.audit,
    clock,
    log: silentLogger,
    config: {
      mode: "paper",
      paperStartUsdc: 10_000,
      maxTradeUsd: 1000,
      dailyCapUsd: 5000,
      defaultSlippageBps: 50,
      maxSlippageBps: 300,
      maxPriceImpactPct: 2,
      quoteTtlMs: 30_000,
      takeoverMs: 120_000,
      allow: opts.allow ? new Set(opts.allow) : null,
      deny: new Set(),
      confirmWaitMs: 1000,
      pollMs: 50,
      resendEveryMs: 2000,
    },
    ...(cards && opts.safety ? { safety: { policy: opts.safety.policy, report: (mint: string) => cards.safety(mint) } } : {}),
    onEvent: async () => {},
  });
  const pushes: NewOutboxMessage[] = [];
  const record = (m: NewOutboxMessage) => {
    if (pushes.some((p) => p.dedupeKey === m.dedupeKey)) return false;
    pushes.push(m);
    return true;
  };
  const store: AutomationStore = opts.store === "db" ? recordingSettles(repos.automations, record) : new MemoryAutomationStore(record);
  const bus = new MemoryPriceBus((err) => {
    throw err;
  });
  const settings: AutomationSettings = {
    maxPerUser: 20,
    retries: 3,
    retryMs: 30_000,
    leaseMs: 30_000,
    syncMs: 2000,
    maxTickAgeMs: 120_000,
    maxDeviationPct: 5,
    ...opts.settings,
  };
  const engines: AutomationEngine[] = [];
  const manual = new Set<string>();
  const mintOf = async (symbol: string) => (await tokens.resolve(symbol)).mint;
  const w: AutomationWorld = {
    clock,
    db,
    repos,
    store,
    bus,
    prices,
    swap,
    trading,
    tokens,
    ...(sources ? { sources } : {}),
    pushes,
    settings,
    async engine(over = {}) {
      const e = new AutomationEngine({
        store,
        kv: repos.kv,
        bus,
        trading,
        tokens,
        prices: market,
        clock,
        marketNow: () => (opts.market ?? clock).now(),
        ...(opts.mode ? { mode: opts.mode } : {}),
        log: silentLogger,
        settings: { ...settings, ...over },
      });
      await e.start({ poll: false });
      engines.push(e);
      return e;
    },
    async tick(symbol, usd, extra = {}) {
      // Each tick is a later observation (the book ignores one not later than the last).
      clock.advance(1000);
      if (Number.isFinite(usd) && usd > 0 && extra.source === undefined && extra.at === undefined) prices.usd[symbol] = usd;
      const t: PriceTick = { mint: await mintOf(symbol), symbol, usd, source: "static", at: clock.now(), ...extra };
      await bus.publish([t]);
      await Promise.all(engines.map((e) => e.idle()));
    },
    setPrice(symbol, usd) {
      prices.usd[symbol] = usd;
    },
    async arm(e, line, userId = USER) {
      const draft = await e.propose(userId, parseAutomationLine(line), CHAT);
      const r = await e.confirm(userId, draft.automation.id);
      if (r.kind !== "armed") throw new Error(`not armed: ${r.kind}`);
      return r.automation;
    },
    async buy(symbol, usdc, userId = USER) {
      const [input, output] = await Promise.all([tokens.resolve("USDC"), tokens.resolve(symbol)]);
      const o = await trading.preview(userId, { side: "buy", input, output, amount: { kind: "units", units: BigInt(usdc * 1e6) } }, CHAT);
      manual.add(o.id);
      return (await trading.confirm(userId, o.id)).order;
    },
    orders: (userId = USER) => repos.orders.byUser(userId, 100),
    async autoOrders(userId = USER) {
      // Every order but the ones the test placed by hand (buy()).
      return (await repos.orders.byUser(userId, 100)).filter((o) => !manual.has(o.id));
    },
    texts: () => pushes.map((p) => replyText(p.reply)),
    async close() {
      await Promise.all(engines.map((e) => e.stop()));
      if (!opts.db) await db.close();
    },
  };
  return w;
}

/** The database's store, with the pushes of every settled firing also recorded here (they go to the outbox table too). */
function recordingSettles(inner: AutomationStore, record: (m: NewOutboxMessage) => boolean): AutomationStore {
  return new Proxy(inner, {
    get(target, key) {
      if (key === "settleFiring") {
        return async (...args: Parameters<AutomationStore["settleFiring"]>) => {
          const ok = await target.settleFiring(...args);
          if (ok) args[5].forEach(record);
          return ok;
        };
      }
      const v = Reflect.get(target, key) as unknown;
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
