import {
  AccountLayout,
  ExtensionType,
  NATIVE_MINT,
  TOKEN_2022_PROGRAM_ID,
  TOKEN_PROGRAM_ID,
  createAssociatedTokenAccountIdempotentInstruction,
  createTransferCheckedInstruction,
  getEpochFee,
  getAccountLen,
  getAccountTypeOfMintType,
  getExtensionTypes,
  getTransferFeeConfig,
  isAccountExtension,
  unpackMint,
} from "@solana/spl-token";
import {
  ComputeBudgetProgram,
  Connection,
  PublicKey,
  SystemProgram,
  TransactionMessage,
  VersionedTransaction,
  type AccountInfo,
  type TransactionInstruction,
} from "@solana/web3.js";
import { RemoteError, UserError } from "../../core/errors.js";
import type { PriorityFeeLevel } from "../../core/domain/user-settings.js";
import type { Logger } from "../../core/ports/logger.port.js";
import type { TxCheck } from "../../core/ports/trading.port.js";
import type { WithdrawChain, WithdrawPlan, WithdrawTransfer } from "../../core/ports/withdraw-tx.port.js";
import { rpcConnection } from "./rpc-connection.js";
import { makeRedactor, rpcFailure, type Redact } from "./rpc-errors.js";
import { ataOf, checkWithdrawal } from "./withdraw-rules.js";

/** A user's priority-fee level as a share of the operator's PRIORITY_FEE_MAX_LAMPORTS (as swaps use it). */
const PRIORITY_SHARE: Record<PriorityFeeLevel, number> = { none: 0, low: 0.25, medium: 0.5, high: 1 };
/** Compute units asked for: a System transfer needs a few hundred; creating a token account and transferChecked tens of thousands. */
const UNITS = { sol: 5_000, token: 60_000, token2022: 100_000 } as const;
const BASE_FEE = 5000n;

export interface SolanaWithdrawalsOptions {
  rpcUrl: string;
  /** PRIORITY_FEE_MAX_LAMPORTS: the priority fee at the "high" level (low: a quarter, medium: half). */
  maxPriorityFeeLamports: number;
  timeoutMs?: number;
  log: Logger;
}

const key = (s: string, what: string) => {
  try {
    return new PublicKey(s);
  } catch {
    throw new UserError("bad_address", `The ${what} address is not valid.`);
  }
};

/** Where the tokens move: the owner's and the destination's token accounts under the mint's program. */
interface Accounts {
  owner: PublicKey;
  to: PublicKey;
  token?: { mint: PublicKey; program: PublicKey; decimals: number; source: PublicKey; dest: PublicKey; mintInfo: AccountInfo<Buffer> };
}

/**
 * Withdrawals built by Purser with @solana/web3.js and @solana/spl-token: SOL as a System transfer; an
 * SPL or Token-2022 token as createAssociatedTokenAccountIdempotent (only when the destination has no
 * token account) plus transferChecked under the mint's own program; a compute-unit limit and a priority
 * price from the user's level within the operator's cap. `inspect` judges the built bytes before signing
 * (withdraw-rules.ts) and simulates them; anything else is refused.
 */
export class SolanaWithdrawals implements WithdrawChain {
  private readonly connection: Connection;
  private readonly redact: Redact;
  private readonly log: Logger;
  private readonly maxPriority: bigint;

  constructor(private readonly opts: SolanaWithdrawalsOptions) {
    const timeoutMs = opts.timeoutMs ?? 15_000;
    this.connection = rpcConnection(opts.rpcUrl, { timeoutMs });
    this.redact = makeRedactor([opts.rpcUrl]);
    this.log = opts.log.child({ adapter: "solana-withdraw" });
    this.maxPriority = BigInt(Math.max(0, Math.floor(opts.maxPriorityFeeLamports)));
  }

