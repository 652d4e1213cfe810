import { LRUCache } from "lru-cache";
import { z } from "zod";
import { looksLikeMint, type Token } from "../../core/domain/token.js";
import type { TokenSearch } from "../../core/ports/token-search.port.js";
import { JsonApi } from "./json-api.js";
import { jupiterResilienceDefaults } from "./jupiter-price.js";
import { resolveResilience, type Resilience, type ResilienceOptions } from "./resilience.js";

export interface JupiterTokenSearchOptions {
  /** API root without trailing slash, e.g. https://lite-api.jup.ag or https://api.jup.ag. */
  root: string;
  /** Sent as `x-api-key` when set. */
  apiKey?: string;
  /**
   * Pass the Resilience of the JupiterPriceSource: Jupiter has one rate bucket for all its
   * endpoints. Options create a private one (1 request/s keyless, 10/s keyed).
   */
  resilience?: Resilience | Partial<ResilienceOptions>;
}

const MAX_QUERY_CHARS = 100;
/** How long one search's answer is shared with asks for the same query (one card's lookups, not a cache). */
const SHARE_MS = 3_000;

const entrySchema = z.looseObject({
  id: z.string().refine(looksLikeMint),
  symbol: z.string().trim().min(1).max(32),
  name: z.string().trim().max(100).optional(),
  decimals: z.number().int().min(0).max(255),
  isVerified: z.boolean().nullish(),
  tags: z.array(z.unknown()).nullish(),
});

/**
 * Jupiter token search: `GET {root}/tokens/v2/search?query=<q>` -> Token[].
 * Extra fields are ignored; malformed entries are skipped; duplicates (same mint) keep the first.
 * `verified` is Jupiter's isVerified (or a "verified" tag when isVerified is absent).
 */
export class JupiterTokenSearch implements TokenSearch {
  readonly name = "jupiter";
  private readonly api: JsonApi;
  /** Searches under way or just answered, by query: a second ask for the same query shares the first's request. */
  private readonly recent = new LRUCache<string, Promise<unknown[]>>({ max: 500, ttl: SHARE_MS });

  constructor(opts: JupiterTokenSearchOptions) {
    const headers: Record<string, string> = opts.apiKey ? { "x-api-key": opts.apiKey } : {};
    this.api = new JsonApi(this.name, opts.root, headers, resolveResilience(opts.resilience, jupiterResilienceDefaults(opts.apiKey)));
  }

  /**
   * The search's raw entries (a list; anything else is an "unexpected shape"). Asks for one query made
   * while its request is under way, or within SHARE_MS of its answer, share that request: a token card
   * looks a pasted mint up here twice at once (the registry resolving it, the card's market info), and
   * on Jupiter's keyless 1 request/s bucket the second request pushed the card's price past its
   * deadline. A failed search is not shared: the next ask tries again.
   */
  entries(query: string): Promise<unknown[]> {
    const q = query.trim().slice(0, MAX_QUERY_CHARS);
    if (q === "") return Promise.resolve([]);
    const shared = this.recent.get(q);
    if (shared) return shared;
    const request = this.api.getShaped("/tokens/v2/search", z.array(z.unknown()), (params) => params.set("query", q));
    this.recent.set(q, request);
    request.catch(() => {
      if (this.recent.get(q) === request) this.recent.delete(q);
    });
    return request;
  }

  async search(query: string): Promise<Token[]> {
    const body = await this.entries(query);
    const seen = new Set<string>();
    const tokens: Token[] = [];
    for (const raw of body) {
      const e = entrySchema.safeParse(raw);
      if (!e.success || seen.has(e.data.id)) continue;
      seen.add(e.data.id);
      const verified =
        typeof e.data.isVerified === "boolean" ? e.data.isVerified : (e.data.tags ?? []).includes("verified");
      tokens.push({
        symbol: e.data.symbol,
        name: e.data.name || e.data.symbol,
        mint: e.data.id,
        decimals: e.data.decimals,
        verified,
      });
    }
    return tokens;
  }
}
