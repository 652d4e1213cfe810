import { isSolanaAddress } from "../domain/base58.js";
import { BUILTIN_TOKENS } from "../domain/builtin-tokens.js";
import type { TokenCard } from "../domain/token-card.js";
import type { TokenCardsPort } from "../ports/token-safety.port.js";
import type { MarketService } from "./market.service.js";
import type { PortfolioService } from "./portfolio.service.js";
import type { TokenRegistry } from "./token-registry.service.js";

/**
 * Data for answering a question: prices of the tokens it mentions (SOL by default) and the user's own
 * portfolio summary; with token cards wired, the cards (safety section included) of the mints it names
 * and, when it asks about safety, of the tokens it names. It is handed to the model inside <data>, as
 * data, never as instructions.
 */
export async function llmContext(market: MarketService, tokens: TokenRegistry, portfolio: PortfolioService, userId: string, text: string, cards?: TokenCardsPort) {
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
  const asked = cards ? await cardsAsked(cards, text, mentioned.map((t) => t.mint)) : [];
  return {
    prices,
    ...(asked.length ? { tokenCards: asked.map(cardData) } : {}),
    portfolio: sections.map((s) => ({
      title: s.title,
      totalUsd: Math.round(s.totalUsd * 100) / 100,
      holdings: s.holdings.slice(0, 10).map((h) => ({ symbol: h.token.symbol, usd: h.usd !== undefined ? Math.round(h.usd * 100) / 100 : null })),
    })),
  };
}

const SAFETY_WORDS = /\b(safe|safety|rug|rugs|rugged|scam|honeypot|risk|risky|legit|flags?|authority|holders?)\b/i;

/** The cards a question is about: mints it names (at most 2), and named tokens when it asks about safety. */
async function cardsAsked(cards: TokenCardsPort, text: string, mentionedMints: string[]): Promise<TokenCard[]> {
  const mints = (text.match(/[1-9A-HJ-NP-Za-km-z]{32,44}/g) ?? []).filter(isSolanaAddress);
  if (SAFETY_WORDS.test(text)) mints.push(...mentionedMints);
  const wanted = [...new Set(mints)].slice(0, 2);
  const got = await Promise.all(wanted.map((m) => cards.card(m).catch(() => undefined)));
  return got.filter((c): c is TokenCard => c !== undefined);
}

const round = (v: number | null | undefined, digits = 2) => (v === null || v === undefined || !Number.isFinite(v) ? null : Number(v.toFixed(digits)));

/**
 * A token card as data for the model: numbers and the flags' own words, nothing rendered. Names and
 * symbols come from the token's issuer: they are data like everything else inside <data>.
 */
export function cardData(card: TokenCard) {
  const m = card.market;
  const s = card.safety;
  const mint = s?.facts.mint;
  return {
    mint: card.mint,
    symbol: (card.token?.symbol ?? m?.symbol ?? null)?.slice(0, 20) ?? null,
    name: (card.token?.name ?? m?.name ?? null)?.slice(0, 60) ?? null,
    priceUsd: card.price?.usd ?? null,
    priceSource: card.price?.source ?? null,
    priceAgeS: card.price ? Math.round(card.price.ageMs / 1000) : null,
    change24hPct: round(m?.priceChange24hPct),
    liquidityUsd: round(m?.liquidityUsd, 0),
    mcapUsd: round(m?.mcapUsd, 0),
    fdvUsd: round(m?.fdvUsd, 0),
    volume24hUsd: round(m?.volume24hUsd, 0),
    holders: m?.holderCount ?? null,
    verified: m?.verified ?? card.token?.verified ?? null,
    organicScore: round(m?.organicScore, 0),
    safety: s
      ? {
          flags: s.flags.map((f) => ({ severity: f.severity, title: f.title, meaning: f.meaning })),
          mintAuthority: mint ? mint.mintAuthority !== null : null,
          freezeAuthority: mint ? mint.freezeAuthority !== null : null,
          transferFeeBps: mint ? (mint.extensions.transferFee?.bps ?? 0) : null,
          top10Pct: round(s.top10Pct, 1),
          firstSeen: s.facts.age?.firstSeenAt ? new Date(s.facts.age.firstSeenAt).toISOString() : null,
          checksUnavailable: s.missing,
        }
      : "unavailable: the chain could not be read, nothing was checked",
    partial: card.partial,
  };
}
