import { BUILTIN_TOKENS } from "../domain/builtin-tokens.js";
import type { MarketService } from "./market.service.js";
import type { PortfolioService } from "./portfolio.service.js";
import type { TokenRegistry } from "./token-registry.service.js";

/**
 * Data for answering a question: prices of the tokens it mentions (SOL by default) and the user's own
 * portfolio summary. It is handed to the model inside <data>, as data, never as instructions.
 */
export async function llmContext(market: MarketService, tokens: TokenRegistry, portfolio: PortfolioService, userId: string, text: string) {
  const words = new Set(text.toUpperCase().match(/[A-Z]{2,10}/g) ?? []);
  const mentioned = BUILTIN_TOKENS.filter((t) => words.has(t.symbol)).slice(0, 6);
  const list = mentioned.length ? mentioned : [tokens.builtin("SOL")!];
  const quotes = await market.getPrices(list).catch(() => new Map());
  const prices: Record<string, unknown> = {};
  for (const t of list) {
    const q = quotes.get(t.mint);
    if (q) prices[t.symbol] = { usd: q.usd, change24hPct: q.change24hPct, source: q.source, replay: q.replay ?? false, at: new Date(q.at).toISOString() };
  }
  const sections = await portfolio.summary(userId).catch(() => []);
  return {
    prices,
    portfolio: sections.map((s) => ({
      title: s.title,
      totalUsd: Math.round(s.totalUsd * 100) / 100,
      holdings: s.holdings.slice(0, 10).map((h) => ({ symbol: h.token.symbol, usd: h.usd !== undefined ? Math.round(h.usd * 100) / 100 : null })),
    })),
  };
}
