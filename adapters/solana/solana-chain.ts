import { NATIVE_MINT, TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID, getAssociatedTokenAddressSync } from "@solana/spl-token";
import {
  Connection,
  PublicKey,
  VersionedTransaction,
  type AccountInfo,
  type AddressLookupTableAccount,
  type MessageAccountKeys,
  type VersionedMessage,
} from "@solana/web3.js";
import { RemoteError } from "../../core/errors.js";
import type { Logger } from "../../core/ports/logger.port.js";
import type {
  Chain,
  ExecutedAmounts,
  SignatureState,
  TokenBalance,
  TxCheck,
  TxExpectation,
} from "../../core/ports/trading.port.js";
import { encodeBase58 } from "./base58.js";
import { rpcConnection } from "./rpc-connection.js";
import { makeRedactor, rpcFailure, type Redact } from "./rpc-errors.js";
import { DEFAULT_ALLOWED_PROGRAMS, checkInstructions, wsolAtaOf } from "./tx-rules.js";
import { judgeSimulation, type AccountState } from "./tx-simulation.js";

export { DEFAULT_ALLOWED_PROGRAMS, JUPITER_V6_PROGRAM } from "./tx-rules.js";

/** The SOL "mint" in balances and deltas (the wrapped-SOL mint address). */
export const SOL_MINT = NATIVE_MINT.toBase58();

export interface SolanaChainOptions {
  rpcUrl: string;
  wsUrl?: string;
  commitment?: "confirmed";
  /** Programs a swap transaction may call at top level (default: Jupiter v6, System, Token, Token-2022, ATA, Compute Budget). */
  allowedPrograms?: string[];
  /** Highest network + priority fee accepted in a swap transaction (default 0.01 SOL). */
  maxFeeLamports?: bigint;
  /** SOL the owner may lose beyond fees and tracked rent, e.g. rent of accounts a DEX opens (default 0.002 SOL). */
  solSlackLamports?: bigint;
  /** Per-request timeout for RPC calls (default 15 s). */
  timeoutMs?: number;
  log: Logger;
}

/** The transaction id of a signed base64 transaction: base58 of its first signature. */
export function signatureOf(txBase64: string): string {
  let tx: VersionedTransaction;
  try {
    tx = VersionedTransaction.deserialize(Buffer.from(txBase64, "base64"));
  } catch {
    throw new Error("not a valid transaction");
  }
  const first = tx.signatures[0];
  if (!first || first.every((b) => b === 0)) throw new Error("transaction is not signed");
  return encodeBase58(first);
}

const toState = (a: AccountInfo<Buffer> | null): AccountState | null =>
  a ? { lamports: BigInt(a.lamports), program: a.owner.toBase58(), data: a.data } : null;

function parseKey(s: string): PublicKey | undefined {
  try {
    return new PublicKey(s);
  } catch {
    return undefined;
  }
}

const refuse = (reason: string): TxCheck => ({ ok: false, reason });

export class SolanaChain implements Chain {
  private readonly connection: Connection;
  private readonly redact: Redact;
  private readonly allowed: ReadonlySet<string>;
  private readonly maxFeeLamports: bigint;
  private readonly slack: bigint;
  private readonly log: Logger;

  constructor(opts: SolanaChainOptions) {
    const timeoutMs = opts.timeoutMs ?? 15_000;
    this.connection = rpcConnection(opts.rpcUrl, { timeoutMs, commitment: opts.commitment ?? "confirmed", ...(opts.wsUrl ? { wsUrl: opts.wsUrl } : {}) });
    this.redact = makeRedactor([opts.rpcUrl, opts.wsUrl]);
    this.allowed = new Set(opts.allowedPrograms ?? DEFAULT_ALLOWED_PROGRAMS);
    this.maxFeeLamports = opts.maxFeeLamports ?? 10_000_000n;
    this.slack = opts.solSlackLamports ?? 2_000_000n;
    this.log = opts.log.child({ adapter: "solana" });
  }

