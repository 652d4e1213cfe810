// DEX pool accounts as the real programs write them (issue 18, "paste to look": a DexScreener pair link
// names a pool), for the fake Solana RPC. Each layout is the program's own field list, in order, with
// each field's size; offsets are summed here from the list (not copied from the reader), so a reader
// that reads a mint at the wrong offset fails against these accounts. Anchor programs' accounts start
// with sha256("account:<Name>")[0..8], computed here too.
// Sources: raydium-io/raydium-sdk-V2 src/raydium/liquidity/layout.ts (liquidityStateV4Layout) and
// src/raydium/cpmm/layout.ts (CpmmPoolInfoLayout); raydium-io/raydium-clmm programs/amm/src/states/pool.rs;
// orca-so/whirlpools programs/whirlpool/src/state/whirlpool.rs; MeteoraAg/dlmm-sdk
// programs/lb_clmm/src/state/lb_pair/state.rs; MeteoraAg/damm-v1-sdk programs/dynamic-amm/src/state.rs;
// pump-fun/pump-public-docs docs/PUMP_SWAP_CREATOR_FEE_README.md.
import { createHash } from "node:crypto";
import { PublicKey } from "@solana/web3.js";
import type { AccountStore } from "./tokens.js";

export type PoolKind = "raydiumAmmV4" | "raydiumCpmm" | "raydiumClmm" | "whirlpool" | "meteoraDlmm" | "meteora" | "pumpSwap";

type Field = readonly [name: string, size: number];
const pk = (name: string): Field => [name, 32];
const u8 = (name: string): Field => [name, 1];
const u16 = (name: string): Field => [name, 2];
const u32 = (name: string): Field => [name, 4];
const u64 = (name: string): Field => [name, 8];
const u128 = (name: string): Field => [name, 16];
const bytes = (name: string, n: number): Field => [name, n];

interface PoolShape {
  program: PublicKey;
  dex: string;
  /** The Anchor account name (its discriminator), or null for a native program. */
  account: string | null;
  fields: readonly Field[];
  /** The account's size on chain (fields beyond the list are zero padding). */
  size: number;
  /** The fields holding the pool's two mints, in the pool's order. */
  mints: readonly [string, string];
}

const AMM_V4_U64S = [
  "status", "nonce", "maxOrder", "depth", "baseDecimal", "quoteDecimal", "state", "resetFlag", "minSize",
  "volMaxCutRatio", "amountWaveRatio", "baseLotSize", "quoteLotSize", "minPriceMultiplier", "maxPriceMultiplier",
  "systemDecimalValue", "minSeparateNumerator", "minSeparateDenominator", "tradeFeeNumerator", "tradeFeeDenominator",
  "pnlNumerator", "pnlDenominator", "swapFeeNumerator", "swapFeeDenominator", "baseNeedTakePnl", "quoteNeedTakePnl",
  "quoteTotalPnl", "baseTotalPnl", "poolOpenTime", "punishPcAmount", "punishCoinAmount", "orderbookToInitTime",
];

