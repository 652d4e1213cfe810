// The fake chain: a real LiteSVM instance (litesvm 1.4.1) plus what LiteSVM lacks for an RPC
// node: blocks (slot, block height), a table of recent blockhashes that expire after ~150 blocks,
// and a record of every landed transaction (status, logs, fee, pre/post balances).
// LiteSVM's own blockhash check is off; this class refuses unknown or expired blockhashes.
import { createHash, randomBytes } from "node:crypto";
import { address, getBase58Decoder, getTransactionDecoder, lamports as toLamports, type Transaction } from "@solana/kit";
import { PublicKey, VersionedTransaction } from "@solana/web3.js";
import { FailedTransactionMetadata, LiteSVM, type TransactionMetadata } from "litesvm";
import { SignatureHistory } from "./signature-history.js";
import { tokenBalancesFor, type AccountStore, type RpcTokenBalance, type StoredAccount } from "./tokens.js";
import { RpcError, preflightError, txErrorToJson, type RpcTransactionError } from "./tx-errors.js";

export interface ChainOptions {
  startSlot?: number;
  startBlockHeight?: number;
  /** How many blocks a blockhash stays valid (default 150, as on mainnet). */
  blockhashValidity?: number;
  /** Blocks after landing before a status reads "finalized" (default 0: at once). */
  finalizeAfterBlocks?: number;
}

export interface RpcInnerInstructions {
  index: number;
  instructions: Array<{ programIdIndex: number; accounts: number[]; data: string; stackHeight: number }>;
}

/** A transaction that landed (successfully or not: a failed one still pays its fee). */
export interface TxRecord {
  signature: string;
  slot: number;
  blockHeight: number;
  blockTime: number;
  /** Signed wire bytes; null for airdrops. */
  wire: Uint8Array | null;
  version: "legacy" | 0;
  err: RpcTransactionError | null;
  logs: string[];
  fee: number;
  unitsConsumed: number;
  accountKeys: PublicKey[];
  preBalances: number[];
  postBalances: number[];
  preTokenBalances: RpcTokenBalance[];
  postTokenBalances: RpcTokenBalance[];
  innerInstructions: RpcInnerInstructions[];
}

export interface SimulationResult {
  err: RpcTransactionError | null;
  logs: string[];
  unitsConsumed: number;
  /** Accounts after the simulated execution (only when it succeeded). */
  postAccounts: Map<string, StoredAccount> | null;
}

export interface SendOptions {
  skipPreflight?: boolean;
  /** Accept and answer with the signature, but never execute (a transaction that never lands). */
  drop?: boolean;
}

export interface SignatureStatus {
  slot: number;
  confirmations: number | null;
  err: RpcTransactionError | null;
  status: { Ok: null } | { Err: RpcTransactionError };
  confirmationStatus: "processed" | "confirmed" | "finalized";
}

const b58 = getBase58Decoder();
const kitTxDecoder = getTransactionDecoder();

function decodeWire(wire: Uint8Array): VersionedTransaction {
  try {
    return VersionedTransaction.deserialize(wire);
  } catch (e) {
    throw new RpcError(
      -32602,
      `invalid transaction: failed to deserialize solana_transaction::versioned::VersionedTransaction: ${(e as Error).message}`,
    );
  }
}

const signatureFailure = () => new RpcError(-32003, "Transaction signature verification failure");

export class FakeChain implements AccountStore {
  readonly svm: LiteSVM;
  readonly blockhashValidity: number;
  readonly finalizeAfterBlocks: number;
  private height: number;
  private slotNo: number;
  private readonly seed = randomBytes(8).toString("hex");
  private readonly hashes = new Map<string, number>(); // blockhash -> block height it was produced at
  private currentHash: string;
  private readonly records = new Map<string, TxRecord>();
  private readonly listeners = new Set<() => void>();
  /** Signatures accepted by a dropped send (never executed). */
  readonly dropped: string[] = [];
  /** Older signatures per address a test seeds (getSignaturesForAddress). */
  readonly history = new SignatureHistory();

