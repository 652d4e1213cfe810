// SPL Token and Token-2022 state for the fake chain: mints and token accounts written straight
// into the LiteSVM account store (no transactions, no fees), and read back with the real
// @solana/spl-token layouts.
import {
  ACCOUNT_SIZE,
  AccountLayout,
  AccountState,
  MINT_SIZE,
  MintLayout,
  NATIVE_MINT,
  NATIVE_MINT_2022,
  TOKEN_2022_PROGRAM_ID,
  TOKEN_PROGRAM_ID,
  getAssociatedTokenAddressSync,
  unpackAccount,
  unpackMint,
} from "@solana/spl-token";
import { Keypair, PublicKey, type AccountInfo } from "@solana/web3.js";

/** One account as the fake stores it. */
export interface StoredAccount {
  lamports: bigint;
  owner: PublicKey;
  data: Uint8Array;
  executable: boolean;
}

/** The slice of the chain the token helpers need. */
export interface AccountStore {
  getAccount(pubkey: PublicKey): StoredAccount | null;
  setAccount(pubkey: PublicKey, account: StoredAccount): void;
  programAccounts(programId: PublicKey): Array<{ pubkey: PublicKey; account: StoredAccount }>;
  rentExempt(dataLen: number): bigint;
}

export const TOKEN_PROGRAMS = [TOKEN_PROGRAM_ID, TOKEN_2022_PROGRAM_ID] as const;

export function isTokenProgram(programId: PublicKey): boolean {
  return programId.equals(TOKEN_PROGRAM_ID) || programId.equals(TOKEN_2022_PROGRAM_ID);
}

export interface MintView {
  address: PublicKey;
  programId: PublicKey;
  decimals: number;
  supply: bigint;
  mintAuthority: PublicKey | null;
  freezeAuthority: PublicKey | null;
  isInitialized: boolean;
}

export interface TokenAccountView {
  address: PublicKey;
  programId: PublicKey;
  mint: PublicKey;
  owner: PublicKey;
  amount: bigint;
  state: "uninitialized" | "initialized" | "frozen";
  delegate: PublicKey | null;
  delegatedAmount: bigint;
  isNative: boolean;
  rentExemptReserve: bigint | null;
  closeAuthority: PublicKey | null;
  /** Token-2022 extension type numbers found in the account's TLV area. */
  extensionTypes: number[];
}

/** `uiTokenAmount` / `tokenAmount` as the RPC prints it. */
export interface UiTokenAmount {
  amount: string;
  decimals: number;
  uiAmount: number | null;
  uiAmountString: string;
}

export function uiTokenAmount(amount: bigint, decimals: number): UiTokenAmount {
  const digits = amount.toString().padStart(decimals + 1, "0");
  const whole = digits.slice(0, digits.length - decimals);
  const frac = digits.slice(digits.length - decimals).replace(/0+$/, "");
  const uiAmountString = frac ? `${whole}.${frac}` : whole;
  return { amount: amount.toString(), decimals, uiAmount: Number(uiAmountString), uiAmountString };
}

function asInfo(account: StoredAccount): AccountInfo<Buffer> {
  return {
    data: Buffer.from(account.data),
    executable: account.executable,
    lamports: Number(account.lamports),
    owner: account.owner,
  };
}

export function readMint(store: AccountStore, mint: PublicKey): MintView | null {
  const account = store.getAccount(mint);
  if (!account || !isTokenProgram(account.owner)) return null;
  try {
    const m = unpackMint(mint, asInfo(account), account.owner);
    return {
      address: mint,
      programId: account.owner,
      decimals: m.decimals,
      supply: m.supply,
      mintAuthority: m.mintAuthority,
      freezeAuthority: m.freezeAuthority,
      isInitialized: m.isInitialized,
    };
  } catch {
    return null;
  }
}

function tlvTypes(tlv: Buffer): number[] {
  const types: number[] = [];
  for (let i = 0; i + 4 <= tlv.length; ) {
    const type = tlv.readUInt16LE(i);
    const len = tlv.readUInt16LE(i + 2);
    if (type === 0) break;
    types.push(type);
    i += 4 + len;
  }
  return types;
}

