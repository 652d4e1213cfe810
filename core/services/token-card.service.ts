import { lru } from "./lru.js";
import { evaluateSafety, type SafetyThresholds } from "../domain/token-safety-flags.js";
import { tradedMint } from "../domain/pool-pair.js";
import type { CardPrice, TokenCard, TokenMarketInfo } from "../domain/token-card.js";
import type { AgeFacts, HolderFacts, MintFacts, SafetyReport } from "../domain/token-safety.js";
import { looksLikeMint, shortMint, type Token } from "../domain/token.js";
import { isUserError } from "../errors.js";
import type { Clock } from "../ports/clock.port.js";
import type { Logger } from "../ports/logger.port.js";
import type { MarketPort } from "../ports/market.port.js";
import type { ChainTokenReader, TokenCardsPort, TokenInfoSource } from "../ports/token-safety.port.js";
import type { TokensPort } from "../ports/tokens.port.js";

/** Each source gets this long; the card is built from what answered (default 1.5 s: the card within 2 s). */
export const CARD_SOURCE_TIMEOUT_MS = 1500;
/** Safety reports and market info are reused this long per mint. */
export const CARD_CACHE_MS = 60_000;
const CACHE_MAX = 2000;

export interface TokenCardDeps {
  tokens: TokensPort;
  market: Pick<MarketPort, "getPrice" | "now">;
  chain: ChainTokenReader;
  info: TokenInfoSource;
  clock: Clock;
  log: Logger;
  /** Default CARD_SOURCE_TIMEOUT_MS. */
  timeoutMs?: number;
  /** Default CARD_CACHE_MS (TOKEN_CARD_CACHE_S). */
  cacheMs?: number;
  thresholds?: Partial<SafetyThresholds>;
}