  constructor(opts: ChainOptions = {}) {
    this.svm = new LiteSVM().withBlockhashCheck(false).withSigverify(true).withNativeMints();
    this.blockhashValidity = opts.blockhashValidity ?? 150;
    this.finalizeAfterBlocks = opts.finalizeAfterBlocks ?? 0;
    this.height = opts.startBlockHeight ?? 330_000_000;
    this.slotNo = opts.startSlot ?? 350_000_000;
    this.currentHash = this.makeHash(this.height);
    this.hashes.set(this.currentHash, this.height);
    this.svm.warpToSlot(BigInt(this.slotNo));
  }

  // ----- blocks and blockhashes -----

  private makeHash(height: number): string {
    const digest = createHash("sha256").update(`purser-fake:${this.seed}:${height}`).digest();
    return new PublicKey(digest).toBase58();
  }

  slot(): number {
    return this.slotNo;
  }

  blockHeight(): number {
    return this.height;
  }

  transactionCount(): number {
    return this.records.size;
  }

  latestBlockhash(): { blockhash: string; lastValidBlockHeight: number } {
    return { blockhash: this.currentHash, lastValidBlockHeight: this.height + this.blockhashValidity };
  }

  /** Produces `n` empty blocks, each with a fresh blockhash; old ones expire after `blockhashValidity`. */
  advanceBlocks(n = 1): void {
    this.produceBlocks(n);
    for (const fn of this.listeners) fn();
  }

  private produceBlocks(n: number): void {
    for (let i = 0; i < n; i++) {
      this.height += 1;
      this.slotNo += 1;
      this.currentHash = this.makeHash(this.height);
      this.hashes.set(this.currentHash, this.height);
    }
    const forgetBelow = this.height - this.blockhashValidity - 300;
    for (const [hash, h] of this.hashes) if (h < forgetBelow) this.hashes.delete(hash);
    this.svm.warpToSlot(BigInt(this.slotNo));
  }

  isBlockhashValid(blockhash: string): boolean {
    const h = this.hashes.get(blockhash);
    return h !== undefined && this.height <= h + this.blockhashValidity;
  }

