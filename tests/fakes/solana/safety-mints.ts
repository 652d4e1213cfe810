// Real-shaped mints for the token-safety checks (issue 18), seeded into a SolanaFake:
//   clean         SPL Token, both authorities revoked, 80 holders (top 10: about 15%), 400 days and 2,500 transactions old
//   freezable     SPL Token, mint authority revoked, freeze authority held
//   feeDelegate   Token-2022 created by the real program: 2.5% transfer fee (max 5,000 tokens) and a
//                 permanent delegate; mint authority revoked by a real SetAuthority
//   concentrated  SPL Token where 3 wallets hold 90% of supply, beside a Raydium pool, an Orca Whirlpool
//                 pool and a burn (incinerator) account, which must be excluded from concentration
//   mintable      SPL Token whose mint authority is still held
//   hooked        Token-2022 (real program): transfer hook, new accounts frozen, non-transferable,
//                 a metadata pointer; freeze authority held; 1 hour old
// Each case carries the facts a ChainTokenReader must report exactly and the flags a card must show.
// Beside them, one pool of each DEX kind the reader decodes (pools.ts), each trading one of these mints
// (a DexScreener pair link names the pool, and the card is for the token it trades).
import { createHash } from "node:crypto";
import {
  AccountState,
  AuthorityType,
  ExtensionType,
  TOKEN_2022_PROGRAM_ID,
  TOKEN_PROGRAM_ID,
  createInitializeDefaultAccountStateInstruction,
  createInitializeMetadataPointerInstruction,
  createInitializeMintInstruction,
  createInitializeNonTransferableMintInstruction,
  createInitializePermanentDelegateInstruction,
  createInitializeTransferFeeConfigInstruction,
  createInitializeTransferHookInstruction,
  createSetAuthorityInstruction,
  getMintLen,
} from "@solana/spl-token";
import { Keypair, PublicKey, SystemProgram, Transaction, type TransactionInstruction } from "@solana/web3.js";
import type { AgeFacts, HolderAccount, HolderFacts, MintFacts, SafetyFlagCode } from "../../../core/domain/token-safety.js";
import type { SolanaFake } from "./rpc-server.js";
import { POOL_SHAPES, seedPool, type PoolKind } from "./pools.js";
import { createMint, createTokenAccountAt } from "./tokens.js";

/** Owners and programs the reader must recognise. */
export const KNOWN = {
  INCINERATOR: new PublicKey("1nc1nerator11111111111111111111111111111111"),
  RAYDIUM_AMM_V4_AUTHORITY: new PublicKey("5Q544fKrFoe6tsEbD7S8EmxGTJYAKtTVhAW5Q5pge4j1"),
  WHIRLPOOL_PROGRAM: new PublicKey("whirLbMiicVdio4qvUfM5KAg6Ct8VwpYzGff3uctyCc"),
} as const;

const hash = (label: string) => createHash("sha256").update(`purser-safety:${label}`).digest();
const keypair = (label: string) => Keypair.fromSeed(hash(label));
/** A stable address for a holder (cheap: no key derivation; wallets need no private key here). */
const address = (label: string) => new PublicKey(hash(label));

/**
 * A token account holding `amount` for `owner`, written as state at a stable (non-associated)
 * address, and the mint's supply grown by as much. Far cheaper than deriving 400 associated addresses.
 */
function hold(fake: SolanaFake, mint: PublicKey, owner: PublicKey, amount: bigint): PublicKey {
  const at = createTokenAccountAt(fake.chain, address(`account:${mint.toBase58()}:${owner.toBase58()}`), mint, owner);
  const account = fake.chain.getAccount(at)!;
  const data = Buffer.from(account.data);
  data.writeBigUInt64LE(amount, 64);
  fake.chain.setAccount(at, { ...account, data });
  const mintAccount = fake.chain.getAccount(mint)!;
  const mintData = Buffer.from(mintAccount.data);
  mintData.writeBigUInt64LE(mintData.readBigUInt64LE(36) + amount, 36);
  fake.chain.setAccount(mint, { ...mintAccount, data: mintData });
  return at;
}

