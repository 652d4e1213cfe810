import { z } from "zod";
import type { PriceQuote } from "../../core/domain/price.js";
import type { Token } from "../../core/domain/token.js";
import type { Clock } from "../../core/ports/clock.port.js";
import type { PriceSource } from "../../core/ports/price-source.port.js";
import { JsonApi } from "./json-api.js";
import { resolveResilience, type Resilience, type ResilienceOptions } from "./resilience.js";

/** Jupiter's Price API v3 answers at most this many ids per request. */
export const JUPITER_PRICE_CHUNK = 50;
/** Keyless Jupiter allows roughly one request a second; keyed tiers start at 10/s. */
export const JUPITER_KEYLESS_RATE_PER_SEC = 1;
export const JUPITER_KEYED_RATE_PER_SEC = 10;

export interface JupiterPriceSourceOptions {
  /** API root without trailing slash, e.g. https://lite-api.jup.ag or https://api.jup.ag. */
  root: string;
  /** Sent as `x-api-key` when set. */
  apiKey?: string;
  clock: Clock;
  /**
   * A Resilience shared with the other Jupiter adapters (one bucket for all endpoints), or
   * options for a private one. Default: 1 request/s keyless, 10/s keyed.
   */
  resilience?: Resilience | Partial<ResilienceOptions>;
}

/** Jupiter defaults for a Resilience, keyed or not; exported so a composition root can share one. */
export function jupiterResilienceDefaults(apiKey?: string): ResilienceOptions {
  return { name: "jupiter", ratePerSec: apiKey ? JUPITER_KEYED_RATE_PER_SEC : JUPITER_KEYLESS_RATE_PER_SEC };
}

// The whole answer: an object keyed by mint. Entries are read one by one so that one odd
// entry never costs the others.
const responseSchema = z.record(z.string(), z.unknown());
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Live USD prices from Jupiter Price API v3: `GET {root}/price/v3?ids=a,b,c`.
 * All ids go in one request (chunked at 50). `at` is our fetch time: v3 carries no timestamp.
 * Prices are passed through as given (0 and negatives included: the market service judges
 * them). A mint the answer leaves out (or answers with null) has no price and is absent. An
 * entry that is there but carries no usable usdPrice (a string such as "NaN", null, a missing
 * field, an entry that is not an object) comes back as a quote with `usd: NaN`: never invented,
 * never silently dropped, so the market service rejects it, counts it ("nan") and asks the next
 * source.
 */
export class JupiterPriceSource implements PriceSource {
  readonly name = "jupiter";
  readonly kind = "live" as const;
  private readonly api: JsonApi;

  constructor(private readonly opts: JupiterPriceSourceOptions) {
    const headers: Record<string, string> = opts.apiKey ? { "x-api-key": opts.apiKey } : {};
    this.api = new JsonApi(this.name, opts.root, headers, resolveResilience(opts.resilience, jupiterResilienceDefaults(opts.apiKey)));
  }

  async getPrices(tokens: readonly Token[]): Promise<Map<string, PriceQuote>> {
    const mints = [...new Set(tokens.map((t) => t.mint))];
    const out = new Map<string, PriceQuote>();
    if (mints.length === 0) return out;
    const chunks: string[][] = [];
    for (let i = 0; i < mints.length; i += JUPITER_PRICE_CHUNK) chunks.push(mints.slice(i, i + JUPITER_PRICE_CHUNK));
    // Chunks go out together; the shared rate limiter spaces them. One failed chunk fails the
    // call (the caller fails over) rather than returning a silently partial answer.
    const results = await Promise.all(chunks.map((c) => this.fetchChunk(c)));
    for (const r of results) for (const [mint, q] of r) out.set(mint, q);
    return out;
  }

  private async fetchChunk(mints: readonly string[]): Promise<Map<string, PriceQuote>> {
    const body = await this.api.getShaped("/price/v3", responseSchema, (q) => q.set("ids", mints.join(",")));
    const at = this.opts.clock.now();
    const out = new Map<string, PriceQuote>();
    for (const mint of mints) {
      const raw = Object.hasOwn(body, mint) ? body[mint] : undefined;
      if (raw === undefined || raw === null) continue;
      const entry: Record<string, unknown> = isRecord(raw) ? raw : {};
      const usd = typeof entry.usdPrice === "number" ? entry.usdPrice : NaN;
      const q: PriceQuote = { mint, usd, source: this.name, at };
      const change = entry.priceChange24h;
      if (typeof change === "number" && Number.isFinite(change)) q.change24hPct = change;
      out.set(mint, q);
    }
    return out;
  }
}