  private async rpc<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (e) {
      throw rpcFailure(e, what, this.redact);
    }
  }

  async balances(owner: string): Promise<{ lamports: bigint; tokens: TokenBalance[] }> {
    const key = parseKey(owner);
    if (!key) throw new RemoteError("solana", "solana: balances: not a valid address", false);
    const [lamports, classic, t22] = await Promise.all([
      this.rpc("getBalance", () => this.connection.getBalance(key)),
      this.rpc("getParsedTokenAccountsByOwner", () =>
        this.connection.getParsedTokenAccountsByOwner(key, { programId: TOKEN_PROGRAM_ID }),
      ),
      this.rpc("getParsedTokenAccountsByOwner", () =>
        this.connection.getParsedTokenAccountsByOwner(key, { programId: TOKEN_2022_PROGRAM_ID }),
      ),
    ]);
    const byMint = new Map<string, TokenBalance>();
    const add = (entries: typeof classic.value, program: TokenBalance["program"]) => {
      for (const { account } of entries) {
        const info = (account.data as { parsed?: { info?: unknown } })?.parsed?.info as
          | { mint?: unknown; tokenAmount?: { amount?: unknown; decimals?: unknown } }
          | undefined;
        const mint = info?.mint;
        const amount = info?.tokenAmount?.amount;
        const decimals = info?.tokenAmount?.decimals;
        if (typeof mint !== "string" || !parseKey(mint)) continue;
        if (typeof amount !== "string" || !/^\d{1,20}$/.test(amount)) continue;
        if (typeof decimals !== "number" || !Number.isInteger(decimals) || decimals < 0 || decimals > 255) continue;
        const prev = byMint.get(mint);
        byMint.set(mint, { mint, decimals, program, amount: (prev?.amount ?? 0n) + BigInt(amount) });
      }
    };
    add(classic.value, "token");
    add(t22.value, "token-2022");
    return { lamports: BigInt(lamports), tokens: [...byMint.values()].filter((t) => t.amount > 0n) };
  }

  async inspect(txBase64: string, expect: TxExpectation): Promise<TxCheck> {
    const verdict = await this.judge(txBase64, expect);
    if (!verdict.ok) this.log.warn({ owner: expect.owner, reason: verdict.reason }, "swap transaction refused");
    return verdict;
  }

  private async judge(txBase64: string, expect: TxExpectation): Promise<TxCheck> {
    const owner = parseKey(expect.owner);
    const inputMint = parseKey(expect.inputMint);
    const outputMint = parseKey(expect.outputMint);
    if (!owner || !inputMint || !outputMint) return refuse("the swap names an invalid address");
    if (expect.inAmount <= 0n || expect.minOutAmount < 0n) return refuse("the swap amounts are invalid");
    let tx: VersionedTransaction;
    try {
      tx = VersionedTransaction.deserialize(Buffer.from(txBase64, "base64"));
    } catch {
      return refuse("the transaction could not be decoded");
    }
    const message = tx.message;
    if (!message.staticAccountKeys[0]?.equals(owner)) return refuse("fee payer is not your wallet");
    const keys = await this.accountKeys(message);
    if (typeof keys === "string") return refuse(keys);

    const rules = checkInstructions(message, keys, {
      owner,
      inputMint,
      inAmount: expect.inAmount,
      allowed: this.allowed,
      maxFeeLamports: this.maxFeeLamports,
    });
    if (rules.reason) return refuse(rules.reason);

    const programs = await this.mintPrograms([inputMint, outputMint]);
    if (typeof programs === "string") return refuse(programs);
    const inputIsSol = inputMint.equals(NATIVE_MINT);
    const outputIsSol = outputMint.equals(NATIVE_MINT);
    const ataOf = (mint: PublicKey, program: PublicKey) =>
      getAssociatedTokenAddressSync(mint, owner, true, program).toBase58();
    const [inputProgram = TOKEN_PROGRAM_ID, outputProgram = TOKEN_PROGRAM_ID] = programs;
    const inputAccount = inputIsSol ? undefined : ataOf(inputMint, inputProgram);
    const outputAccount = outputIsSol ? undefined : ataOf(outputMint, outputProgram);
    const solAccounts = [wsolAtaOf(owner).toBase58(), ...rules.ownerAtasCreated.map((k) => k.toBase58())];
    const tracked = [
      ...new Set([owner.toBase58(), ...solAccounts, ...(inputAccount ? [inputAccount] : []), ...(outputAccount ? [outputAccount] : [])]),
    ];

    const pre = await this.rpc("getMultipleAccounts", () =>
      this.connection.getMultipleAccountsInfo(tracked.map((k) => new PublicKey(k))),
    );
    const sim = await this.rpc("simulateTransaction", () =>
      this.connection.simulateTransaction(tx, {
        sigVerify: false,
        replaceRecentBlockhash: false,
        accounts: { addresses: tracked, encoding: "base64" },
      }),
    );
    const { err, logs, accounts } = sim.value;
    if (err) return refuse(simulationFailure(err, logs));
    if (!accounts || accounts.length !== tracked.length) return refuse("simulation failed: no account state returned");

    const before = new Map(tracked.map((k, i) => [k, toState(pre[i] ?? null)] as const));
    const after = new Map(
      tracked.map((k, i) => {
        const a = accounts[i];
        const state: AccountState | null = a
          ? { lamports: BigInt(a.lamports), program: a.owner, data: Buffer.from(a.data[0] ?? "", "base64") }
          : null;
        return [k, state] as const;
      }),
    );
    const reason = judgeSimulation({
      owner,
      inAmount: expect.inAmount,
      minOutAmount: expect.minOutAmount,
      inputIsSol,
      outputIsSol,
      ...(inputAccount ? { inputAccount } : {}),
      ...(outputAccount ? { outputAccount } : {}),
      solAccounts,
      feeLamports: rules.feeLamports,
      slackLamports: this.slack,
      before,
      after,
    });
    return reason ? refuse(reason) : { ok: true };
  }

  /** Static keys plus lookup-table keys, or a refusal reason when a table cannot be loaded. */
  private async accountKeys(message: VersionedMessage): Promise<MessageAccountKeys | string> {
    if (message.addressTableLookups.length === 0) return message.getAccountKeys();
    const tables: AddressLookupTableAccount[] = [];
    for (const lookup of message.addressTableLookups) {
      const res = await this.rpc("getAddressLookupTable", () => this.connection.getAddressLookupTable(lookup.accountKey));
      if (!res.value) return `address lookup table ${lookup.accountKey.toBase58()} was not found`;
      tables.push(res.value);
    }
    try {
      return message.getAccountKeys({ addressLookupTableAccounts: tables });
    } catch {
      return "the transaction's address lookup tables do not match";
    }
  }

  /** The token program of each mint (SOL is SPL Token), or a refusal reason. */
  private async mintPrograms(mints: PublicKey[]): Promise<PublicKey[] | string> {
    const infos = await this.rpc("getMultipleAccounts", () => this.connection.getMultipleAccountsInfo(mints));
    const out: PublicKey[] = [];
    for (const [i, mint] of mints.entries()) {
      if (mint.equals(NATIVE_MINT)) {
        out.push(TOKEN_PROGRAM_ID);
        continue;
      }
      const owner = infos[i]?.owner;
      if (!owner) return `token ${mint.toBase58()} was not found`;
      if (!owner.equals(TOKEN_PROGRAM_ID) && !owner.equals(TOKEN_2022_PROGRAM_ID)) {
        return `${mint.toBase58()} is not a token mint`;
      }
      out.push(owner);
    }
    return out;
  }

  async send(signedTxBase64: string): Promise<string> {
    const signature = signatureOf(signedTxBase64);
    const got = await this.rpc("sendTransaction", () =>
      this.connection.sendRawTransaction(Buffer.from(signedTxBase64, "base64"), { skipPreflight: true, maxRetries: 0 }),
    );
    if (got !== signature) this.log.warn({ signature, got }, "RPC answered a different signature than the bytes carry");
    return signature;
  }

  async status(signature: string, searchHistory: boolean): Promise<SignatureState> {
    const res = await this.rpc("getSignatureStatuses", () =>
      this.connection.getSignatureStatuses([signature], { searchTransactionHistory: searchHistory }),
    );
    const s = res.value[0];
    if (!s) return { state: "unknown" };
    if (s.confirmationStatus === "processed") return { state: "pending" };
    return s.err ? { state: "landed", ok: false, error: JSON.stringify(s.err) } : { state: "landed", ok: true };
  }

  blockHeight(): Promise<number> {
    return this.rpc("getBlockHeight", () => this.connection.getBlockHeight());
  }

  async executed(signature: string, owner: string): Promise<ExecutedAmounts | undefined> {
    const res = await this.rpc("getTransaction", () =>
      this.connection.getTransaction(signature, { maxSupportedTransactionVersion: 0, commitment: "confirmed" }),
    );
    if (!res) return undefined;
    const meta = res.meta;
    if (!meta) throw new RemoteError("solana", "solana: getTransaction returned no metadata", true);
    const deltas = new Map<string, bigint>();
    const add = (mint: string, d: bigint) => deltas.set(mint, (deltas.get(mint) ?? 0n) + d);
    for (const [balances, sign] of [
      [meta.preTokenBalances ?? [], -1n],
      [meta.postTokenBalances ?? [], 1n],
    ] as const) {
      for (const b of balances) {
        if (b.owner !== owner || !/^\d+$/.test(b.uiTokenAmount.amount)) continue;
        add(b.mint, sign * BigInt(b.uiTokenAmount.amount));
      }
    }
    const keys = res.transaction.message.getAccountKeys({ accountKeysFromLookups: meta.loadedAddresses ?? null });
    let feeLamports = 0n;
    for (let i = 0; i < keys.length; i++) {
      if (keys.get(i)?.toBase58() !== owner) continue;
      const fee = i === 0 ? BigInt(meta.fee) : 0n;
      feeLamports = fee;
      add(SOL_MINT, BigInt(meta.postBalances[i] ?? 0) - BigInt(meta.preBalances[i] ?? 0) + fee);
      break;
    }
    for (const [mint, d] of deltas) if (d === 0n) deltas.delete(mint);
    return meta.err
      ? { ok: false, error: JSON.stringify(meta.err), deltas, feeLamports }
      : { ok: true, deltas, feeLamports };
  }
}

function simulationFailure(err: unknown, logs: string[] | null): string {
  if (err === "BlockhashNotFound") return "simulation failed: the transaction has expired (blockhash not found)";
  const hint = logs?.find((l) => /error|insufficient|failed/i.test(l));
  const text = `simulation failed: ${JSON.stringify(err)}${hint ? ` (${hint})` : ""}`;
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}