const TIMED_OUT = Symbol("timed out");
/** One timer for a round of calls: `at` resolves when the round's time is up. */
interface Deadline {
  at: Promise<typeof TIMED_OUT>;
  cancel: () => void;
}
type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * The token card: market info (Jupiter's token API), price (the market service, with source and age)
 * and the chain's safety checks, all run at once, each bounded by a timeout, so a card always comes
 * back in time: partial, and saying which part, when a source fails or hangs. Safety reports and
 * market info are cached per mint briefly, and concurrent requests for one mint share one round of
 * calls (one RPC round per mint at a time).
 */
export class TokenCardService implements TokenCardsPort {
  private readonly timeoutMs: number;
  private readonly cacheMs: number;
  private readonly reports = lru<string, { at: number; value: SafetyReport }>(CACHE_MAX);
  private readonly markets = lru<string, { at: number; value: TokenMarketInfo | null }>(CACHE_MAX);
  private readonly checking = new Map<string, Promise<SafetyReport>>();
  private readonly fetching = new Map<string, Promise<TokenMarketInfo | null>>();

  constructor(private readonly d: TokenCardDeps) {
    this.timeoutMs = d.timeoutMs ?? CARD_SOURCE_TIMEOUT_MS;
    this.cacheMs = d.cacheMs ?? CARD_CACHE_MS;
  }

  async card(query: string): Promise<TokenCard> {
    const q = query.trim().replace(/^\$/, "");
    // A mint needs no registry: a token Purser has never heard of still gets a card.
    const known = looksLikeMint(q) ? null : await this.d.tokens.resolve(q);
    // One deadline for the whole card, a pool's second look included: it comes back within timeoutMs whatever hangs.
    const deadline = this.deadline();
    try {
      try {
        return await this.build(known?.mint ?? q, known, deadline, false);
      } catch (e) {
        // An address that is no mint may be a DEX pool (a DexScreener pair link names the pool): show the token it trades.
        if (known || !isBadToken(e)) throw e;
        const pool = await this.bounded(this.d.chain.poolMints(q), deadline.at);
        if (!pool.ok) this.d.log.warn({ err: pool.error === TIMED_OUT ? "timed out" : pool.error, address: q }, "pool lookup failed");
        if (!pool.ok || !pool.value) throw e;
        const card = await this.build(tradedMint(pool.value), null, deadline, true);
        return { ...card, pool: { address: q, dex: pool.value.dex } };
      }
    } finally {
      deadline.cancel();
    }
  }

  /**
   * One card's sources at once under the card's deadline. Throws bad_token as soon as the chain says the
   * address is no mint (the other sources are bounded and left to finish on their own). `late`: a second
   * look (a pool's token) whose safety round must also end by the card's deadline.
   */
  private async build(mint: string, known: Token | null, deadline: Deadline, late: boolean): Promise<TokenCard> {
    const tokenP = known ? Promise.resolve(known) : this.d.tokens.resolve(mint);
    const tokenO = this.bounded(tokenP, deadline.at);
    const marketO = this.bounded(this.marketInfo(mint), deadline.at);
    const quoteO = this.bounded(
      tokenP.catch(() => unlisted(mint)).then((t) => this.d.market.getPrice(t)),
      deadline.at,
    );
    // Bounded by its own round's timer (a round already running for this mint may have started earlier).
    const safety = await (late ? this.safetyWithin(mint, deadline) : this.settled(this.safety(mint)));
    // The chain says it is no mint at all: that is the answer, not a partial card.
    if (!safety.ok && isBadToken(safety.error)) throw safety.error;
    const [token, market, quote] = await Promise.all([tokenO, marketO, quoteO]);
    const price: CardPrice | null = quote.ok ? { usd: quote.value.usd, source: quote.value.source, ageMs: Math.max(0, this.d.market.now() - quote.value.at) } : null;
    const partial: TokenCard["partial"] = [];
    if (!market.ok) partial.push("market");
    if (!price) partial.push("price");
    if (!safety.ok || safety.value.missing.length) partial.push("safety");
    for (const [what, o] of [["market", market], ["price", quote], ["safety", safety]] as const) {
      if (!o.ok) this.d.log.warn({ err: o.error === TIMED_OUT ? "timed out" : o.error, mint, what }, "token card source failed");
    }
    return {
      mint,
      token: token.ok ? token.value : null,
      market: market.ok ? market.value : null,
      price,
      safety: safety.ok ? safety.value : null,
      partial,
      builtAt: this.d.clock.now(),
    };
  }

  /**
   * The safety report (cached per mint for the cache time when complete; a partial one is not kept, so
   * the next ask checks again). Concurrent asks for one mint share one round. Throws UserError bad_token
   * when the chain says the address is not a mint.
   */
  safety(mint: string): Promise<SafetyReport> {
    const hit = this.fresh(this.reports.get(mint));
    if (hit) return Promise.resolve(hit);
    return this.checking.get(mint) ?? this.startRound(mint);
  }

  /** The safety report by the card's deadline: a new round runs under that deadline (partial when it strikes). */
  private safetyWithin(mint: string, deadline: Deadline): Promise<Outcome<SafetyReport>> {
    const hit = this.fresh(this.reports.get(mint));
    if (hit) return Promise.resolve({ ok: true, value: hit });
    const running = this.checking.get(mint);
    if (running) return this.bounded(running, deadline.at);
    return this.settled(this.startRound(mint, deadline));
  }

  private startRound(mint: string, shared?: Deadline): Promise<SafetyReport> {
    const round = this.check(mint, shared).finally(() => this.checking.delete(mint));
    this.checking.set(mint, round);
    return round;
  }

  /** One round of chain checks, under its own timer or a card's (`shared`). */
  private async check(mint: string, shared?: Deadline): Promise<SafetyReport> {
    const c = this.d.chain;
    const deadline = shared ?? this.deadline();
    let m: Outcome<MintFacts>, h: Outcome<HolderFacts>, a: Outcome<AgeFacts>;
    try {
      const all = [c.mintFacts(mint), c.largestHolders(mint), c.firstActivity(mint)] as const;
      const holdersO = this.bounded(all[1], deadline.at);
      const ageO = this.bounded(all[2], deadline.at);
      m = await this.bounded(all[0], deadline.at);
      // No mint: say so at once, without waiting for the holder and age reads (a pool's history is long).
      if (!m.ok && isBadToken(m.error)) throw m.error;
      [h, a] = await Promise.all([holdersO, ageO]);
    } finally {
      if (!shared) deadline.cancel();
    }
    for (const [what, o] of [["mint", m], ["holders", h], ["age", a]] as const) {
      if (!o.ok) this.d.log.warn({ err: o.error === TIMED_OUT ? "timed out" : o.error, mint, what }, "token safety check failed");
    }
    const now = this.d.clock.now();
    const report = evaluateSafety(
      { mint, mintFacts: value<MintFacts>(m), holders: value<HolderFacts>(h), age: value<AgeFacts>(a) },
      now,
      this.d.thresholds,
    );
    if (!report.missing.length) this.reports.set(mint, { at: now, value: report });
    return report;
  }

  /** Jupiter's info for a mint (null: unknown to it), cached and shared like the safety report. */
  private marketInfo(mint: string): Promise<TokenMarketInfo | null> {
    const hit = this.markets.get(mint);
    if (hit && this.isFresh(hit.at)) return Promise.resolve(hit.value);
    const running = this.fetching.get(mint);
    if (running) return running;
    const round = this.d.info
      .info(mint)
      .then((info) => {
        const value = info ?? null;
        this.markets.set(mint, { at: this.d.clock.now(), value });
        return value;
      })
      .finally(() => this.fetching.delete(mint));
    this.fetching.set(mint, round);
    return round;
  }

  private fresh(e: { at: number; value: SafetyReport } | undefined): SafetyReport | undefined {
    return e && this.isFresh(e.at) ? e.value : undefined;
  }

  private isFresh(at: number): boolean {
    const age = this.d.clock.now() - at;
    return age >= 0 && age < this.cacheMs;
  }

  /** One timer for a round of calls: `at` resolves when the round's time is up. */
  private deadline(): Deadline {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const at = new Promise<typeof TIMED_OUT>((resolve) => (timer = setTimeout(() => resolve(TIMED_OUT), this.timeoutMs)));
    return { at, cancel: () => clearTimeout(timer) };
  }

  private async settled<T>(p: Promise<T>): Promise<Outcome<T>> {
    return p.then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    );
  }

  /** The call's outcome, or a timeout at the deadline: never throws, never waits longer. */
  private async bounded<T>(p: Promise<T>, deadline: Promise<typeof TIMED_OUT>): Promise<Outcome<T>> {
    // A call that loses the race may still fail later: that is already accounted for.
    p.catch(() => undefined);
    try {
      const v = await Promise.race([p, deadline]);
      return v === TIMED_OUT ? { ok: false, error: TIMED_OUT } : { ok: true, value: v as T };
    } catch (error) {
      return { ok: false, error };
    }
  }
}

const isBadToken = (e: unknown) => isUserError(e) && e.code === "bad_token";
const value = <T>(o: Outcome<T>): T | null => (o.ok ? o.value : null);

/** A token no registry knows, for the price service (which keys by mint). */
function unlisted(mint: string): Token {
  return { symbol: shortMint(mint), name: "", mint, decimals: 0, verified: false };
}
