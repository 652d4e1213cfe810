import type { WithdrawalOverrides } from "../../bots/withdrawals.js";
import { BUILTIN_TOKENS } from "../../core/domain/builtin-tokens.js";
import type { PriceQuote } from "../../core/domain/price.js";
import type { Token } from "../../core/domain/token.js";
import type { PriceSource } from "../../core/ports/price-source.port.js";
import type { TradingOverrides } from "../../bots/trading.js";
import type { Logger } from "../../core/ports/logger.port.js";
import type { Db } from "../../db/index.js";
import type { TreasurySettings } from "../../core/services/treasury/index.js";
import { startSwapWorld, type SwapWorld } from "../fakes/solana/swap-harness.js";
import { makeTestApp, type TestApp } from "./app.js";
import { FakeClock } from "./clock.js";

const mintOf = (s: string) => BUILTIN_TOKENS.find((t) => t.symbol === s)!.mint;
export const MINTS = { SOL: mintOf("SOL"), USDC: mintOf("USDC"), JUP: mintOf("JUP"), BONK: mintOf("BONK"), WIF: mintOf("WIF"), WBTC: mintOf("WBTC") };
/** Tokens the stub token search knows besides the built-ins: one unverified. */
export const MINT_X = "2token22222222222222222222222222222222222222";
const SEARCHABLE: Token[] = [{ symbol: "XUV", name: "Unverified X", mint: MINT_X, decimals: 6, verified: false }];
export const USD: Record<string, number> = { SOL: 150, USDC: 1, JUP: 0.5, BONK: 0.00002, WIF: 2, WBTC: 100_000 };

/** A live price source that answers fixed prices at the fake clock's time. */
export class StaticPrices implements PriceSource {
  readonly kind = "live" as const;
  constructor(
    private readonly clock: FakeClock,
    public usd: Record<string, number> = { ...USD },
    readonly name = "static",
  ) {}
  async getPrices(tokens: readonly Token[]) {
    const out = new Map<string, PriceQuote>();
    for (const t of tokens) {
      const v = this.usd[t.symbol];
      if (v !== undefined) out.set(t.mint, { mint: t.mint, usd: v, source: this.name, at: this.clock.now() });
    }
    return out;
  }
}

export interface TradingWorld {
  app: TestApp;
  world: SwapWorld;
  prices: StaticPrices;
  /** A second live source (asked after the first), when the world was made with `secondSource`. */
  prices2?: StaticPrices;
  clock: FakeClock;
  close(): Promise<void>;
}

/** Solana (LiteSVM) and Jupiter fakes with SOL, USDC, JUP, BONK, WIF priced; an app wired to them. */
export async function tradingWorld(
  opts: {
    env?: Record<string, string>;
    trading?: TradingOverrides;
    world?: SwapWorld;
    clock?: FakeClock;
    treasury?: TreasurySettings;
    secondSource?: boolean;
    /** More tokens the stub token search knows (not built in: TOKEN_SAFETY judges them). */
    listed?: Token[];
    withdrawals?: WithdrawalOverrides;
    log?: Logger;
    /** An open database shared with other apps (two processes on one database). */
    db?: Db;
  } = {},
): Promise<TradingWorld> {
  const world = opts.world ?? (await startSwapWorld());
  if (!opts.world) {
    world.sol.createMint(6, undefined, { address: MINTS.JUP });
    world.sol.createMint(5, undefined, { address: MINTS.BONK });
    world.sol.createMint(6, undefined, { address: MINTS.WIF });
    world.sol.createMint(8, undefined, { address: MINTS.WBTC });
    for (const s of ["JUP", "BONK", "WIF", "WBTC"] as const) world.jup.setPrice(MINTS[s], USD[s]!);
  }
  const clock = opts.clock ?? new FakeClock(awayFromMidnight(Date.now()));
  const prices = new StaticPrices(clock);
  const prices2 = opts.secondSource ? new StaticPrices(clock, { ...USD }, "static2") : undefined;
  const app = await makeTestApp({
    clock,
    env: {
      JUPITER_API_ROOT: world.jup.url,
      SOLANA_RPC_URL: world.sol.url,
      SOLANA_WS_URL: world.sol.wsUrl,
      PRICE_CACHE_TTL_MS: "0",
      ...opts.env,
    },
    market: {
      live: prices2 ? [prices, prices2] : [prices],
      replay: null,
      search: { search: async (q: string) => [...SEARCHABLE, ...(opts.listed ?? [])].filter((t) => t.mint === q || t.symbol.toLowerCase() === q.toLowerCase()) },
    },
    trading: { confirmWaitMs: 15_000, pollMs: 50, ...opts.trading },
    ...(opts.treasury ? { treasury: opts.treasury } : {}),
    ...(opts.withdrawals ? { withdrawals: opts.withdrawals } : {}),
    ...(opts.log ? { log: opts.log } : {}),
    ...(opts.db ? { db: opts.db } : {}),
  });
  return {
    app,
    world,
    prices,
    ...(prices2 ? { prices2 } : {}),
    clock,
    close: async () => {
      await app.close();
      if (!opts.world) await world.close();
    },
  };
}

export const buttonsOf = (r: { replies: Array<{ buttons?: Array<Array<{ label: string; action: string }>> }> }) =>
  r.replies.flatMap((x) => x.buttons ?? []).flat();
export const press = (r: Parameters<typeof buttonsOf>[0], label: RegExp) => {
  const b = buttonsOf(r).find((x) => label.test(x.label));
  if (!b) throw new Error(`no button ${label}`);
  return b.action;
};

/**
 * Now, moved (by at most 4 h) to between 04:00 and 20:00 UTC: a test that advances the clock an hour or
 * two must not cross a UTC day, or "today" (the daily caps, the treasury's daily-loss breaker) would
 * restart under it only when CI happens to run near midnight.
 */
export function awayFromMidnight(now: number): number {
  const HOUR = 3_600_000;
  const intoDay = now % (24 * HOUR);
  const day = now - intoDay;
  if (intoDay < 4 * HOUR) return day + 4 * HOUR;
  if (intoDay >= 20 * HOUR) return day + 20 * HOUR;
  return now;
}