export type SafetyMintKey = "clean" | "freezable" | "feeDelegate" | "concentrated" | "mintable" | "hooked";

/** Mint addresses and names, known before seeding (the Jupiter fake answers for them too). */
export const SAFETY_MINTS: Readonly<Record<SafetyMintKey, { mint: string; name: string; symbol: string; decimals: number }>> = Object.freeze({
  clean: { mint: keypair("mint:clean").publicKey.toBase58(), name: "Clean Coin", symbol: "CLEAN", decimals: 6 },
  freezable: { mint: keypair("mint:freezable").publicKey.toBase58(), name: "Frosty", symbol: "FRZ", decimals: 6 },
  feeDelegate: { mint: keypair("mint:feeDelegate").publicKey.toBase58(), name: "Taxed Token", symbol: "TAX", decimals: 6 },
  concentrated: { mint: keypair("mint:concentrated").publicKey.toBase58(), name: "Whale Bag", symbol: "WHALE", decimals: 6 },
  mintable: { mint: keypair("mint:mintable").publicKey.toBase58(), name: "Printer", symbol: "PRNT", decimals: 6 },
  hooked: { mint: keypair("mint:hooked").publicKey.toBase58(), name: "Hooked", symbol: "HOOK", decimals: 6 },
});

/** How old each mint is (days) and how many older signatures touch it. */
export const SAFETY_HISTORY: Readonly<Record<SafetyMintKey, { days: number; count: number }>> = Object.freeze({
  clean: { days: 400, count: 2_500 },
  freezable: { days: 30, count: 12 },
  feeDelegate: { days: 90, count: 7 },
  concentrated: { days: 60, count: 40 },
  mintable: { days: 10, count: 5 },
  hooked: { days: 1 / 24, count: 3 },
});

/** Authorities held by the issuers of the risky mints. */
export const ISSUER = {
  freeze: keypair("issuer:freeze").publicKey,
  mint: keypair("issuer:mint").publicKey,
  delegate: keypair("issuer:delegate").publicKey,
  feeAuthority: keypair("issuer:fee").publicKey,
  hookProgram: keypair("issuer:hook-program").publicKey,
  metadata: keypair("issuer:metadata").publicKey,
} as const;

export interface SafetyMintCase {
  key: SafetyMintKey;
  mint: string;
  name: string;
  symbol: string;
  /** Exactly what ChainTokenReader.mintFacts returns. */
  facts: MintFacts;
  /** Exactly what ChainTokenReader.largestHolders returns (the 20 largest accounts, largest first). */
  holders: HolderFacts;
  /** What firstActivity returns with enough pages (5 x 1000 signatures). */
  age: AgeFacts;
  /** Signatures touching the mint. */
  signatures: number;
  /** Share of supply held by the 10 largest accounts that are neither pools nor burns (percent). */
  top10Pct: number;
  /** The flags a card must show for it (top holders above 50%, age under 24 hours). */
  flags: SafetyFlagCode[];
}

export interface SafetyWorld {
  cases: Record<SafetyMintKey, SafetyMintCase>;
  /** The clock the ages were seeded against (ms). */
  now: number;
  /** Addresses that are not mints: a token account, a wallet, an address with no account. */
  notMints: { tokenAccount: string; wallet: string; missing: string };
  /** One pool of each kind: its address, its two mints in the pool's order, the DEX, and the token it trades. */
  pools: Record<PoolKind, SafetyPool>;
}

export interface SafetyPool {
  kind: PoolKind;
  address: string;
  dex: string;
  mints: [string, string];
  /** The side that is not SOL/USDC/USDT (the first when neither is). */
  token: SafetyMintKey;
}

/** Quote assets pools pair with (no accounts needed: the reader only reads the pool). */
export const QUOTE_MINTS = {
  SOL: new PublicKey("So11111111111111111111111111111111111111112"),
  USDC: new PublicKey("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"),
  USDT: new PublicKey("Es9vMFrzaCERmJfrF4H2FYD4KCoNkY11McCe8BenwNYB"),
} as const;

