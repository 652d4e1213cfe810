import { z } from "zod";
import type { PriceQuote } from "../../core/domain/price.js";
import type { Token } from "../../core/domain/token.js";
import type { PriceSource } from "../../core/ports/price-source.port.js";
import { JsonApi } from "./json-api.js";
import { resolveResilience, type Resilience, type ResilienceOptions } from "./resilience.js";

/** Feed ids per request; the URL stays well under common limits. */
export const PYTH_HERMES_CHUNK = 50;
/** The public Hermes allows 30 requests per 10 s per IP, then 429s for 60 s: stay well under. */
export const PYTH_HERMES_RATE_PER_SEC = 2;

export interface PythHermesSourceOptions {
  /** Hermes root without trailing slash, e.g. https://hermes.pyth.network. */
  root: string;
  /** Extra request headers (a provider's API key header). Never shown in errors. */
  headers?: Record<string, string>;
  resilience?: Resilience | Partial<ResilienceOptions>;
}

/** Feed ids are compared lowercase, without 0x: Hermes answers them that way. */
export const normalizeFeedId = (id: string) => id.trim().toLowerCase().replace(/^0x/, "");

const mantissaSchema = z.union([z.string().regex(/^-?\d+$/), z.number().int()]);
const intSchema = z.number().int();
/** Only the id has to make sense for an entry to count: without it the entry belongs to no feed. */
const feedSchema = z.looseObject({ id: z.string(), price: z.unknown() });
const responseSchema = z.looseObject({ parsed: z.array(z.unknown()) });

/**
 * One feed's price. A garbled price or expo gives `usd: NaN` and a garbled publish_time gives
 * `at: NaN`, so the market service rejects the quote ("nan" or "stale") and counts it.
 */
function readPrice(raw: unknown): { usd: number; at: number } {
  const p: Record<string, unknown> = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>) : {};
  const price = mantissaSchema.safeParse(p.price);
  const expo = intSchema.safeParse(p.expo);
  const time = intSchema.safeParse(p.publish_time);
  return {
    usd: price.success && expo.success ? pythToNumber(price.data, expo.data) : NaN,
    at: time.success ? time.data * 1000 : NaN,
  };
}

/**
 * `price * 10^expo` computed by parsing the decimal "<price>e<expo>", which yields the double
 * nearest the exact decimal value (multiplying by a power of ten can add rounding noise).
 */
export function pythToNumber(price: string | number, expo: number): number {
  return Number(`${String(price)}e${expo}`);
}

/**
 * Live USD prices from Pyth Hermes: `GET {root}/v2/updates/price/latest?ids[]=..&parsed=true`.
 * Only tokens with a `pythFeedId` are asked for; `at` is the feed's own publish_time so that
 * staleness can be judged downstream. `ignore_invalid_price_ids=true` keeps one unknown feed
 * from failing the whole batch (Hermes would answer 404 otherwise). A feed Hermes does not answer
 * is absent; a feed it answers with a garbled price is passed on as `usd: NaN` (never dropped
 * silently) so that the market service rejects and counts it, then asks the next source.
 */
export class PythHermesSource implements PriceSource {
  readonly name = "pyth";
  readonly kind = "live" as const;
  private readonly api: JsonApi;

  constructor(opts: PythHermesSourceOptions) {
    const resilience = resolveResilience(opts.resilience, { name: "pyth", ratePerSec: PYTH_HERMES_RATE_PER_SEC });
    this.api = new JsonApi(this.name, opts.root, { ...(opts.headers ?? {}) }, resilience);
  }

  async getPrices(tokens: readonly Token[]): Promise<Map<string, PriceQuote>> {
    const byFeed = new Map<string, string[]>();
    for (const t of tokens) {
      if (!t.pythFeedId) continue;
      const feed = normalizeFeedId(t.pythFeedId);
      const mints = byFeed.get(feed) ?? [];
      if (!mints.includes(t.mint)) mints.push(t.mint);
      byFeed.set(feed, mints);
    }
    const out = new Map<string, PriceQuote>();
    const feeds = [...byFeed.keys()];
    if (feeds.length === 0) return out;
    const chunks: string[][] = [];
    for (let i = 0; i < feeds.length; i += PYTH_HERMES_CHUNK) chunks.push(feeds.slice(i, i + PYTH_HERMES_CHUNK));
    const results = await Promise.all(chunks.map((c) => this.fetchChunk(c)));
    for (const prices of results) {
      for (const [feed, { usd, at }] of prices) {
        for (const mint of byFeed.get(feed) ?? []) out.set(mint, { mint, usd, source: this.name, at });
      }
    }
    return out;
  }

  private async fetchChunk(feeds: readonly string[]): Promise<Map<string, { usd: number; at: number }>> {
    const body = await this.api.getShaped("/v2/updates/price/latest", responseSchema, (q) => {
      for (const f of feeds) q.append("ids[]", f);
      q.set("parsed", "true");
      q.set("ignore_invalid_price_ids", "true");
    });
    const wanted = new Set(feeds);
    const out = new Map<string, { usd: number; at: number }>();
    for (const raw of body.parsed) {
      const feed = feedSchema.safeParse(raw);
      if (!feed.success) continue;
      const id = normalizeFeedId(feed.data.id);
      if (!wanted.has(id)) continue;
      const q = readPrice(feed.data.price);
      // The same feed twice: a usable price is not replaced by a garbled one.
      if (!Number.isFinite(q.usd) && out.has(id)) continue;
      out.set(id, q);
    }
    return out;
  }
}