  /** Called after every new block (and so after every landed transaction). */
  onBlock(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  // ----- accounts (AccountStore) -----

  getAccount(pubkey: PublicKey): StoredAccount | null {
    const acc = this.svm.getAccount(address(pubkey.toBase58()));
    if (!acc.exists) return null;
    return {
      lamports: BigInt(acc.lamports),
      owner: new PublicKey(acc.programAddress),
      data: acc.data,
      executable: acc.executable,
    };
  }

  setAccount(pubkey: PublicKey, account: StoredAccount): void {
    this.svm.setAccount({
      address: address(pubkey.toBase58()),
      lamports: toLamports(account.lamports),
      programAddress: address(account.owner.toBase58()),
      executable: account.executable,
      space: BigInt(account.data.length),
      data: account.data,
    });
  }

  programAccounts(programId: PublicKey): Array<{ pubkey: PublicKey; account: StoredAccount }> {
    return this.svm.getProgramAccounts(address(programId.toBase58())).map((a) => ({
      pubkey: new PublicKey(a.address),
      account: { lamports: BigInt(a.lamports), owner: programId, data: new Uint8Array(a.data), executable: a.executable },
    }));
  }

  rentExempt(dataLen: number): bigint {
    return this.svm.minimumBalanceForRentExemption(BigInt(dataLen));
  }

  lamportsOf(pubkey: PublicKey): bigint {
    return this.getAccount(pubkey)?.lamports ?? 0n;
  }

  /** Credits lamports through LiteSVM's airdrop; `record` makes it visible to getSignatureStatuses. */
  airdrop(pubkey: PublicKey, lamports: bigint, record = false): string {
    const res = this.svm.airdrop(address(pubkey.toBase58()), toLamports(lamports));
    if (!res || res instanceof FailedTransactionMetadata) throw new Error(`airdrop failed: ${String(res)}`);
    const signature = b58.decode(res.signature());
    if (record) {
      this.produceBlocks(1);
      this.records.set(signature, {
        signature,
        slot: this.slotNo,
        blockHeight: this.height,
        blockTime: Math.floor(Date.now() / 1000),
        wire: null,
        version: "legacy",
        err: null,
        logs: res.logs(),
        fee: 5000,
        unitsConsumed: Number(res.computeUnitsConsumed()),
        accountKeys: [],
        preBalances: [],
        postBalances: [],
        preTokenBalances: [],
        postTokenBalances: [],
        innerInstructions: [],
      });
      for (const fn of this.listeners) fn();
    }
    return signature;
  }

  // ----- transactions -----

  private checkSigned(tx: VersionedTransaction): void {
    const required = tx.message.header.numRequiredSignatures;
    if (tx.signatures.length < required) throw signatureFailure();
    for (let i = 0; i < required; i++) {
      const sig = tx.signatures[i];
      if (!sig || sig.every((b) => b === 0)) throw signatureFailure();
    }
  }

  private kitTx(wire: Uint8Array): Transaction {
    return kitTxDecoder.decode(wire);
  }

  /** Runs the transaction against current state without committing anything. */
  simulate(wire: Uint8Array, opts: { sigVerify?: boolean; replaceRecentBlockhash?: boolean } = {}): SimulationResult {
    const tx = decodeWire(wire);
    if (opts.sigVerify) this.checkSigned(tx);
    if (!opts.replaceRecentBlockhash && !this.isBlockhashValid(tx.message.recentBlockhash)) {
      return { err: "BlockhashNotFound", logs: [], unitsConsumed: 0, postAccounts: null };
    }
    this.svm.withSigverify(Boolean(opts.sigVerify));
    try {
      const res = this.svm.simulateTransaction(this.kitTx(wire));
      if (res instanceof FailedTransactionMetadata) {
        const meta = res.meta();
        return {
          err: txErrorToJson(res.err()),
          logs: meta.logs(),
          unitsConsumed: Number(meta.computeUnitsConsumed()),
          postAccounts: null,
        };
      }
      const meta = res.meta();
      const postAccounts = new Map<string, StoredAccount>();
      for (const a of res.postAccounts()) {
        postAccounts.set(a.address, {
          lamports: BigInt(a.lamports),
          owner: new PublicKey(a.programAddress),
          data: new Uint8Array(a.data),
          executable: a.executable,
        });
      }
      return { err: null, logs: meta.logs(), unitsConsumed: Number(meta.computeUnitsConsumed()), postAccounts };
    } catch {
      throw signatureFailure();
    } finally {
      this.svm.withSigverify(true);
    }
  }

  /**
   * sendTransaction semantics: the same signed bytes never execute twice (the known signature is
   * answered again); an unsigned transaction, an unknown or expired blockhash, or (unless
   * skipPreflight) a failing simulation is refused with the RPC error a node would give.
   */
  send(wire: Uint8Array, opts: SendOptions = {}): { signature: string; executed: boolean } {
    const tx = decodeWire(wire);
    this.checkSigned(tx);
    const signature = b58.decode(tx.signatures[0]!);
    if (this.records.has(signature)) return { signature, executed: false };
    if (!this.isBlockhashValid(tx.message.recentBlockhash)) {
      throw new RpcError(-32002, "Transaction simulation failed: Blockhash not found", {
        err: "BlockhashNotFound",
        logs: [],
        accounts: null,
        unitsConsumed: 0,
        returnData: null,
        innerInstructions: null,
      });
    }
    if (opts.drop) {
      this.dropped.push(signature);
      return { signature, executed: false };
    }
    if (!opts.skipPreflight) {
      const sim = this.simulate(wire, { sigVerify: true });
      if (sim.err) throw preflightError(sim);
    }
    this.execute(tx, wire, signature);
    return { signature, executed: true };
  }

  private execute(tx: VersionedTransaction, wire: Uint8Array, signature: string): void {
    const keys = tx.message.staticAccountKeys;
    const preBalances = keys.map((k) => this.lamportsOf(k));
    const preTokenBalances = tokenBalancesFor(this, keys);
    let res: TransactionMetadata | FailedTransactionMetadata;
    try {
      res = this.svm.sendTransaction(this.kitTx(wire));
    } catch {
      throw signatureFailure();
    }
    const err = res instanceof FailedTransactionMetadata ? txErrorToJson(res.err()) : null;
    const meta = res instanceof FailedTransactionMetadata ? res.meta() : res;
    const postBalances = keys.map((k) => this.lamportsOf(k));
    const fee = preBalances.reduce((s, b) => s + b, 0n) - postBalances.reduce((s, b) => s + b, 0n);
    if (err === "SignatureFailure" || err === "MissingSignatureForFee") throw signatureFailure();
    if (err !== null && fee === 0n) {
      // Nothing was charged, so a real leader would not have included it: it never lands.
      throw preflightError({ err, logs: meta.logs(), unitsConsumed: 0 });
    }
    this.produceBlocks(1); // the transaction lands in a new block; listeners run once it is recorded
    const record: TxRecord = {
      signature,
      slot: this.slotNo,
      blockHeight: this.height,
      blockTime: Math.floor(Date.now() / 1000),
      wire,
      version: tx.version === "legacy" ? "legacy" : 0,
      err,
      logs: meta.logs(),
      fee: Number(fee),
      unitsConsumed: Number(meta.computeUnitsConsumed()),
      accountKeys: keys,
      preBalances: preBalances.map(Number),
      postBalances: postBalances.map(Number),
      preTokenBalances,
      postTokenBalances: tokenBalancesFor(this, keys),
      innerInstructions: meta
        .innerInstructions()
        .map((list, index) => ({
          index,
          instructions: list.map((inner) => {
            const ix = inner.instruction();
            return {
              programIdIndex: ix.programIdIndex(),
              accounts: Array.from(ix.accounts()),
              data: b58.decode(ix.data()),
              stackHeight: inner.stackHeight(),
            };
          }),
        }))
        .filter((group) => group.instructions.length > 0),
    };
    this.records.set(signature, record);
    for (const fn of this.listeners) fn();
  }

  transaction(signature: string): TxRecord | undefined {
    return this.records.get(signature);
  }

  /** Every landed transaction (airdrops excluded) whose fee payer is `payer`, in landing order. */
  landedBy(payer: PublicKey): TxRecord[] {
    return [...this.records.values()].filter((r) => r.wire !== null && r.accountKeys[0]?.equals(payer));
  }

  /** Landed transactions that name `address` among their account keys. */
  touching(address: PublicKey): TxRecord[] {
    return [...this.records.values()].filter((r) => r.accountKeys.some((k) => k.equals(address)));
  }

  /**
   * What getSignatureStatuses reports. Without `searchTransactionHistory` only the recent status
   * cache (the last `blockhashValidity` blocks) is searched, as on a real node.
   */
  signatureStatus(signature: string, searchTransactionHistory = false): SignatureStatus | null {
    const rec = this.records.get(signature);
    if (!rec) return null;
    const age = this.height - rec.blockHeight;
    if (!searchTransactionHistory && age > this.blockhashValidity) return null;
    const finalized = age >= this.finalizeAfterBlocks;
    return {
      slot: rec.slot,
      confirmations: finalized ? null : age,
      err: rec.err,
      status: rec.err === null ? { Ok: null } : { Err: rec.err },
      confirmationStatus: finalized ? "finalized" : "confirmed",
    };
  }
}