const DAY = 86_400_000;
const unit = 1_000_000n; // 6 decimals

function send(fake: SolanaFake, payer: Keypair, signers: Keypair[], ixs: TransactionInstruction[]): void {
  const tx = new Transaction({ feePayer: payer.publicKey, ...fake.latestBlockhash() }).add(...ixs);
  tx.sign(payer, ...signers);
  fake.chain.send(tx.serialize());
}

/** Token-2022 mint created by the real program with these extension instructions (run before InitializeMint). */
function createToken2022(
  fake: SolanaFake,
  payer: Keypair,
  mint: Keypair,
  extensions: ExtensionType[],
  init: TransactionInstruction[],
  freezeAuthority: PublicKey | null,
): void {
  const space = getMintLen(extensions);
  send(fake, payer, [mint], [
    SystemProgram.createAccount({
      fromPubkey: payer.publicKey,
      newAccountPubkey: mint.publicKey,
      space,
      lamports: Number(fake.chain.rentExempt(space)),
      programId: TOKEN_2022_PROGRAM_ID,
    }),
    ...init,
    createInitializeMintInstruction(mint.publicKey, 6, payer.publicKey, freezeAuthority, TOKEN_2022_PROGRAM_ID),
  ]);
}

function revokeMintAuthority(fake: SolanaFake, payer: Keypair, mint: PublicKey): void {
  send(fake, payer, [], [createSetAuthorityInstruction(mint, payer.publicKey, AuthorityType.MintTokens, null, [], TOKEN_2022_PROGRAM_ID)]);
}

/** 80 holders with distinct balances (200, 199, ... 121 tokens): the top 10 hold about 15%. */
function spread(fake: SolanaFake, key: SafetyMintKey, mint: PublicKey, out: HolderAccount[]): void {
  for (let i = 0; i < 80; i++) {
    const owner = address(`holder:${key}:${i}`);
    const amount = BigInt(200 - i) * unit;
    out.push({ account: hold(fake, mint, owner, amount).toBase58(), owner: owner.toBase58(), amount, excluded: null });
  }
}

function concentrate(fake: SolanaFake, mint: PublicKey, out: HolderAccount[]): void {
  const M = 1_000_000n * unit;
  const put = (owner: PublicKey, amount: bigint, excluded: HolderAccount["excluded"]) =>
    out.push({ account: hold(fake, mint, owner, amount).toBase58(), owner: owner.toBase58(), amount, excluded });
  put(keypair("whale:0").publicKey, 310n * M, null);
  put(keypair("whale:1").publicKey, 300n * M, null);
  put(keypair("whale:2").publicKey, 290n * M, null);
  put(KNOWN.INCINERATOR, 40n * M, "burn");
  put(KNOWN.RAYDIUM_AMM_V4_AUTHORITY, 30n * M, "pool");
  // An Orca Whirlpool: the vault's owner is the pool account (a PDA) owned by the Whirlpool program.
  const [whirlpool] = PublicKey.findProgramAddressSync([Buffer.from("whirlpool"), mint.toBuffer()], KNOWN.WHIRLPOOL_PROGRAM);
  seedPool(fake.chain, "whirlpool", whirlpool, [QUOTE_MINTS.SOL, mint]);
  put(whirlpool, 20n * M, "pool");
  // 1, 1.5, 2, 2.5 and 3 million: 10 million in all, so the three whales hold exactly 90%.
  for (let i = 0; i < 5; i++) put(keypair(`minnow:${i}`).publicKey, (BigInt(10 + 5 * i) * M) / 10n, null);
}

