import {
  AccountState,
  ExtensionType,
  TOKEN_2022_PROGRAM_ID,
  TOKEN_PROGRAM_ID,
  getDefaultAccountState,
  getEpochFee,
  getExtensionTypes,
  getNonTransferable,
  getPermanentDelegate,
  getTransferFeeConfig,
  getTransferHook,
  unpackAccount,
  unpackMint,
  type Mint,
} from "@solana/spl-token";
import { Connection, PublicKey, type AccountInfo } from "@solana/web3.js";
import { UserError } from "../../core/errors.js";
import type { PoolMints } from "../../core/domain/pool-pair.js";
import type { AgeFacts, HolderAccount, HolderFacts, MintExtensions, MintFacts } from "../../core/domain/token-safety.js";
import type { ChainTokenReader } from "../../core/ports/token-safety.port.js";
import { readPoolMints } from "./pool-mints.js";
import { rpcConnection } from "./rpc-connection.js";
import { makeRedactor, rpcFailure, type Redact } from "./rpc-errors.js";

/**
 * What the chain itself says about a mint (issue 18), read with @solana/web3.js and decoded with
 * @solana/spl-token's own layouts: the mint account (authorities, supply, Token-2022 extensions),
 * its largest token accounts with their owners (pools and burn addresses marked), and its oldest
 * transaction. Every RPC failure is a RemoteError("solana") that says whether a retry can help;
 * an address that is not a mint is UserError bad_token.
 */

/** Owners whose tokens are gone for good. */
export const BURN_OWNERS: ReadonlySet<string> = new Set([
  "1nc1nerator11111111111111111111111111111111",
  "11111111111111111111111111111111",
]);

/** Pool authorities that own AMM vaults directly (program-derived, no account of their own). */
export const POOL_AUTHORITIES: ReadonlyMap<string, string> = new Map([
  ["5Q544fKrFoe6tsEbD7S8EmxGTJYAKtTVhAW5Q5pge4j1", "Raydium AMM v4"],
  ["GpMZbSM2GgvTKHJirzeGfMFoaZ8UR2X7F4v8vHTvxFbL", "Raydium CPMM"],
]);

/** Programs whose accounts own pool vaults: a vault's owner account owned by one of these is a pool. */
export const POOL_PROGRAMS: ReadonlyMap<string, string> = new Map([
  ["6EF8rrecthR5Dkzon8Nwu78hRvfCKubJ14M5uBEwF6P", "pump.fun bonding curve"],
  ["whirLbMiicVdio4qvUfM5KAg6Ct8VwpYzGff3uctyCc", "Orca Whirlpool"],
  ["LBUZKhRxPF3XUpBCjp4YzTKgLccjZhTSDM9YuVaPwxo", "Meteora DLMM"],
]);

export interface TokenSafetyReaderOptions {
  rpcUrl: string;
  /** Per-request timeout (default 10 s). */
  timeoutMs?: number;
  /** Pages of 1000 signatures firstActivity reads before it settles for "at least this old" (default 5). */
  maxSignaturePages?: number;
}

const SIGNATURE_PAGE = 1000;
/** Extensions reported as their own fields; any other is named in `other`. */
const OWN_FIELDS = new Set<ExtensionType>([
  ExtensionType.TransferFeeConfig,
  ExtensionType.PermanentDelegate,
  ExtensionType.TransferHook,
  ExtensionType.NonTransferable,
  ExtensionType.DefaultAccountState,
]);

/** The RPC's name of an extension type ("metadataPointer"), as jsonParsed prints it. */
function extensionName(t: ExtensionType): string {
  const name = ExtensionType[t] as string | undefined;
  return name ? name[0]!.toLowerCase() + name.slice(1) : `unknown(${t})`;
}

/** An optional address stored as 32 zero bytes when absent (Token-2022's OptionalNonZeroPubkey). */
const present = (key: PublicKey | undefined): string | undefined =>
  key && !key.equals(PublicKey.default) ? key.toBase58() : undefined;

const badToken = (mint: string, why: string) => new UserError("bad_token", `${mint} is not a token mint: ${why}`, { mint });

function parseMint(mint: string): PublicKey {
  try {
    return new PublicKey(mint);
  } catch {
    throw badToken(mint, "not a Solana address");
  }
}

function programOf(owner: PublicKey): MintFacts["program"] | undefined {
  if (owner.equals(TOKEN_PROGRAM_ID)) return "spl-token";
  if (owner.equals(TOKEN_2022_PROGRAM_ID)) return "token-2022";
  return undefined;
}

export class SolanaTokenSafetyReader implements ChainTokenReader {
  private readonly connection: Connection;
  private readonly redact: Redact;
  private readonly maxPages: number;

  constructor(opts: TokenSafetyReaderOptions) {
    const timeoutMs = opts.timeoutMs ?? 10_000;
    this.connection = rpcConnection(opts.rpcUrl, { timeoutMs });
    this.redact = makeRedactor([opts.rpcUrl]);
    this.maxPages = Math.max(1, opts.maxSignaturePages ?? 5);
  }

