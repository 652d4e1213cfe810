import { planRebalance, type RebalancePlan } from "../../domain/rebalance.js";
import type { Token } from "../../domain/token.js";
import { amountHeld, valueHoldings } from "../../domain/valuation.js";
import { UserError } from "../../errors.js";
import type { BookStore } from "../../ports/orders.port.js";
import type { Chain } from "../../ports/trading.port.js";
import type { Clock } from "../../ports/clock.port.js";
import type { MarketService } from "../market.service.js";
import type { TokenRegistry } from "../token-registry.service.js";
import type { TreasurySettings, Valuation } from "./types.js";

/** The asset every treasury trade routes through. */
export const HUB = "USDC";

export interface HoldingsDeps {
  settings: TreasurySettings;
  market: MarketService;
  tokens: TokenRegistry;
  books: BookStore;
  chain?: Chain;
  clock: Clock;
  /** The treasury's own user id (owner of its book). */
  userId: string;
}

/**
 * What the treasury holds and what it is worth: the paper book or the live wallet (read on-chain every
 * time, never cached), valued at current prices with the shared valuation, and planned from there.
 */
export class TreasuryHoldings {
  constructor(private readonly d: HoldingsDeps) {}

  /** The book its orders trade in: the paper book, or the live wallet's address. */
  book(): string {
    return this.d.settings.wallet.kind === "paper" ? "treasury-paper" : this.d.settings.wallet.wallet.address;
  }

  /** The target assets the registry knows (every one, in a valid config). */
  targetTokens(): Token[] {
    return Object.keys(this.d.settings.targets)
      .map((s) => this.d.tokens.builtin(s))
      .filter((t): t is Token => !!t);
  }

  /** Holdings now: the paper book (opened with its start balance in USDC), or the wallet on-chain. */
  async holdings(): Promise<Array<{ token: Token; amount: bigint }>> {
    const w = this.d.settings.wallet;
    const tokens = this.targetTokens();
    if (w.kind === "paper") {
      const usdc = this.d.tokens.builtin(HUB);
      if (!usdc) throw new Error(`the token registry has no ${HUB}`);
      const units = BigInt(Math.round(w.startUsd * 1e6));
      await this.d.books.ensure(this.d.userId, this.book(), this.d.clock.now(), { mint: usdc.mint, amount: units, costMicro: units });
      const positions = await this.d.books.positions(this.d.userId, this.book());
      return tokens.map((t) => ({ token: t, amount: amountHeld({ positions }, t.mint) }));
    }
    if (!this.d.chain) throw new Error("live treasury needs a Solana connection");
    const chain = await this.d.chain.balances(w.wallet.address);
    return tokens.map((t) => ({ token: t, amount: amountHeld({ chain }, t.mint) }));
  }

  /** Holdings at current prices; throws a clear error when any price is missing. */
  async valuation(): Promise<Valuation> {
    const held = await this.holdings();
    const quotes = await this.d.market.getPrices(held.map((h) => h.token));
    const prices: Record<string, number> = {};
    for (const h of held) {
      const q = quotes.get(h.token.mint);
      if (q) prices[h.token.symbol] = q.usd;
    }
    const v = valueHoldings(
      held.map((h) => ({ symbol: h.token.symbol, decimals: h.token.decimals, amount: h.amount })),
      prices,
    );
    if (v.missing.length) throw new UserError("prices_unavailable", `No trustworthy price for ${v.missing.join(", ")}; the treasury will not plan on guesses.`);
    return { held, prices, valueUsd: v.valueUsd, allocation: v.allocation };
  }

  /** The plan from a valuation, with `turnoverLeftUsd` of today's budget. Pure given its inputs. */
  plan(v: Valuation, turnoverLeftUsd: number): RebalancePlan {
    const s = this.d.settings;
    return planRebalance(
      v.held.map((h) => ({ symbol: h.token.symbol, amount: h.amount, decimals: h.token.decimals })),
      v.prices,
      s.targets,
      {
        ...(s.bandAbsPct !== undefined ? { bandAbsPct: s.bandAbsPct } : {}),
        ...(s.bandRelPct !== undefined ? { bandRelPct: s.bandRelPct } : {}),
        minTradeUsd: s.minTradeUsd,
        maxTradeUsd: s.maxTradeUsd,
        maxTurnoverUsd: turnoverLeftUsd,
        feeBps: s.feeBps,
        hub: HUB,
        ...(s.directRoutes?.length ? { directRoutes: s.directRoutes } : {}),
      },
    );
  }

  /** Why the price sources cannot be trusted for the target assets right now, or undefined when they agree. */
  async sourcesDisagree(): Promise<string | undefined> {
    const max = this.d.settings.maxSourceDeviationPct;
    if (max === undefined) return undefined;
    const tokens = this.targetTokens();
    const bySource = await this.d.market.quotesBySource(tokens);
    for (const t of tokens) {
      const qs = bySource.get(t.mint) ?? [];
      if (qs.length < 2) continue;
      const lo = Math.min(...qs.map((q) => q.usd));
      const hi = Math.max(...qs.map((q) => q.usd));
      const pct = ((hi - lo) / lo) * 100;
      if (pct > max) {
        const seen = qs.map((q) => `${q.source} $${q.usd.toPrecision(6)}`).join(", ");
        return `${t.symbol} price sources disagree by ${pct.toFixed(2)}% (${seen}; limit ${max}%)`;
      }
    }
    return undefined;
  }

  /** Prices the market has rejected so far (deviation, staleness, not a number): a rise trips the prices breaker. */
  rejectedPrices(): number {
    const r = this.d.market.rejected;
    return r.deviation + r.stale + r.nan;
  }
}
