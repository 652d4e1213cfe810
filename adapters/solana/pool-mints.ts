/**
 * The two mints a DEX pool account names (issue 18, "paste to look"): a DexScreener pair link carries
 * the pool's address, so the card service asks which token the pool trades. One getAccountInfo; the
 * owner program picks the layout; the layout's discriminator (Anchor programs) and size are checked
 * before the mints are read, so an account of another kind, or garbage, is no pool.
 *
 * Offsets are from each program's own account layout (the 8-byte Anchor discriminator included, which
 * is sha256("account:<Name>")[0..8]):
 * - Raydium AMM v4: raydium-io/raydium-sdk-V2 src/raydium/liquidity/layout.ts `liquidityStateV4Layout`
 *   (no discriminator, 752 bytes: 28 u64 + 4 u64 + 2 u128 + u64 + 2 u128 + u64 = 336, then baseVault,
 *   quoteVault, baseMint at 400, quoteMint at 432).
 * - Raydium CPMM: raydium-io/raydium-sdk-V2 src/raydium/cpmm/layout.ts `CpmmPoolInfoLayout`, the program's
 *   `PoolState` (637 bytes: configId, poolCreator, vaultA, vaultB, mintLp, then mintA at 168, mintB at 200).
 * - Raydium CLMM: raydium-io/raydium-clmm programs/amm/src/states/pool.rs `PoolState`, zero_copy packed
 *   (1544 bytes: bump [u8;1], amm_config, owner, then token_mint_0 at 73, token_mint_1 at 105).
 * - Orca Whirlpool: orca-so/whirlpools programs/whirlpool/src/state/whirlpool.rs `Whirlpool` (653 bytes:
 *   token_mint_a at 101, token_vault_a, fee_growth_global_a u128, token_mint_b at 181).
 * - Meteora DLMM: MeteoraAg/dlmm-sdk programs/lb_clmm/src/state/lb_pair/state.rs `LbPair`, zero_copy (904 bytes:
 *   StaticParameters 32, VariableParameters 32, 16 bytes of seeds/ids/flags, token_x_mint at 88, token_y_mint at 120).
 * - Meteora pools (dynamic AMM): MeteoraAg/damm-v1-sdk programs/dynamic-amm/src/state.rs `Pool`
 *   (8 + 944 bytes, Borsh: lp_mint, token_a_mint at 40, token_b_mint at 72).
 * - PumpSwap AMM: pump-fun/pump-public-docs docs/PUMP_SWAP_CREATOR_FEE_README.md `Pool` (Borsh: pool_bump u8,
 *   index u16, creator, base_mint at 43, quote_mint at 75; accounts are 211, 243 or 300 bytes as fields were added).
 */
import { PublicKey, type AccountInfo, type Connection } from "@solana/web3.js";
import type { PoolMints } from "../../core/domain/pool-pair.js";

export interface PoolLayout {
  dex: string;
  /** The Anchor account discriminator, when the program is Anchor. */
  discriminator: readonly number[] | null;
  /** The account's size: data shorter than this is not this pool (longer is accepted unless `exact`). */
  size: number;
  exact?: boolean;
  /** Byte offsets of the two mints. */
  mints: readonly [number, number];
}

const anchorDisc = {
  PoolState: [247, 237, 227, 245, 215, 195, 222, 70],
  Whirlpool: [63, 149, 209, 12, 225, 128, 99, 9],
  LbPair: [33, 11, 49, 98, 181, 101, 177, 13],
  Pool: [241, 154, 109, 4, 17, 177, 109, 188],
} as const;

/** The pool layouts by owner program. */
export const POOL_LAYOUTS: ReadonlyMap<string, PoolLayout> = new Map<string, PoolLayout>([
  ["675kPX9MHTjS2zt1qfr1NYHuzeLXfQM9H24wFSUt1Mp8", { dex: "Raydium AMM v4", discriminator: null, size: 752, exact: true, mints: [400, 432] }],
  ["CPMMoo8L3F4NbTegBCKVNunggL7H1ZpdTHKxQB5qKP1C", { dex: "Raydium CPMM", discriminator: anchorDisc.PoolState, size: 637, mints: [168, 200] }],
  ["CAMMCzo5YL8w4VFF8KVHrK22GGUsp5VTaW7grrKgrWqK", { dex: "Raydium CLMM", discriminator: anchorDisc.PoolState, size: 1544, mints: [73, 105] }],
  ["whirLbMiicVdio4qvUfM5KAg6Ct8VwpYzGff3uctyCc", { dex: "Orca Whirlpool", discriminator: anchorDisc.Whirlpool, size: 653, mints: [101, 181] }],
  ["LBUZKhRxPF3XUpBCjp4YzTKgLccjZhTSDM9YuVaPwxo", { dex: "Meteora DLMM", discriminator: anchorDisc.LbPair, size: 904, mints: [88, 120] }],
  ["Eo7WjKq67rjJQSZxS6z3YkapzY3eMj6Xy8X5EQVn5UaB", { dex: "Meteora", discriminator: anchorDisc.Pool, size: 104, mints: [40, 72] }],
  ["pAMMBay6oceH9fJKBRHGP5D4bD4sWpmSwMn52FMfXEA", { dex: "PumpSwap", discriminator: anchorDisc.Pool, size: 211, mints: [43, 75] }],
]);

/** The pool's two mints from its account, or undefined when the account is no pool the layouts know. */
export function decodePoolMints(info: Pick<AccountInfo<Uint8Array>, "owner" | "data">): PoolMints | undefined {
  const program = info.owner.toBase58();
  const layout = POOL_LAYOUTS.get(program);
  if (!layout) return undefined;
  const data = info.data;
  if (data.length < layout.size || (layout.exact && data.length !== layout.size)) return undefined;
  if (layout.discriminator && !layout.discriminator.every((b, i) => data[i] === b)) return undefined;
  const [a, b] = layout.mints.map((at) => new PublicKey(data.subarray(at, at + 32)));
  // A pool always names two distinct, set mints: zeros or twice one mint is not a pool's state.
  if (a!.equals(PublicKey.default) || b!.equals(PublicKey.default) || a!.equals(b!)) return undefined;
  return { program, dex: layout.dex, mints: [a!.toBase58(), b!.toBase58()] };
}

/** Reads the account at `address` and decodes it as a pool (undefined: no account, or no known pool). */
export async function readPoolMints(connection: Connection, address: PublicKey): Promise<PoolMints | undefined> {
  const info = await connection.getAccountInfo(address);
  return info ? decodePoolMints(info) : undefined;
}