  private async rpc<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (e) {
      if (e instanceof UserError) throw e;
      throw rpcFailure(e, what, this.redact);
    }
  }

  async mintFacts(mint: string): Promise<MintFacts> {
    const key = parseMint(mint);
    const info = await this.rpc("getAccountInfo", () => this.connection.getAccountInfo(key));
    if (!info) throw badToken(mint, "no account at this address");
    const program = programOf(info.owner);
    if (!program) throw badToken(mint, "the account is not owned by a token program");
    let m: Mint;
    try {
      m = unpackMint(key, info, info.owner);
    } catch {
      throw badToken(mint, "the account is a token account, not a mint");
    }
    if (!m.isInitialized) throw badToken(mint, "the mint is not initialised");
    return {
      mint: key.toBase58(),
      program,
      decimals: m.decimals,
      supply: m.supply,
      mintAuthority: m.mintAuthority?.toBase58() ?? null,
      freezeAuthority: m.freezeAuthority?.toBase58() ?? null,
      extensions: program === "token-2022" ? await this.extensions(m) : {},
    };
  }

  private async extensions(m: Mint): Promise<MintExtensions> {
    const types = getExtensionTypes(m.tlvData);
    const out: MintExtensions = {};
    const fee = getTransferFeeConfig(m);
    if (fee) {
      // The fee in force is the newer one from its epoch on, the older one before: ask for the epoch.
      const { epoch } = await this.rpc("getEpochInfo", () => this.connection.getEpochInfo());
      const now = getEpochFee(fee, BigInt(epoch));
      out.transferFee = { bps: now.transferFeeBasisPoints, maxFee: now.maximumFee };
    }
    const delegate = present(getPermanentDelegate(m)?.delegate);
    if (delegate) out.permanentDelegate = delegate;
    const hook = present(getTransferHook(m)?.programId);
    if (hook) out.transferHook = hook;
    if (getNonTransferable(m)) out.nonTransferable = true;
    if (getDefaultAccountState(m)?.state === AccountState.Frozen) out.defaultFrozen = true;
    const other = types.filter((t) => !OWN_FIELDS.has(t)).map(extensionName);
    if (other.length > 0) out.other = other;
    return out;
  }

  async largestHolders(mint: string): Promise<HolderFacts> {
    const key = parseMint(mint);
    const notAMint = (e: unknown) => {
      if ((e as { code?: unknown })?.code === -32602) throw badToken(mint, "the RPC node does not know it as a mint");
      throw e;
    };
    const [largest, supply] = await Promise.all([
      this.rpc("getTokenLargestAccounts", () => this.connection.getTokenLargestAccounts(key).catch(notAMint)),
      this.rpc("getTokenSupply", () => this.connection.getTokenSupply(key).catch(notAMint)),
    ]);
    const addresses = largest.value.map((a) => a.address);
    const infos = addresses.length
      ? await this.rpc("getMultipleAccountsInfo", () => this.connection.getMultipleAccountsInfo(addresses))
      : [];
    const owners = addresses.map((a, i) => ownerOf(a, infos[i] ?? null));
    const ownerPrograms = await this.programsOf(owners.filter((o): o is PublicKey => o !== null && !knownOwner(o)));
    const holders: HolderAccount[] = largest.value.map((a, i) => {
      const owner = owners[i] ?? null;
      return {
        account: a.address.toBase58(),
        owner: owner?.toBase58() ?? null,
        amount: BigInt(a.amount),
        excluded: classify(a.address, owner, ownerPrograms),
      };
    });
    return { supply: BigInt(supply.value.amount), largest: holders };
  }

  /** The program owning each of these accounts (vault owners that are pool accounts), by address. */
  private async programsOf(keys: PublicKey[]): Promise<Map<string, string>> {
    const unique = [...new Map(keys.map((k) => [k.toBase58(), k])).values()];
    const out = new Map<string, string>();
    if (unique.length === 0) return out;
    const infos = await this.rpc("getMultipleAccountsInfo", () => this.connection.getMultipleAccountsInfo(unique));
    unique.forEach((k, i) => {
      const info = infos[i];
      if (info) out.set(k.toBase58(), info.owner.toBase58());
    });
    return out;
  }

  /** The pool's two mints when the address is a DEX pool (adapters/solana/pool-mints.ts), else undefined. */
  async poolMints(address: string): Promise<PoolMints | undefined> {
    let key: PublicKey;
    try {
      key = new PublicKey(address);
    } catch {
      return undefined;
    }
    return this.rpc("getAccountInfo", () => readPoolMints(this.connection, key));
  }

  async firstActivity(mint: string): Promise<AgeFacts> {
    const key = parseMint(mint);
    let before: string | undefined;
    let oldest: number | null = null;
    for (let page = 0; page < this.maxPages; page++) {
      const sigs = await this.rpc("getSignaturesForAddress", () =>
        this.connection.getSignaturesForAddress(key, { limit: SIGNATURE_PAGE, ...(before ? { before } : {}) }),
      );
      for (const s of sigs) if (typeof s.blockTime === "number") oldest = s.blockTime * 1000;
      if (sigs.length < SIGNATURE_PAGE) return { firstSeenAt: oldest, atLeast: false };
      before = sigs[sigs.length - 1]!.signature;
    }
    return { firstSeenAt: oldest, atLeast: true };
  }
}

function ownerOf(address: PublicKey, info: AccountInfo<Buffer> | null): PublicKey | null {
  if (!info || !programOf(info.owner)) return null;
  try {
    return unpackAccount(address, info, info.owner).owner;
  } catch {
    return null;
  }
}

const knownOwner = (o: PublicKey) => BURN_OWNERS.has(o.toBase58()) || POOL_AUTHORITIES.has(o.toBase58());

function classify(account: PublicKey, owner: PublicKey | null, ownerPrograms: Map<string, string>): HolderAccount["excluded"] {
  if (BURN_OWNERS.has(account.toBase58())) return "burn";
  if (!owner) return null;
  const o = owner.toBase58();
  if (BURN_OWNERS.has(o)) return "burn";
  if (POOL_AUTHORITIES.has(o)) return "pool";
  const program = ownerPrograms.get(o);
  return program !== undefined && POOL_PROGRAMS.has(program) ? "pool" : null;
}