  private async rpc<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (e) {
      throw rpcFailure(e, what, this.redact);
    }
  }

  /** The token program of the mint as the chain says (never as a transaction says), and the two token accounts. */
  private async accounts(t: Omit<WithdrawTransfer, "amount">): Promise<Accounts> {
    const owner = key(t.owner, "wallet");
    const to = key(t.to, "destination");
    if (t.mint === NATIVE_MINT.toBase58()) return { owner, to };
    const mint = key(t.mint, "token");
    const mintInfo = await this.rpc("getAccountInfo", () => this.connection.getAccountInfo(mint));
    if (!mintInfo) throw new UserError("unknown_token", `Token ${t.mint} was not found on Solana.`);
    const program = mintInfo.owner;
    if (!program.equals(TOKEN_PROGRAM_ID) && !program.equals(TOKEN_2022_PROGRAM_ID)) throw new UserError("unknown_token", `${t.mint} is not a token mint.`);
    return { owner, to, token: { mint, program, decimals: t.decimals, source: ataOf(mint, owner, program), dest: ataOf(mint, to, program), mintInfo } };
  }

  private priority(a: Accounts, level: PriorityFeeLevel | undefined): { units: number; microLamports: bigint; feeLamports: bigint } {
    const units = !a.token ? UNITS.sol : a.token.program.equals(TOKEN_2022_PROGRAM_ID) ? UNITS.token2022 : UNITS.token;
    const budget = (this.maxPriority * BigInt(Math.round(PRIORITY_SHARE[level ?? "high"] * 100))) / 100n;
    const microLamports = (budget * 1_000_000n) / BigInt(units);
    return { units, microLamports, feeLamports: BASE_FEE + (microLamports * BigInt(units) + 999_999n) / 1_000_000n };
  }

  async plan(t: Omit<WithdrawTransfer, "amount">, level?: PriorityFeeLevel): Promise<WithdrawPlan> {
    const a = await this.accounts(t);
    const fee = this.priority(a, level);
    const [lamports, rentExemptMinimum] = await Promise.all([
      this.rpc("getBalance", () => this.connection.getBalance(a.owner)),
      this.rpc("getMinimumBalanceForRentExemption", () => this.connection.getMinimumBalanceForRentExemption(0)),
    ]);
    if (!a.token) {
      const dest = await this.rpc("getBalance", () => this.connection.getBalance(a.to));
      return { held: BigInt(lamports), lamports: BigInt(lamports), networkFeeLamports: fee.feeLamports, rentLamports: 0n, destinationLamports: BigInt(dest), rentExemptMinimum: BigInt(rentExemptMinimum) };
    }
    const tk = a.token;
    const [source, dest] = await this.rpc("getMultipleAccounts", () => this.connection.getMultipleAccountsInfo([tk.source, tk.dest]));
    const held = source && source.data.length >= AccountLayout.span ? AccountLayout.decode(source.data.subarray(0, AccountLayout.span)).amount : 0n;
    let rentLamports = 0n;
    if (!dest) {
      const size = accountSizeFor(tk.mint, tk.mintInfo, tk.program);
      rentLamports = BigInt(await this.rpc("getMinimumBalanceForRentExemption", () => this.connection.getMinimumBalanceForRentExemption(size)));
    }
    const transferFee = await this.transferFee(tk);
    return {
      held,
      lamports: BigInt(lamports),
      networkFeeLamports: fee.feeLamports,
      rentLamports,
      destinationLamports: 0n,
      rentExemptMinimum: BigInt(rentExemptMinimum),
      ...(transferFee ? { transferFee } : {}),
    };
  }

  /** A Token-2022 mint's transfer fee in force this epoch (the destination receives the amount minus it), if any. */
  private async transferFee(tk: NonNullable<Accounts["token"]>): Promise<{ bps: number; maxFee: bigint } | undefined> {
    if (!tk.program.equals(TOKEN_2022_PROGRAM_ID)) return undefined;
    const config = getTransferFeeConfig(unpackMint(tk.mint, tk.mintInfo, tk.program));
    if (!config) return undefined;
    const { epoch } = await this.rpc("getEpochInfo", () => this.connection.getEpochInfo("confirmed"));
    const f = getEpochFee(config, BigInt(epoch));
    return f.transferFeeBasisPoints > 0 ? { bps: f.transferFeeBasisPoints, maxFee: f.maximumFee } : undefined;
  }

  async build(t: WithdrawTransfer, level?: PriorityFeeLevel): Promise<{ txBase64: string; lastValidBlockHeight: number }> {
    const a = await this.accounts(t);
    const fee = this.priority(a, level);
    const ixs: TransactionInstruction[] = [ComputeBudgetProgram.setComputeUnitLimit({ units: fee.units })];
    if (fee.microLamports > 0n) ixs.push(ComputeBudgetProgram.setComputeUnitPrice({ microLamports: fee.microLamports }));
    if (!a.token) {
      ixs.push(SystemProgram.transfer({ fromPubkey: a.owner, toPubkey: a.to, lamports: t.amount }));
    } else {
      const tk = a.token;
      const dest = await this.rpc("getAccountInfo", () => this.connection.getAccountInfo(tk.dest));
      if (!dest) ixs.push(createAssociatedTokenAccountIdempotentInstruction(a.owner, tk.dest, a.to, tk.mint, tk.program));
      ixs.push(createTransferCheckedInstruction(tk.source, tk.mint, tk.dest, a.owner, t.amount, t.decimals, [], tk.program));
    }
    const { blockhash, lastValidBlockHeight } = await this.rpc("getLatestBlockhash", () => this.connection.getLatestBlockhash("confirmed"));
    const message = new TransactionMessage({ payerKey: a.owner, recentBlockhash: blockhash, instructions: ixs }).compileToV0Message();
    return { txBase64: Buffer.from(new VersionedTransaction(message).serialize()).toString("base64"), lastValidBlockHeight };
  }

  async inspect(txBase64: string, expect: WithdrawTransfer): Promise<TxCheck> {
    const verdict = await this.judge(txBase64, expect);
    if (!verdict.ok) this.log.warn({ owner: expect.owner, to: expect.to, reason: verdict.reason }, "withdrawal transaction refused");
    return verdict;
  }

  private async judge(txBase64: string, expect: WithdrawTransfer): Promise<TxCheck> {
    if (expect.amount <= 0n) return { ok: false, reason: "the amount is not positive" };
    let tx: VersionedTransaction;
    try {
      tx = VersionedTransaction.deserialize(Buffer.from(txBase64, "base64"));
    } catch {
      return { ok: false, reason: "the transaction could not be decoded" };
    }
    let a: Accounts;
    try {
      a = await this.accounts(expect);
    } catch (err) {
      if (err instanceof RemoteError) throw err;
      return { ok: false, reason: err instanceof Error ? err.message : "the withdrawal names an invalid address" };
    }
    const fee = this.priority(a, "high");
    const rules = checkWithdrawal(tx.message, {
      owner: a.owner,
      to: a.to,
      ...(a.token ? { token: { mint: a.token.mint, program: a.token.program, decimals: a.token.decimals } } : {}),
      amount: expect.amount,
      maxFeeLamports: fee.feeLamports,
    });
    if (rules.reason) return { ok: false, reason: rules.reason };
    const sim = await this.rpc("simulateTransaction", () => this.connection.simulateTransaction(tx, { sigVerify: false, replaceRecentBlockhash: false }));
    if (sim.value.err) {
      const hint = sim.value.logs?.find((l) => /error|insufficient|failed/i.test(l));
      const text = `simulation failed: ${JSON.stringify(sim.value.err)}${hint ? ` (${hint})` : ""}`;
      return { ok: false, reason: text.length > 300 ? `${text.slice(0, 297)}...` : text };
    }
    return { ok: true };
  }
}

/** Bytes of the destination's associated token account: 165 for SPL Token; for Token-2022 its mint's account extensions plus ImmutableOwner. */
function accountSizeFor(mint: PublicKey, info: AccountInfo<Buffer>, program: PublicKey): number {
  if (!program.equals(TOKEN_2022_PROGRAM_ID)) return AccountLayout.span;
  const m = unpackMint(mint, info, program);
  const types = new Set<ExtensionType>([ExtensionType.ImmutableOwner]);
  for (const e of getExtensionTypes(m.tlvData)) {
    const acct = getAccountTypeOfMintType(e);
    if (isAccountExtension(acct)) types.add(acct);
  }
  return getAccountLen([...types]);
}
