// Tokens API V2 search entries for the safety mints (tests/fakes/solana/safety-mints.ts), with the
// field names Jupiter documents (id, name, symbol, icon, decimals, usdPrice, liquidity, mcap, fdv,
// holderCount, isVerified, organicScore, organicScoreLabel, tags, stats24h, firstPool, audit, ...).
import { SAFETY_HISTORY, SAFETY_MINTS, type SafetyMintKey } from "./solana/safety-mints.js";

interface Market {
  usdPrice: number;
  liquidity: number;
  mcap: number;
  holderCount: number;
  isVerified: boolean;
  organicScore: number;
  organicScoreLabel: "high" | "medium" | "low";
  priceChange: number;
  buyVolume: number;
  sellVolume: number;
  tags: string[];
}

/** What the fake says about each safety mint (the card's market section). */
export const SAFETY_MARKET: Readonly<Record<SafetyMintKey, Market>> = Object.freeze({
  clean: { usdPrice: 1.25, liquidity: 2_500_000, mcap: 16_050, holderCount: 80, isVerified: true, organicScore: 91.5, organicScoreLabel: "high", priceChange: 3.2, buyVolume: 410_000, sellVolume: 390_000, tags: ["verified", "community"] },
  freezable: { usdPrice: 0.042, liquidity: 85_000, mcap: 539.28, holderCount: 80, isVerified: false, organicScore: 40.1, organicScoreLabel: "medium", priceChange: -12.5, buyVolume: 12_000, sellVolume: 15_500, tags: [] },
  feeDelegate: { usdPrice: 0.0031, liquidity: 12_000, mcap: 39.8, holderCount: 80, isVerified: false, organicScore: 8.2, organicScoreLabel: "low", priceChange: 140.0, buyVolume: 52_000, sellVolume: 1_200, tags: ["token-2022"] },
  concentrated: { usdPrice: 0.000021, liquidity: 4_000, mcap: 21_000, holderCount: 8, isVerified: false, organicScore: 2.5, organicScoreLabel: "low", priceChange: 55.0, buyVolume: 9_000, sellVolume: 300, tags: [] },
  mintable: { usdPrice: 0.5, liquidity: 30_000, mcap: 6_420, holderCount: 80, isVerified: false, organicScore: 20, organicScoreLabel: "low", priceChange: 0, buyVolume: 1_000, sellVolume: 1_000, tags: [] },
  hooked: { usdPrice: 0.0001, liquidity: 900, mcap: 1.28, holderCount: 80, isVerified: false, organicScore: 0.5, organicScoreLabel: "low", priceChange: 900, buyVolume: 800, sellVolume: 0, tags: ["token-2022"] },
});

const stats = (m: Market) => ({
  priceChange: m.priceChange,
  holderChange: 0.5,
  liquidityChange: -0.2,
  volumeChange: 12.1,
  buyVolume: m.buyVolume,
  sellVolume: m.sellVolume,
  buyOrganicVolume: m.buyVolume * 0.4,
  sellOrganicVolume: m.sellVolume * 0.4,
  numBuys: 120,
  numSells: 80,
  numTraders: 150,
  numOrganicBuyers: 40,
  numNetBuyers: 12,
});

/** The entry for one safety mint; `now` dates its first pool as old as its chain history. */
export function safetySearchEntry(key: SafetyMintKey, now = Date.now()): Record<string, unknown> {
  const t = SAFETY_MINTS[key];
  const m = SAFETY_MARKET[key];
  const createdAt = new Date(now - SAFETY_HISTORY[key].days * 86_400_000).toISOString();
  return {
    id: t.mint,
    name: t.name,
    symbol: t.symbol,
    icon: `https://example.invalid/${t.symbol.toLowerCase()}.png`,
    decimals: t.decimals,
    twitter: null,
    website: null,
    dev: null,
    circSupply: 1_000_000,
    totalSupply: 1_000_000,
    tokenProgram: key === "feeDelegate" || key === "hooked" ? "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb" : "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA",
    launchpad: null,
    holderCount: m.holderCount,
    fdv: m.mcap,
    mcap: m.mcap,
    usdPrice: m.usdPrice,
    priceBlockId: 348004026,
    liquidity: m.liquidity,
    stats5m: stats(m),
    stats1h: stats(m),
    stats24h: stats(m),
    firstPool: { id: "58oQChx4yWmvKdwLLZzBi4ChoCc2fqCUWBkwMihLYQo2", createdAt },
    audit: { mintAuthorityDisabled: key !== "mintable", freezeAuthorityDisabled: key !== "freezable" && key !== "hooked", topHoldersPercentage: key === "concentrated" ? 90 : 15 },
    organicScore: m.organicScore,
    organicScoreLabel: m.organicScoreLabel,
    isVerified: m.isVerified,
    cexes: [],
    tags: m.tags,
    updatedAt: new Date(now).toISOString(),
  };
}

export function safetySearchEntries(now = Date.now()): Record<string, unknown>[] {
  return (Object.keys(SAFETY_MINTS) as SafetyMintKey[]).map((k) => safetySearchEntry(k, now));
}
