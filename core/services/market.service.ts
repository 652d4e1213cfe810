import { checkPrice, type PriceQuote, type PriceTick, type RejectReason } from "../domain/price.js";
import type { Token } from "../domain/token.js";
import { UserError } from "../errors.js";
import type { Clock } from "../ports/clock.port.js";
import type { Logger } from "../ports/logger.port.js";
import type { ChartSeries, MarketPort } from "../ports/market.port.js";
import type { Cache, PriceBus } from "../ports/price-bus.port.js";
import type { HistoryRange, PriceHistorySource, PriceSource } from "../ports/price-source.port.js";
import type { TickStore } from "../ports/tick-store.port.js";
import { LeaderLoop, type LoopLease } from "./leader-loop.js";
import { chartHistory } from "./market-history.js";
import { MarketSourceChoice, type ReplaySource } from "./market-source.js";

export { RANGES } from "./market-history.js";
export type { ReplaySource } from "./market-source.js";

export interface MarketOptions {
  live: PriceSource[];
  replay?: ReplaySource;
  history?: PriceHistorySource[];
  ticks?: TickStore;
  cache: Cache;
  bus: PriceBus;
  clock: Clock;
  log: Logger;
  maxAgeMs: number;
  maxDeviationPct: number;
  cacheTtlMs: number;
  /** Start in replay (MARKET_SOURCE=replay). */
  replayMode?: boolean;
  /** Metrics hooks. */
  onReject?: (source: string, reason: RejectReason) => void;
  onSourceError?: (source: string, err: unknown) => void;
}

export type { ChartSeries } from "../ports/market.port.js";

/** The lease that makes one process of the deployment the price poller. */
export const PRICE_POLLER_LEASE = "price-poller";

/**
 * Every price Purser shows or acts on comes through here: sources asked in order, each answer
 * checked (NaN, zero/negative, stale, deviating from another source), cached briefly, and
 * published on the price stream. A rejected price is counted, never shown, never published.
 */
export class MarketService implements MarketPort {
  /** Live or replay, and the start-up probe that decides (MARKET_SOURCE=auto). */
  private readonly source: MarketSourceChoice;
  private readonly lastBySource = new Map<string, Map<string, PriceQuote>>();
  private readonly inflight = new Map<string, Promise<PriceQuote | undefined>>();
  private readonly tracked = new Map<string, Token>();
  private poller: LeaderLoop<PriceTick[]> | undefined;
  readonly rejected: Record<RejectReason, number> = { nan: 0, non_positive: 0, stale: 0, deviation: 0 };
  readonly sourceErrors: Record<string, number> = {};
  private lastRecorded = new Map<string, number>();

  constructor(private readonly o: MarketOptions) {
    this.source = new MarketSourceChoice(o);
  }

  private get mode(): "live" | "replay" {
    return this.source.mode;
  }

  get isReplay(): boolean {
    return this.mode === "replay";
  }

  /** Market time: the clock, or the historical time of the playback. */
  now(): number {
    return this.source.now();
  }

  private sources(): PriceSource[] {
    return this.source.sources();
  }

  /**
   * Every source asked now for these tokens: each source's sane quote per mint (NaN, non-positive and
   * stale ones dropped), for a cross-check before money moves. Replay is one source: nothing to compare.
   */
  async quotesBySource(tokens: readonly Token[]): Promise<Map<string, PriceQuote[]>> {
    await this.sourceChosen();
    const out = new Map<string, PriceQuote[]>();
    const answers = await Promise.all(
      this.sources().map(async (s) => {
        try {
          return await s.getPrices(tokens);
        } catch (err) {
          this.sourceFailed(s.name, err);
          return new Map<string, PriceQuote>();
        }
      }),
    );
    const now = this.now();
    for (const m of answers) {
      for (const t of tokens) {
        const q = m.get(t.mint);
        if (!q || checkPrice(q, now, this.o.maxAgeMs)) continue;
        let list = out.get(t.mint);
        if (!list) out.set(t.mint, (list = []));
        list.push(q);
      }
    }
    return out;
  }

  /** MARKET_SOURCE=auto: if no live source answers at start-up, play bundled history instead. */
  probe(sample: Token, deadlineMs: number): Promise<{ reachable: string[] }> {
    return this.source.probe(sample, deadlineMs);
  }

  /**
   * MARKET_SOURCE=auto at start-up, without holding it up: the probe runs in the background and
   * every price read waits for its answer (`sourceChosen`), so nothing is ever priced from the
   * wrong source; a chat's first reply needs no price and comes at once.
   */
  chooseSourceInBackground(sample: Token, deadlineMs: number): void {
    this.source.chooseInBackground(sample, deadlineMs);
  }

  /** Resolves once the source is chosen (at once when nothing is being chosen). */
  sourceChosen(): Promise<void> {
    return this.source.chosen();
  }