/** One pool per kind; the whirlpool is the concentrated mint's own (its vault is one of the largest holders). */
function seedPools(fake: SolanaFake, mint: (k: SafetyMintKey) => PublicKey): Record<PoolKind, SafetyPool> {
  const [whirlpool] = PublicKey.findProgramAddressSync([Buffer.from("whirlpool"), mint("concentrated").toBuffer()], KNOWN.WHIRLPOOL_PROGRAM);
  const spec: Record<PoolKind, { mints: [PublicKey, PublicKey]; token: SafetyMintKey; at?: PublicKey }> = {
    raydiumAmmV4: { mints: [mint("clean"), QUOTE_MINTS.SOL], token: "clean" },
    raydiumCpmm: { mints: [QUOTE_MINTS.USDC, mint("feeDelegate")], token: "feeDelegate" },
    raydiumClmm: { mints: [mint("hooked"), mint("clean")], token: "hooked" },
    whirlpool: { mints: [QUOTE_MINTS.SOL, mint("concentrated")], token: "concentrated", at: whirlpool },
    meteoraDlmm: { mints: [mint("freezable"), QUOTE_MINTS.USDC], token: "freezable" },
    meteora: { mints: [QUOTE_MINTS.USDT, mint("clean")], token: "clean" },
    pumpSwap: { mints: [mint("mintable"), QUOTE_MINTS.SOL], token: "mintable" },
  };
  const out = {} as Record<PoolKind, SafetyPool>;
  for (const kind of Object.keys(spec) as PoolKind[]) {
    const { mints, token, at } = spec[kind];
    const pool = at ?? address(`pool:${kind}`);
    if (!at) seedPool(fake.chain, kind, pool, mints);
    out[kind] = { kind, address: pool.toBase58(), dex: POOL_SHAPES[kind].dex, mints: [mints[0].toBase58(), mints[1].toBase58()], token };
  }
  return out;
}

function topHolders(all: HolderAccount[]): HolderAccount[] {
  return [...all].sort((a, b) => (a.amount === b.amount ? 0 : a.amount > b.amount ? -1 : 1)).slice(0, 20);
}

function pct(part: bigint, whole: bigint): number {
  return whole === 0n ? 0 : Number((part * 1_000_000n) / whole) / 10_000;
}

