import { microToUsd, type Position } from "../domain/order.js";
import type { PriceQuote } from "../domain/price.js";
import { shortMint, type Token } from "../domain/token.js";
import { unitsToUsd } from "../domain/money.js";
import type { Clock } from "../ports/clock.port.js";
import type { Logger } from "../ports/logger.port.js";
import type { BookStore, WalletStore } from "../ports/orders.port.js";
import type { Holding, PortfolioPort, PortfolioSection } from "../ports/portfolio.port.js";
import type { Chain } from "../ports/trading.port.js";
import type { MarketService } from "./market.service.js";
import type { TokenRegistry } from "./token-registry.service.js";
import { SOL_MINT, type TradingService } from "./trading.service.js";

export type { Holding, PortfolioSection } from "../ports/portfolio.port.js";

const MAX_HOLDINGS = 30;

/** Holdings with USD values (source and age kept), allocation and PnL against cost basis. */
export class PortfolioService implements PortfolioPort {
  constructor(
    private readonly d: {
      trading: TradingService;
      books: BookStore;
      wallets: WalletStore;
      chain?: Chain;
      market: MarketService;
      tokens: TokenRegistry;
      clock: Clock;
      log: Logger;
    },
  ) {}

  async summary(userId: string): Promise<PortfolioSection[]> {
    const out: PortfolioSection[] = [];
    const wallets = await this.d.wallets.list(userId);
    if (this.d.trading.mode === "paper") {
      await this.d.trading.ensurePaper(userId);
      out.push(await this.bookSection(userId, "paper", "Paper account", await this.d.books.positions(userId, "paper")));
    }
    for (const w of wallets) {
      const title = `${w.kind === "custodial" ? "Wallet" : "Watched"} ${shortMint(w.address)}`;
      const trading = this.d.trading.mode === "live" && w.kind === "custodial";
      out.push(await this.walletSection(userId, w.address, title, trading));
    }
    for (const s of out) {
      if (s.book && s.unpriced === 0) await this.d.books.snapshot(userId, s.book, this.d.clock.now(), s.totalUsd).catch(() => undefined);
    }
    return out;
  }

  private async bookSection(userId: string, book: string, title: string, positions: Position[]): Promise<PortfolioSection> {
    const holdings: Holding[] = [];
    for (const p of positions) {
      const token = await this.token(p.mint);
      holdings.push({ token, amount: p.amount, costUsd: microToUsd(p.costMicro) });
    }
    const s = await this.price({ title, book, holdings, totalUsd: 0, unpriced: 0 });
    s.realizedUsd = microToUsd(await this.d.books.realizedMicro(userId, book));
    return s;
  }

  private async walletSection(userId: string, address: string, title: string, trading: boolean): Promise<PortfolioSection> {
    if (!this.d.chain) return { title, address, holdings: [], totalUsd: 0, unpriced: 0, error: "no Solana connection" };
    let bal: Awaited<ReturnType<Chain["balances"]>>;
    try {
      bal = await this.d.chain.balances(address);
    } catch (err) {
      this.d.log.warn({ err }, "balances failed");
      return { title, address, holdings: [], totalUsd: 0, unpriced: 0, error: "balances are unavailable right now" };
    }
    const cost = trading ? new Map((await this.d.books.positions(userId, address)).map((p) => [p.mint, p])) : new Map<string, Position>();
    const holdings: Holding[] = [];
    if (bal.lamports > 0n) holdings.push({ token: (await this.token(SOL_MINT))!, amount: bal.lamports });
    for (const t of bal.tokens.slice(0, MAX_HOLDINGS)) {
      holdings.push({ token: await this.token(t.mint, t.decimals), amount: t.amount });
    }
    for (const h of holdings) {
      const p = cost.get(h.token.mint);
      if (p && p.amount > 0n) h.costUsd = microToUsd((p.costMicro * (h.amount < p.amount ? h.amount : p.amount)) / p.amount);
    }
    const s = await this.price({ title, address, holdings, totalUsd: 0, unpriced: 0, ...(trading ? { book: address } : {}) });
    if (trading) s.realizedUsd = microToUsd(await this.d.books.realizedMicro(userId, address));
    return s;
  }

  private async price(s: PortfolioSection): Promise<PortfolioSection> {
    const known = s.holdings.filter((h) => h.token.decimals >= 0);
    const quotes = await this.d.market.getPrices(known.map((h) => h.token)).catch(() => new Map<string, PriceQuote>());
    let unrealized = 0;
    let withCost = false;
    for (const h of s.holdings) {
      const q = quotes.get(h.token.mint);
      if (!q) {
        s.unpriced++;
        continue;
      }
      h.quote = q;
      h.usd = unitsToUsd(h.amount, h.token.decimals, q.usd);
      s.totalUsd += h.usd;
      if (h.costUsd !== undefined) {
        unrealized += h.usd - h.costUsd;
        withCost = true;
      }
    }
    s.holdings.sort((a, b) => (b.usd ?? -1) - (a.usd ?? -1));
    if (withCost) s.unrealizedUsd = unrealized;
    return s;
  }

  private async token(mint: string, decimals?: number): Promise<Token> {
    const t = this.d.tokens.builtin(mint) ?? (await this.d.tokens.resolve(mint).catch(() => undefined));
    return t ?? { symbol: shortMint(mint), name: "unknown token", mint, decimals: decimals ?? 0, verified: false };
  }

  /** Total USD value of everything shown in /balance (undefined when any holding has no price). */
  async value(userId: string): Promise<number | undefined> {
    const sections = await this.summary(userId);
    if (sections.some((s) => s.unpriced > 0 || s.error)) return undefined;
    return sections.reduce((a, s) => a + s.totalUsd, 0);
  }

  /**
   * The periodic snapshot behind /pnl's value over time: every user with a book is valued (which
   * records a snapshot of each fully priced book), a page at a time. One user failing (an RPC
   * error on a wallet) does not stop the others. Returns how many users were valued.
   */
  async snapshotAll(pageSize = 200): Promise<number> {
    let after: string | null = null;
    let n = 0;
    for (;;) {
      const page = await this.d.books.owners(after, pageSize);
      for (const userId of page) {
        await this.summary(userId).then(
          () => n++,
          (err: unknown) => this.d.log.warn({ err, userId }, "portfolio snapshot failed"),
        );
      }
      if (page.length < pageSize) return n;
      after = page[page.length - 1]!;
    }
  }

  /** Value over time for /pnl: snapshots of the trading book. */
  async history(userId: string, sinceMs: number) {
    const book = this.d.trading.mode === "paper" ? "paper" : (await this.d.trading.book(userId)).book;
    return { book, points: await this.d.books.snapshots(userId, book, sinceMs) };
  }
}