  /** MARKET_SOURCE=auto at start-up: live when a live source answers in time, else bundled history. */
  chooseSource(sample: Token, deadlineMs: number): Promise<void> {
    return this.source.choose(sample, deadlineMs);
  }

  useReplay(reason: string): void {
    this.source.useReplay(reason);
  }

  /** Sane prices keyed by mint; tokens without one are absent (the caller says "unavailable"). */
  async getPrices(tokens: readonly Token[]): Promise<Map<string, PriceQuote>> {
    await this.sourceChosen();
    const out = new Map<string, PriceQuote>();
    const waits: Array<Promise<void>> = [];
    const mine: Token[] = [];
    // Concurrent asks for the same token share one lookup (registered before any await).
    for (const t of unique(tokens)) {
      const pending = this.inflight.get(t.mint);
      if (pending) waits.push(pending.then((q) => void (q && out.set(t.mint, q))));
      else mine.push(t);
    }
    if (mine.length) {
      const work = this.lookup(mine);
      for (const t of mine) {
        const p = work.then((m) => m.get(t.mint));
        this.inflight.set(t.mint, p);
        void p.finally(() => this.inflight.get(t.mint) === p && this.inflight.delete(t.mint)).catch(() => {});
      }
      for (const [k, v] of await work) out.set(k, v);
    }
    await Promise.all(waits);
    return out;
  }

  private async lookup(tokens: Token[]): Promise<Map<string, PriceQuote>> {
    const out = new Map<string, PriceQuote>();
    const now = this.now();
    const need: Token[] = [];
    // One round trip for all tokens at once (the cache may be Redis), not one after another.
    const cached = await Promise.all(
      tokens.map((t) =>
        this.o.cache.get<PriceQuote>(`px:${this.mode}:${t.mint}`).catch((err: unknown) => {
          this.o.log.warn({ err }, "price cache unavailable");
          return undefined;
        }),
      ),
    );
    tokens.forEach((t, i) => {
      const c = cached[i];
      if (c && !checkPrice(c, now, this.o.maxAgeMs)) out.set(t.mint, c);
      else need.push(t);
    });
    if (need.length) for (const [k, v] of await this.fetch(need)) out.set(k, v);
    return out;
  }

  /** One price or a clear UserError; never a stale number. */
  async getPrice(token: Token): Promise<PriceQuote> {
    const q = (await this.getPrices([token])).get(token.mint);
    if (!q) {
      throw new UserError(
        "prices_unavailable",
        `The price of ${token.symbol} is unavailable right now (no source gave a fresh, consistent price). Try again in a minute.`,
      );
    }
    return q;
  }

  /** Sources asked in order until every token has a sane price. */
  private async fetch(tokens: Token[]): Promise<Map<string, PriceQuote>> {
    const out = new Map<string, PriceQuote>();
    let remaining = tokens;
    for (const src of this.sources()) {
      if (!remaining.length) break;
      let quotes: Map<string, PriceQuote>;
      try {
        quotes = await src.getPrices(remaining);
      } catch (err) {
        this.sourceFailed(src.name, err);
        continue;
      }
      this.accept(src.name, remaining, quotes, out);
      remaining = remaining.filter((t) => !out.has(t.mint));
    }
    await this.cacheAll(out);
    return out;
  }

  /**
   * Checks each quote (sanity, then deviation from the freshest other source's price) and keeps the
   * first that passes. Only quotes that pass become references for other sources.
   */
  private accept(
    source: string,
    tokens: readonly Token[],
    quotes: Map<string, PriceQuote>,
    out: Map<string, PriceQuote>,
    refs: Map<string, Map<string, PriceQuote>> = this.lastBySource,
  ) {
    const now = this.now();
    let mine = this.lastBySource.get(source);
    if (!mine) this.lastBySource.set(source, (mine = new Map()));
    for (const t of tokens) {
      if (out.has(t.mint)) continue;
      const q = quotes.get(t.mint);
      if (!q) continue;
      const basic = checkPrice(q, now, this.o.maxAgeMs);
      if (basic) {
        this.reject(source, basic, t, q);
        continue;
      }
      const ref = this.reference(refs, t.mint, source, now);
      const dev = ref ? checkPrice(q, now, this.o.maxAgeMs, ref.usd, this.o.maxDeviationPct) : null;
      if (dev) {
        this.reject(source, dev, t, q, ref);
        continue;
      }
      mine.set(t.mint, q);
      out.set(t.mint, q);
    }
  }

  /** The freshest sane price another source gave for this mint. */
  private reference(refs: Map<string, Map<string, PriceQuote>>, mint: string, except: string, now: number): PriceQuote | undefined {
    let best: PriceQuote | undefined;
    for (const [name, m] of refs) {
      if (name === except) continue;
      const q = m.get(mint);
      if (q && now - q.at <= this.o.maxAgeMs && (!best || q.at > best.at)) best = q;
    }
    return best;
  }