export function readTokenAccount(store: AccountStore, address: PublicKey): TokenAccountView | null {
  const account = store.getAccount(address);
  if (!account || !isTokenProgram(account.owner) || account.data.length < ACCOUNT_SIZE) return null;
  try {
    const a = unpackAccount(address, asInfo(account), account.owner);
    return {
      address,
      programId: account.owner,
      mint: a.mint,
      owner: a.owner,
      amount: a.amount,
      state: !a.isInitialized ? "uninitialized" : a.isFrozen ? "frozen" : "initialized",
      delegate: a.delegate,
      delegatedAmount: a.delegatedAmount,
      isNative: a.isNative,
      rentExemptReserve: a.rentExemptReserve,
      closeAuthority: a.closeAuthority,
      extensionTypes: tlvTypes(a.tlvData),
    };
  } catch {
    return null;
  }
}

/** Fixed authority for mints the fake creates; minting is done by writing state, not by signing. */
export const FAKE_MINT_AUTHORITY = Keypair.fromSeed(new Uint8Array(32).fill(7)).publicKey;

export interface CreateMintOptions {
  decimals: number;
  programId?: PublicKey;
  /** Use a well-known address (e.g. the real USDC mint) instead of a fresh one. */
  address?: PublicKey;
  mintAuthority?: PublicKey | null;
  freezeAuthority?: PublicKey | null;
}

export function createMint(store: AccountStore, opts: CreateMintOptions): PublicKey {
  const programId = opts.programId ?? TOKEN_PROGRAM_ID;
  if (!isTokenProgram(programId)) throw new Error(`not a token program: ${programId.toBase58()}`);
  const address = opts.address ?? Keypair.generate().publicKey;
  const mintAuthority = opts.mintAuthority === undefined ? FAKE_MINT_AUTHORITY : opts.mintAuthority;
  const freezeAuthority = opts.freezeAuthority ?? null;
  const data = Buffer.alloc(MINT_SIZE);
  MintLayout.encode(
    {
      mintAuthorityOption: mintAuthority ? 1 : 0,
      mintAuthority: mintAuthority ?? PublicKey.default,
      supply: 0n,
      decimals: opts.decimals,
      isInitialized: true,
      freezeAuthorityOption: freezeAuthority ? 1 : 0,
      freezeAuthority: freezeAuthority ?? PublicKey.default,
    },
    data,
  );
  store.setAccount(address, { lamports: store.rentExempt(MINT_SIZE), owner: programId, data, executable: false });
  return address;
}

/** Token-2022 associated accounts carry AccountType=Account plus the ImmutableOwner extension (170 bytes). */
function newTokenAccountData(programId: PublicKey, mint: PublicKey, owner: PublicKey, native: bigint | null): Buffer {
  const is2022 = programId.equals(TOKEN_2022_PROGRAM_ID);
  const data = Buffer.alloc(is2022 ? ACCOUNT_SIZE + 5 : ACCOUNT_SIZE);
  AccountLayout.encode(
    {
      mint,
      owner,
      amount: 0n,
      delegateOption: 0,
      delegate: PublicKey.default,
      state: AccountState.Initialized,
      isNativeOption: native === null ? 0 : 1,
      isNative: native ?? 0n,
      delegatedAmount: 0n,
      closeAuthorityOption: 0,
      closeAuthority: PublicKey.default,
    },
    data,
  );
  if (is2022) {
    data[ACCOUNT_SIZE] = 2; // AccountType::Account
    data.writeUInt16LE(7, ACCOUNT_SIZE + 1); // ExtensionType::ImmutableOwner, length 0
  }
  return data;
}

/** The owner's associated token account for `mint`, created in state if it does not exist yet. */
export function ensureTokenAccount(store: AccountStore, mint: PublicKey, owner: PublicKey): PublicKey {
  const info = readMint(store, mint);
  if (!info) throw new Error(`unknown mint ${mint.toBase58()}`);
  const ata = getAssociatedTokenAddressSync(mint, owner, true, info.programId);
  if (store.getAccount(ata)) return ata;
  return createTokenAccountAt(store, ata, mint, owner);
}

