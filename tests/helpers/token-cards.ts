/**
 * Fakes of the token-card and settings ports (issue 18) for command and router tests: cards assembled
 * from a few facts per mint, settings kept in a map over the defaults. The real services are tested
 * on their own (token-card.service, the settings store); these exercise what the commands do with them.
 */
import type { TokenCard, TokenMarketInfo } from "../../core/domain/token-card.js";
import type { SafetyFlag, SafetyReport } from "../../core/domain/token-safety.js";
import { looksLikeMint } from "../../core/domain/token.js";
import { DEFAULT_USER_SETTINGS, type UserSettings } from "../../core/domain/user-settings.js";
import { UserError } from "../../core/errors.js";
import type { Clock } from "../../core/ports/clock.port.js";
import type { TokenCardsPort } from "../../core/ports/token-safety.port.js";
import type { TokensPort } from "../../core/ports/tokens.port.js";
import type { SettingsPort } from "../../core/ports/user-settings.port.js";

export const FLAGS = {
  freeze: { code: "freeze_authority", severity: "red", title: "Freeze authority present", meaning: "the issuer can freeze your tokens so you cannot sell them" },
  mint: { code: "mint_authority", severity: "red", title: "Mint authority present", meaning: "the issuer can mint more tokens and dilute what you hold" },
  fee: { code: "transfer_fee", severity: "warn", title: "Transfer fee 2.50%", meaning: "every transfer, your buy and your sell included, pays this fee" },
  holders: { code: "top_holders", severity: "red", title: "Top 10 holders own 90.0%", meaning: "a few wallets can dump on the price at once" },
  other: { code: "other_extensions", severity: "info", title: "Other extensions: metadata pointer", meaning: "these change nothing for a holder" },
} satisfies Record<string, SafetyFlag>;

export const ISSUER = "Cr6j1xvuexsRAkdPk3AGpzP7Z2GZHwb3S7QdMmR9pQTb";

/** A safety report: authorities revoked (unless named), 12% in the top 10, 40 days old, unless told otherwise. */
export function safetyReport(
  mint: string,
  now: number,
  over: Partial<SafetyReport> & { feeBps?: number; mintAuthority?: string; freezeAuthority?: string } = {},
): SafetyReport {
  const { feeBps, mintAuthority, freezeAuthority, ...rest } = over;
  return {
    mint,
    facts: {
      mint: {
        mint,
        program: feeBps ? "token-2022" : "spl-token",
        decimals: 6,
        supply: 1_000_000_000_000n,
        mintAuthority: mintAuthority ?? null,
        freezeAuthority: freezeAuthority ?? null,
        extensions: feeBps ? { transferFee: { bps: feeBps, maxFee: 5_000_000n } } : {},
      },
      holders: { supply: 1_000_000_000_000n, largest: [] },
      age: { firstSeenAt: now - 40 * 86_400_000, atLeast: false },
    },
    top10Pct: 12,
    flags: [],
    missing: [],
    checkedAt: now,
    ...rest,
  };
}

export function marketInfo(mint: string, symbol: string, over: Partial<TokenMarketInfo> = {}): TokenMarketInfo {
  return {
    mint,
    name: `${symbol} Token`,
    symbol,
    decimals: 6,
    priceUsd: 0.5,
    priceChange24hPct: 3.25,
    liquidityUsd: 12_340_000,
    mcapUsd: 1_500_000_000,
    fdvUsd: 2_000_000_000,
    volume24hUsd: 45_600_000,
    holderCount: 812_345,
    verified: true,
    organicScore: 92,
    organicLabel: "high",
    tags: ["verified", "strict"],
    createdAt: null,
    ...over,
  };
}

/** What the fake knows about a mint; a missing part makes the card partial. */
export interface FakeCardSpec {
  market?: TokenMarketInfo | null;
  price?: { usd: number; source: string; ageMs: number } | null;
  safety?: SafetyReport | null;
}

/** TokenCardsPort over fixed specs; symbols resolve through the app's token registry. */
export class FakeTokenCards implements TokenCardsPort {
  readonly specs = new Map<string, FakeCardSpec>();
  readonly calls: string[] = [];
  /** DEX pools by address: a pasted pool gives its token's card, saying which pool (as the card service does). */
  readonly pools = new Map<string, { mint: string; dex: string }>();
  constructor(
    private readonly tokens: TokensPort,
    private readonly clock: Clock,
  ) {}

  set(mint: string, spec: FakeCardSpec): this {
    this.specs.set(mint, spec);
    return this;
  }

  async card(query: string): Promise<TokenCard> {
    this.calls.push(query);
    const pool = this.pools.get(query);
    if (pool) return { ...(await this.cardOf(pool.mint)), pool: { address: query, dex: pool.dex } };
    return this.cardOf(query);
  }

  private async cardOf(query: string): Promise<TokenCard> {
    const token = looksLikeMint(query) ? await this.tokens.resolve(query).catch(() => null) : await this.tokens.resolve(query);
    const mint = token?.mint ?? query;
    const spec = this.specs.get(mint);
    if (!spec) throw new UserError("unknown_token", `I don't know a token called ${query.slice(0, 12)}.`);
    const partial: TokenCard["partial"] = [];
    if (spec.market === null) partial.push("market");
    if (spec.price === null) partial.push("price");
    // as the card service does: a safety report with checks missing makes the card partial too
    if (spec.safety === null || spec.safety?.missing.length) partial.push("safety");
    return {
      mint,
      token,
      market: spec.market ?? null,
      price: spec.price ?? null,
      safety: spec.safety ?? null,
      partial,
      builtAt: this.clock.now(),
    };
  }

  async safety(mint: string): Promise<SafetyReport> {
    const s = this.specs.get(mint)?.safety;
    if (!s) throw new UserError("bad_token", "No safety report.");
    return s;
  }
}

/** SettingsPort in memory: what a user changed, over the defaults (no caps: the real port clamps). */
export class FakeSettings implements SettingsPort {
  private readonly stored = new Map<string, Partial<UserSettings>>();

  async get(userId: string): Promise<UserSettings> {
    return { ...DEFAULT_USER_SETTINGS, ...this.stored.get(userId) };
  }
  async update(userId: string, patch: Partial<UserSettings>): Promise<UserSettings> {
    this.stored.set(userId, { ...this.stored.get(userId), ...patch });
    return this.get(userId);
  }
  async reset(userId: string): Promise<UserSettings> {
    this.stored.delete(userId);
    return this.get(userId);
  }
}