export const POOL_SHAPES: Readonly<Record<PoolKind, PoolShape>> = {
  raydiumAmmV4: {
    program: new PublicKey("675kPX9MHTjS2zt1qfr1NYHuzeLXfQM9H24wFSUt1Mp8"),
    dex: "Raydium AMM v4",
    account: null,
    fields: [
      ...AMM_V4_U64S.map(u64),
      u128("swapBaseInAmount"), u128("swapQuoteOutAmount"), u64("swapBase2QuoteFee"),
      u128("swapQuoteInAmount"), u128("swapBaseOutAmount"), u64("swapQuote2BaseFee"),
      pk("baseVault"), pk("quoteVault"), pk("baseMint"), pk("quoteMint"), pk("lpMint"),
      pk("openOrders"), pk("marketId"), pk("marketProgramId"), pk("targetOrders"), pk("withdrawQueue"), pk("lpVault"), pk("owner"),
      u64("lpReserve"), bytes("padding", 24),
    ],
    size: 752,
    mints: ["baseMint", "quoteMint"],
  },
  raydiumCpmm: {
    program: new PublicKey("CPMMoo8L3F4NbTegBCKVNunggL7H1ZpdTHKxQB5qKP1C"),
    dex: "Raydium CPMM",
    account: "PoolState",
    fields: [
      pk("configId"), pk("poolCreator"), pk("vaultA"), pk("vaultB"), pk("mintLp"), pk("mintA"), pk("mintB"),
      pk("mintProgramA"), pk("mintProgramB"), pk("observationId"),
      u8("bump"), u8("status"), u8("lpDecimals"), u8("mintDecimalA"), u8("mintDecimalB"),
      u64("lpAmount"), u64("protocolFeesMintA"), u64("protocolFeesMintB"), u64("fundFeesMintA"), u64("fundFeesMintB"),
      u64("openTime"), u64("epoch"), u8("feeOn"), u8("enableCreatorFee"), bytes("padding1", 6),
      u64("creatorFeesMintA"), u64("creatorFeesMintB"), bytes("padding", 28 * 8),
    ],
    size: 637,
    mints: ["mintA", "mintB"],
  },
  raydiumClmm: {
    program: new PublicKey("CAMMCzo5YL8w4VFF8KVHrK22GGUsp5VTaW7grrKgrWqK"),
    dex: "Raydium CLMM",
    account: "PoolState",
    fields: [
      u8("bump"), pk("ammConfig"), pk("owner"), pk("tokenMint0"), pk("tokenMint1"), pk("tokenVault0"), pk("tokenVault1"),
      pk("observationKey"), u8("mintDecimals0"), u8("mintDecimals1"), u16("tickSpacing"), u128("liquidity"), u128("sqrtPriceX64"),
      u32("tickCurrent"),
    ],
    size: 1544,
    mints: ["tokenMint0", "tokenMint1"],
  },
  whirlpool: {
    program: new PublicKey("whirLbMiicVdio4qvUfM5KAg6Ct8VwpYzGff3uctyCc"),
    dex: "Orca Whirlpool",
    account: "Whirlpool",
    fields: [
      pk("whirlpoolsConfig"), u8("whirlpoolBump"), u16("tickSpacing"), bytes("feeTierIndexSeed", 2), u16("feeRate"),
      u16("protocolFeeRate"), u128("liquidity"), u128("sqrtPrice"), u32("tickCurrentIndex"), u64("protocolFeeOwedA"),
      u64("protocolFeeOwedB"), pk("tokenMintA"), pk("tokenVaultA"), u128("feeGrowthGlobalA"), pk("tokenMintB"),
      pk("tokenVaultB"), u128("feeGrowthGlobalB"), u64("rewardLastUpdatedTimestamp"), bytes("rewardInfos", 3 * 128),
    ],
    size: 653,
    mints: ["tokenMintA", "tokenMintB"],
  },
  meteoraDlmm: {
    program: new PublicKey("LBUZKhRxPF3XUpBCjp4YzTKgLccjZhTSDM9YuVaPwxo"),
    dex: "Meteora DLMM",
    account: "LbPair",
    fields: [
      bytes("parameters", 32), bytes("vParameters", 32), u8("bumpSeed"), bytes("binStepSeed", 2), u8("pairType"),
      u32("activeId"), u16("binStep"), u8("status"), u8("requireBaseFactorSeed"), bytes("baseFactorSeed", 2),
      u8("activationType"), u8("creatorPoolOnOffControl"), pk("tokenXMint"), pk("tokenYMint"), pk("reserveX"), pk("reserveY"),
      bytes("protocolFee", 16), bytes("padding1", 32), bytes("rewardInfos", 2 * 144), pk("oracle"), bytes("binArrayBitmap", 128),
      u64("lastUpdatedAt"), bytes("padding2", 32), pk("preActivationSwapAddress"), pk("baseKey"), u64("activationPoint"),
      u64("preActivationDuration"), bytes("padding3", 8), u64("padding4"), pk("creator"), u8("tokenMintXProgramFlag"),
      u8("tokenMintYProgramFlag"), bytes("reserved", 22),
    ],
    size: 904,
    mints: ["tokenXMint", "tokenYMint"],
  },
  meteora: {
    program: new PublicKey("Eo7WjKq67rjJQSZxS6z3YkapzY3eMj6Xy8X5EQVn5UaB"),
    dex: "Meteora",
    account: "Pool",
    fields: [
      pk("lpMint"), pk("tokenAMint"), pk("tokenBMint"), pk("aVault"), pk("bVault"), pk("aVaultLp"), pk("bVaultLp"),
      u8("aVaultLpBump"), u8("enabled"), pk("protocolTokenAFee"), pk("protocolTokenBFee"), u64("feeLastUpdatedAt"),
    ],
    size: 8 + 944,
    mints: ["tokenAMint", "tokenBMint"],
  },
  pumpSwap: {
    program: new PublicKey("pAMMBay6oceH9fJKBRHGP5D4bD4sWpmSwMn52FMfXEA"),
    dex: "PumpSwap",
    account: "Pool",
    fields: [
      u8("poolBump"), u16("index"), pk("creator"), pk("baseMint"), pk("quoteMint"), pk("lpMint"),
      pk("poolBaseTokenAccount"), pk("poolQuoteTokenAccount"), u64("lpSupply"), pk("coinCreator"),
    ],
    // extended to 300 bytes for the creator-fee upgrade
    size: 300,
    mints: ["baseMint", "quoteMint"],
  },
};

export const anchorDiscriminator = (account: string) => createHash("sha256").update(`account:${account}`).digest().subarray(0, 8);

/** Byte offset of each field (after the discriminator, when there is one). */
export function fieldOffsets(shape: PoolShape): Map<string, number> {
  const out = new Map<string, number>();
  let at = shape.account ? 8 : 0;
  for (const [name, size] of shape.fields) {
    out.set(name, at);
    at += size;
  }
  if (at > shape.size) throw new Error(`${shape.dex}: fields run to ${at}, past the account's ${shape.size} bytes`);
  return out;
}

/** A pool account's data: discriminator, the two mints where the program keeps them, the rest zero or given. */
export function poolAccountData(kind: PoolKind, mints: readonly [PublicKey, PublicKey], fill: Record<string, PublicKey> = {}): Uint8Array {
  const shape = POOL_SHAPES[kind];
  const data = new Uint8Array(shape.size);
  if (shape.account) data.set(anchorDiscriminator(shape.account), 0);
  const offsets = fieldOffsets(shape);
  const put = (name: string, key: PublicKey) => data.set(key.toBytes(), offsets.get(name)!);
  put(shape.mints[0], mints[0]);
  put(shape.mints[1], mints[1]);
  for (const [name, key] of Object.entries(fill)) put(name, key);
  return data;
}

/** Writes a pool account of this kind at `address`, owned by its DEX program. */
export function seedPool(chain: AccountStore, kind: PoolKind, address: PublicKey, mints: readonly [PublicKey, PublicKey]): PublicKey {
  const data = poolAccountData(kind, mints);
  chain.setAccount(address, { lamports: chain.rentExempt(data.length), owner: POOL_SHAPES[kind].program, data, executable: false });
  return address;
}