  private reject(source: string, reason: RejectReason, t: Token, q: PriceQuote, ref?: PriceQuote) {
    this.rejected[reason]++;
    this.o.onReject?.(source, reason);
    this.o.log.warn({ source, reason, token: t.symbol, usd: q.usd, at: q.at, ref: ref?.usd, refSource: ref?.source }, "price rejected");
  }

  private sourceFailed(source: string, err: unknown) {
    this.sourceErrors[source] = (this.sourceErrors[source] ?? 0) + 1;
    this.o.onSourceError?.(source, err);
    this.o.log.warn({ source, err }, "price source failed");
  }

  private async cacheAll(quotes: Map<string, PriceQuote>) {
    if (this.o.cacheTtlMs <= 0) return;
    await Promise.all([...quotes].map(([mint, q]) => this.o.cache.set(`px:${this.mode}:${mint}`, q, this.o.cacheTtlMs))).catch(
      (err: unknown) => this.o.log.warn({ err }, "price cache unavailable"),
    );
  }

  /** Tokens whose prices are polled and published on the stream. */
  track(tokens: readonly Token[]): void {
    for (const t of tokens) this.tracked.set(t.mint, t);
  }

  /** One poll: every source asked (so they can be cross-checked), sane prices published. */
  async pollOnce(): Promise<PriceTick[]> {
    await this.sourceChosen();
    const tokens = [...this.tracked.values()];
    if (!tokens.length) return [];
    const answers = await Promise.all(
      this.sources().map(async (s) => {
        try {
          return [s.name, await s.getPrices(tokens)] as const;
        } catch (err) {
          this.sourceFailed(s.name, err);
          return [s.name, new Map<string, PriceQuote>()] as const;
        }
      }),
    );
    // This poll's sane answers are the references, so every source is checked against the others.
    const now = this.now();
    const refs = new Map<string, Map<string, PriceQuote>>();
    for (const [name, quotes] of answers) {
      const sane = new Map([...quotes].filter(([, q]) => !checkPrice(q, now, this.o.maxAgeMs)));
      const prev = this.lastBySource.get(name);
      refs.set(name, sane.size || !prev ? sane : prev);
    }
    const out = new Map<string, PriceQuote>();
    for (const [name, quotes] of answers) {
      const agreed = new Map<string, PriceQuote>();
      this.accept(name, tokens, quotes, agreed, refs);
      for (const [k, v] of agreed) if (!out.has(k)) out.set(k, v);
    }
    await this.cacheAll(out);
    const ticks: PriceTick[] = [];
    for (const t of tokens) {
      const q = out.get(t.mint);
      if (q) ticks.push({ ...q, symbol: t.symbol });
    }
    if (ticks.length) {
      await this.o.bus.publish(ticks);
      await this.recordTicks(ticks);
    }
    return ticks;
  }

  /** At most one recorded tick per token per minute (chart history of last resort). */
  private async recordTicks(ticks: PriceTick[]) {
    if (!this.o.ticks || this.mode === "replay") return;
    const keep = ticks.filter((t) => t.at - (this.lastRecorded.get(t.mint) ?? 0) >= 60_000);
    if (!keep.length) return;
    for (const t of keep) this.lastRecorded.set(t.mint, t.at);
    await this.o.ticks.record(keep).catch((err: unknown) => this.o.log.warn({ err }, "could not record ticks"));
  }

  /**
   * Polls every `intervalMs`; with a lease (PRICE_POLLER_LEASE), only while this process holds it:
   * one poller across the deployment. stop() hands the lease over at once.
   */
  startPolling(intervalMs: number, lease?: Omit<LoopLease, "name">): void {
    if (this.poller) return;
    this.poller = new LeaderLoop({
      name: "price poll",
      everyMs: intervalMs,
      fixedRate: true,
      log: this.o.log,
      run: () => this.pollOnce(),
      ...(lease ? { lease: { ...lease, name: PRICE_POLLER_LEASE } } : {}),
      failureLog: { level: "error", failed: "price poll failed" },
    });
    this.poller.start();
  }

  async stop(): Promise<void> {
    const p = this.poller;
    this.poller = undefined;
    await p?.stop();
  }

  /** Chart history: history sources, else recorded ticks, else replay candles (labelled). */
  async history(token: Token, range: HistoryRange): Promise<ChartSeries> {
    await this.sourceChosen();
    const { history, ticks, replay } = this.o;
    return chartHistory(
      { mode: this.mode, now: this.now(), failed: (name, err) => this.sourceFailed(name, err), ...(history ? { history } : {}), ...(ticks ? { ticks } : {}), ...(replay ? { replay } : {}) },
      token,
      range,
    );
  }
}

function unique(tokens: readonly Token[]): Token[] {
  const seen = new Set<string>();
  return tokens.filter((t) => (seen.has(t.mint) ? false : (seen.add(t.mint), true)));
}
