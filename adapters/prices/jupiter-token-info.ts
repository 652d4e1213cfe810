import { z } from "zod";
import type { TokenMarketInfo } from "../../core/domain/token-card.js";
import { looksLikeMint } from "../../core/domain/token.js";
import type { TokenInfoSource } from "../../core/ports/token-safety.port.js";
import { JsonApi } from "./json-api.js";
import { jupiterResilienceDefaults } from "./jupiter-price.js";
import type { JupiterTokenSearch } from "./jupiter-tokens.js";
import { resolveResilience, type Resilience, type ResilienceOptions } from "./resilience.js";

export interface JupiterTokenInfoOptions {
  /** API root without trailing slash, e.g. https://lite-api.jup.ag or https://api.jup.ag. */
  root: string;
  /** Sent as `x-api-key` when set. */
  apiKey?: string;
  /** Pass the Resilience shared by the other Jupiter adapters: Jupiter has one rate bucket for all its endpoints. */
  resilience?: Resilience | Partial<ResilienceOptions>;
  /**
   * The token search to ask through (same endpoint, same query): a card's market info and the registry's
   * lookup of the same mint then share one request instead of spending two of Jupiter's rate bucket.
   */
  search?: Pick<JupiterTokenSearch, "entries">;
}

const MAX_TAGS = 20;
const text = (max: number) =>
  z
    .string()
    .transform((s) => s.replace(/[\u0000-\u001f\u007f\s]+/g, " ").trim())
    .pipe(z.string().min(1).max(max))
    .nullable()
    .catch(null);
const nonNegative = z.number().min(0).nullable().catch(null);
const finite = z.number().nullable().catch(null);

// Every field is read on its own: a wrong field becomes null and costs nothing else.
const entrySchema = z.object({
  name: text(100),
  symbol: text(32),
  decimals: z.number().int().min(0).max(255).nullable().catch(null),
  usdPrice: z.number().positive().nullable().catch(null),
  liquidity: nonNegative,
  mcap: nonNegative,
  fdv: nonNegative,
  holderCount: z.number().int().min(0).nullable().catch(null),
  isVerified: z.boolean().nullable().catch(null),
  organicScore: z.number().min(0).max(100).nullable().catch(null),
  organicScoreLabel: z.enum(["high", "medium", "low"]).nullable().catch(null),
  tags: z.array(z.unknown()).catch([]),
  stats24h: z
    .object({ priceChange: finite, buyVolume: nonNegative, sellVolume: nonNegative })
    .nullable()
    .catch(null),
  firstPool: z.object({ createdAt: z.string().nullable().catch(null) }).nullable().catch(null),
});

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function tagsOf(raw: unknown[]): string[] {
  return raw.filter((t): t is string => typeof t === "string" && t.length > 0 && t.length <= 40).slice(0, MAX_TAGS);
}

function timeOf(iso: string | null | undefined): number | null {
  if (!iso) return null;
  const at = Date.parse(iso);
  return Number.isFinite(at) ? at : null;
}

/**
 * Jupiter's token API for the card: `GET {root}/tokens/v2/search?query=<mint>`, the entry whose `id`
 * is the mint. Undefined when Jupiter does not know the mint; RemoteError when the API fails or
 * answers with something that is not a list. Anything odd inside the entry is read as unknown (null).
 */
export class JupiterTokenInfo implements TokenInfoSource {
  readonly name = "jupiter";
  private readonly api: JsonApi;
  private readonly search: Pick<JupiterTokenSearch, "entries"> | undefined;

  constructor(opts: JupiterTokenInfoOptions) {
    const headers: Record<string, string> = opts.apiKey ? { "x-api-key": opts.apiKey } : {};
    this.api = new JsonApi(this.name, opts.root, headers, resolveResilience(opts.resilience, jupiterResilienceDefaults(opts.apiKey)));
    this.search = opts.search;
  }

  async info(mint: string): Promise<TokenMarketInfo | undefined> {
    if (!looksLikeMint(mint)) return undefined;
    const body = this.search
      ? await this.search.entries(mint)
      : await this.api.getShaped("/tokens/v2/search", z.array(z.unknown()), (params) => params.set("query", mint));
    const raw = body.find((e) => isRecord(e) && e.id === mint);
    if (!raw) return undefined;
    const parsed = entrySchema.safeParse(raw);
    if (!parsed.success) return undefined; // cannot happen: every field falls back to null
    const e = parsed.data;
    const tags = tagsOf(e.tags);
    const buy = e.stats24h?.buyVolume ?? null;
    const sell = e.stats24h?.sellVolume ?? null;
    return {
      mint,
      name: e.name,
      symbol: e.symbol,
      decimals: e.decimals,
      priceUsd: e.usdPrice,
      priceChange24hPct: e.stats24h?.priceChange ?? null,
      liquidityUsd: e.liquidity,
      mcapUsd: e.mcap,
      fdvUsd: e.fdv,
      volume24hUsd: buy !== null && sell !== null ? buy + sell : null,
      holderCount: e.holderCount,
      verified: e.isVerified ?? (tags.includes("verified") ? true : null),
      organicScore: e.organicScore,
      organicLabel: e.organicScoreLabel,
      tags,
      createdAt: timeOf(e.firstPool?.createdAt),
    };
  }
}