/** An empty, initialised token account at any address (not necessarily the associated one). */
export function createTokenAccountAt(store: AccountStore, address: PublicKey, mint: PublicKey, owner: PublicKey) {
  const info = readMint(store, mint);
  if (!info) throw new Error(`unknown mint ${mint.toBase58()}`);
  const isNative = mint.equals(NATIVE_MINT) || mint.equals(NATIVE_MINT_2022);
  const probe = newTokenAccountData(info.programId, mint, owner, null);
  const rent = store.rentExempt(probe.length);
  const data = newTokenAccountData(info.programId, mint, owner, isNative ? rent : null);
  store.setAccount(address, { lamports: rent, owner: info.programId, data, executable: false });
  return address;
}

/**
 * Adds `amount` base units to the owner's associated token account (creating it) and to the
 * mint's supply. For wrapped SOL the account's lamports grow by the same amount, as SyncNative expects.
 */
export function mintTo(store: AccountStore, mint: PublicKey, owner: PublicKey, amount: bigint): PublicKey {
  if (amount < 0n) throw new Error("amount must be >= 0");
  const ata = ensureTokenAccount(store, mint, owner);
  const account = store.getAccount(ata);
  const mintAccount = store.getAccount(mint);
  if (!account || !mintAccount) throw new Error("token account vanished");
  const data = Buffer.from(account.data);
  data.writeBigUInt64LE(data.readBigUInt64LE(64) + amount, 64);
  const view = readTokenAccount(store, ata);
  const lamports = view?.isNative ? account.lamports + amount : account.lamports;
  store.setAccount(ata, { ...account, data, lamports });
  const mintData = Buffer.from(mintAccount.data);
  mintData.writeBigUInt64LE(mintData.readBigUInt64LE(36) + amount, 36);
  store.setAccount(mint, { ...mintAccount, data: mintData });
  return ata;
}

export interface TokenAccountFilter {
  mint?: PublicKey;
  programId?: PublicKey;
}

/** Token accounts (both token programs) whose owner field is `owner`, optionally by mint or program. */
export function tokenAccountsByOwner(
  store: AccountStore,
  owner: PublicKey,
  filter: TokenAccountFilter = {},
): TokenAccountView[] {
  const programs = filter.programId ? [filter.programId] : [...TOKEN_PROGRAMS];
  const out: TokenAccountView[] = [];
  for (const programId of programs) {
    for (const { pubkey } of store.programAccounts(programId)) {
      const view = readTokenAccount(store, pubkey);
      if (!view || !view.owner.equals(owner)) continue;
      if (filter.mint && !view.mint.equals(filter.mint)) continue;
      out.push(view);
    }
  }
  return out;
}

/** Sum over every token account the owner holds for this mint (0n when none). */
export function tokenBalance(store: AccountStore, owner: PublicKey, mint: PublicKey): bigint {
  return tokenAccountsByOwner(store, owner, { mint }).reduce((sum, a) => sum + a.amount, 0n);
}

/** `meta.preTokenBalances` / `postTokenBalances` entry. */
export interface RpcTokenBalance {
  accountIndex: number;
  mint: string;
  owner: string;
  programId: string;
  uiTokenAmount: UiTokenAmount;
}

export function tokenBalancesFor(store: AccountStore, keys: readonly PublicKey[]): RpcTokenBalance[] {
  const out: RpcTokenBalance[] = [];
  keys.forEach((key, accountIndex) => {
    const view = readTokenAccount(store, key);
    if (!view || view.state === "uninitialized") return;
    const decimals = readMint(store, view.mint)?.decimals ?? 0;
    out.push({
      accountIndex,
      mint: view.mint.toBase58(),
      owner: view.owner.toBase58(),
      programId: view.programId.toBase58(),
      uiTokenAmount: uiTokenAmount(view.amount, decimals),
    });
  });
  return out;
}