/** Seeds every safety mint into the fake (a few real transactions, the rest written as state). */
export function seedSafetyMints(fake: SolanaFake, opts: { now?: number } = {}): SafetyWorld {
  const now = opts.now ?? Date.now();
  const payer = keypair("payer");
  fake.airdrop(payer.publicKey, 100_000_000_000n);
  const pk = (k: SafetyMintKey) => new PublicKey(SAFETY_MINTS[k].mint);
  const holders: Record<SafetyMintKey, HolderAccount[]> = { clean: [], freezable: [], feeDelegate: [], concentrated: [], mintable: [], hooked: [] };

  createMint(fake.chain, { decimals: 6, address: pk("clean"), mintAuthority: null, freezeAuthority: null });
  createMint(fake.chain, { decimals: 6, address: pk("freezable"), mintAuthority: null, freezeAuthority: ISSUER.freeze });
  createMint(fake.chain, { decimals: 6, address: pk("concentrated"), mintAuthority: null, freezeAuthority: null });
  createMint(fake.chain, { decimals: 6, address: pk("mintable"), mintAuthority: ISSUER.mint, freezeAuthority: null });
  const feeMint = keypair("mint:feeDelegate");
  createToken2022(fake, payer, feeMint, [ExtensionType.TransferFeeConfig, ExtensionType.PermanentDelegate], [
    createInitializeTransferFeeConfigInstruction(feeMint.publicKey, ISSUER.feeAuthority, ISSUER.feeAuthority, 250, 5_000n * unit, TOKEN_2022_PROGRAM_ID),
    createInitializePermanentDelegateInstruction(feeMint.publicKey, ISSUER.delegate, TOKEN_2022_PROGRAM_ID),
  ], null);
  const hookMint = keypair("mint:hooked");
  createToken2022(
    fake,
    payer,
    hookMint,
    [ExtensionType.TransferHook, ExtensionType.DefaultAccountState, ExtensionType.NonTransferable, ExtensionType.MetadataPointer],
    [
      createInitializeTransferHookInstruction(hookMint.publicKey, ISSUER.mint, ISSUER.hookProgram, TOKEN_2022_PROGRAM_ID),
      createInitializeDefaultAccountStateInstruction(hookMint.publicKey, AccountState.Frozen, TOKEN_2022_PROGRAM_ID),
      createInitializeNonTransferableMintInstruction(hookMint.publicKey, TOKEN_2022_PROGRAM_ID),
      createInitializeMetadataPointerInstruction(hookMint.publicKey, ISSUER.mint, ISSUER.metadata, TOKEN_2022_PROGRAM_ID),
    ],
    ISSUER.freeze,
  );

  for (const k of ["clean", "freezable", "feeDelegate", "mintable", "hooked"] as const) spread(fake, k, pk(k), holders[k]);
  concentrate(fake, pk("concentrated"), holders.concentrated);
  revokeMintAuthority(fake, payer, feeMint.publicKey);
  revokeMintAuthority(fake, payer, hookMint.publicKey);

  const history = SAFETY_HISTORY;
  const base = (k: SafetyMintKey): Omit<MintFacts, "extensions" | "program"> => ({
    mint: SAFETY_MINTS[k].mint,
    decimals: 6,
    supply: holders[k].reduce((s, h) => s + h.amount, 0n),
    mintAuthority: null,
    freezeAuthority: null,
  });
  const facts: Record<SafetyMintKey, MintFacts> = {
    clean: { ...base("clean"), program: "spl-token", extensions: {} },
    freezable: { ...base("freezable"), program: "spl-token", freezeAuthority: ISSUER.freeze.toBase58(), extensions: {} },
    feeDelegate: {
      ...base("feeDelegate"),
      program: "token-2022",
      extensions: { transferFee: { bps: 250, maxFee: 5_000n * unit }, permanentDelegate: ISSUER.delegate.toBase58() },
    },
    concentrated: { ...base("concentrated"), program: "spl-token", extensions: {} },
    mintable: { ...base("mintable"), program: "spl-token", mintAuthority: ISSUER.mint.toBase58(), extensions: {} },
    hooked: {
      ...base("hooked"),
      program: "token-2022",
      freezeAuthority: ISSUER.freeze.toBase58(),
      extensions: { transferHook: ISSUER.hookProgram.toBase58(), defaultFrozen: true, nonTransferable: true, other: ["metadataPointer"] },
    },
  };
  const flags: Record<SafetyMintKey, SafetyFlagCode[]> = {
    clean: [],
    freezable: ["freeze_authority"],
    feeDelegate: ["transfer_fee", "permanent_delegate"],
    concentrated: ["top_holders"],
    mintable: ["mint_authority"],
    hooked: ["freeze_authority", "transfer_hook", "non_transferable", "default_frozen", "new_token", "other_extensions"],
  };
  const cases = {} as Record<SafetyMintKey, SafetyMintCase>;
  for (const k of Object.keys(SAFETY_MINTS) as SafetyMintKey[]) {
    const { days, count } = history[k];
    const oldestAtMs = now - days * DAY;
    fake.seedHistory(pk(k), { count, oldestAtMs, newestAtMs: now - Math.min(days * DAY, DAY) / 2 });
    const supply = facts[k].supply;
    const largest = topHolders(holders[k]);
    const top10 = largest.filter((h) => h.excluded === null).slice(0, 10).reduce((s, h) => s + h.amount, 0n);
    cases[k] = {
      key: k,
      ...SAFETY_MINTS[k],
      facts: facts[k],
      holders: { supply, largest },
      age: { firstSeenAt: Math.floor(oldestAtMs / 1000) * 1000, atLeast: false },
      signatures: count + fake.chain.touching(pk(k)).length,
      top10Pct: pct(top10, supply),
      flags: flags[k],
    };
  }
  const pools = seedPools(fake, pk);
  const wallet = address("holder:clean:0");
  fake.airdrop(wallet, 1_000_000_000n);
  return {
    cases,
    now,
    notMints: {
      tokenAccount: holders.clean[0]!.account,
      wallet: wallet.toBase58(),
      missing: address("nothing-here").toBase58(),
    },
    pools,
  };
}
