// Static rules for a swap transaction, judged before anything is signed. Pure: the caller
// resolves the account keys (lookup tables included) and passes them in.
import {
  ASSOCIATED_TOKEN_PROGRAM_ID,
  NATIVE_MINT,
  TOKEN_2022_PROGRAM_ID,
  TOKEN_PROGRAM_ID,
  getAssociatedTokenAddressSync,
} from "@solana/spl-token";
import { ComputeBudgetProgram, PublicKey, SystemProgram, type MessageAccountKeys, type VersionedMessage } from "@solana/web3.js";

export const JUPITER_V6_PROGRAM = "JUP6LkbZbjS1jKKwapdHNy74zcZ3tLUZoi5QNyVTaV4";

export const DEFAULT_ALLOWED_PROGRAMS: readonly string[] = [
  JUPITER_V6_PROGRAM,
  SystemProgram.programId.toBase58(),
  TOKEN_PROGRAM_ID.toBase58(),
  TOKEN_2022_PROGRAM_ID.toBase58(),
  ASSOCIATED_TOKEN_PROGRAM_ID.toBase58(),
  ComputeBudgetProgram.programId.toBase58(),
];

const TOKEN_IX: Record<number, string> = {
  0: "InitializeMint", 1: "InitializeAccount", 2: "InitializeMultisig", 3: "Transfer", 4: "Approve",
  5: "Revoke", 6: "SetAuthority", 7: "MintTo", 8: "Burn", 9: "CloseAccount", 10: "FreezeAccount",
  11: "ThawAccount", 12: "TransferChecked", 13: "ApproveChecked", 14: "MintToChecked", 15: "BurnChecked",
  16: "InitializeAccount2", 17: "SyncNative", 18: "InitializeAccount3", 19: "InitializeMultisig2",
  20: "InitializeMint2", 21: "GetAccountDataSize", 22: "InitializeImmutableOwner", 23: "AmountToUiAmount",
  24: "UiAmountToAmount", 26: "TransferFeeExtension",
};
/** Token instructions that cannot move or give away anything of the owner's. */
const HARMLESS_TOKEN_IX = new Set([1, 5, 16, 17, 18, 21, 22, 23, 24]);
const SYSTEM_IX: Record<number, string> = {
  0: "CreateAccount", 1: "Assign", 2: "Transfer", 3: "CreateAccountWithSeed", 4: "AdvanceNonceAccount",
  5: "WithdrawNonceAccount", 6: "InitializeNonceAccount", 7: "AuthorizeNonceAccount", 8: "Allocate",
  9: "AllocateWithSeed", 10: "AssignWithSeed", 11: "TransferWithSeed", 12: "UpgradeNonceAccount",
};

export interface RuleContext {
  owner: PublicKey;
  inputMint: PublicKey;
  inAmount: bigint;
  allowed: ReadonlySet<string>;
  maxFeeLamports: bigint;
}

export interface RuleOutcome {
  /** Why the transaction is refused; undefined when every rule passed. */
  reason?: string;
  /** Base fee plus priority fee the fee payer is charged (upper bound). */
  feeLamports: bigint;
  /** Associated token accounts of the owner that the owner pays to create (their rent stays the owner's). */
  ownerAtasCreated: PublicKey[];
}

/** The owner's wrapped-SOL associated token account (SPL Token). */
export const wsolAtaOf = (owner: PublicKey) => getAssociatedTokenAddressSync(NATIVE_MINT, owner, true, TOKEN_PROGRAM_ID);

const u64 = (data: Uint8Array, at: number): bigint | undefined =>
  data.length >= at + 8 ? Buffer.from(data.buffer, data.byteOffset, data.byteLength).readBigUInt64LE(at) : undefined;
const u32 = (data: Uint8Array, at: number): number | undefined =>
  data.length >= at + 4 ? Buffer.from(data.buffer, data.byteOffset, data.byteLength).readUInt32LE(at) : undefined;

/** What the scan of a transaction has learned so far, instruction by instruction. */
interface Scan {
  readonly ctx: RuleContext;
  /** The owner's associated token accounts for the input mint (SPL Token and Token-2022). */
  readonly inputAccounts: PublicKey[];
  readonly wsolAta: PublicKey;
  readonly ownerAtasCreated: PublicKey[];
  spent: bigint;
  unitLimit: number | undefined;
  microLamports: bigint;
  nonBudget: number;
}

/** One compiled instruction with its accounts resolved. */
interface Ix {
  readonly data: Uint8Array;
  readonly accountCount: number;
  acct(i: number): PublicKey | undefined;
  isOwner(i: number): boolean;
}

/** SPL Token / Token-2022: no delegates, authority changes or burns; transfers only out of the input account, within the quote. */
function tokenRefusal(ix: Ix, scan: Scan): string | undefined {
  const { ctx } = scan;
  const tag = ix.data[0];
  if (tag === undefined) return "the transaction has an empty token instruction";
  if (tag === 4 || tag === 13) return "the transaction approves a delegate";
  if (tag === 6) return "the transaction changes an account authority";
  if (tag === 8 || tag === 15) return "the transaction burns tokens";
  if (tag === 9) return ix.isOwner(1) ? undefined : "the transaction closes an account into another wallet";
  if (tag === 3 || tag === 12) {
    const checked = tag === 12;
    if (!ix.isOwner(checked ? 3 : 2)) return undefined; // not signed by the owner: cannot move the owner's tokens
    const source = ix.acct(0);
    const fromInput = checked
      ? (ix.acct(1)?.equals(ctx.inputMint) ?? false)
      : scan.inputAccounts.some((a) => source?.equals(a));
    if (!fromInput) return "the transaction sends tokens from your wallet to another account";
    const amount = u64(ix.data, 1);
    if (amount === undefined) return "the transaction has a malformed token transfer";
    scan.spent += amount;
    if (scan.spent > ctx.inAmount) return "the transaction spends more than the quoted input amount";
    return undefined;
  }
  if (!HARMLESS_TOKEN_IX.has(tag)) return `the transaction uses token instruction ${TOKEN_IX[tag] ?? tag}, which is not allowed`;
  return undefined;
}

/** System program: SOL moves only to the owner or its wrapped-SOL account; nothing else may touch the owner's wallet. */
function systemRefusal(ix: Ix, scan: Scan): string | undefined {
  const { owner } = scan.ctx;
  const tag = u32(ix.data, 0);
  if (tag === 2) {
    const to = ix.acct(1);
    if (ix.isOwner(0) && !to?.equals(owner) && !to?.equals(scan.wsolAta)) return "the transaction sends SOL to another account";
    return undefined;
  }
  const involvesOwner = Array.from({ length: ix.accountCount }, (_, i) => ix.isOwner(i)).some(Boolean);
  if (!involvesOwner) return undefined;
  if (tag === 1 || tag === 8 || tag === 9 || tag === 10) {
    return ix.isOwner(0) ? "the transaction reassigns your wallet to another program" : undefined;
  }
  if (tag === 0 || tag === 3) {
    if (ix.isOwner(1)) return "the transaction reassigns your wallet to another program";
    if (ix.isOwner(0)) return "the transaction moves SOL from your wallet into a new account";
    return undefined;
  }
  const name = tag === undefined ? "?" : (SYSTEM_IX[tag] ?? String(tag));
  return `the transaction uses System instruction ${name} on your wallet, which is not allowed`;
}

/** Associated token program: create (idempotent or not) only; the owner's own new accounts are noted for rent. */
function associatedTokenRefusal(ix: Ix, scan: Scan): string | undefined {
  const tag = ix.data[0] ?? 0;
  if (tag > 2) return `the transaction uses an unknown associated token instruction (${tag})`;
  if (tag <= 1 && ix.isOwner(0) && ix.isOwner(2)) {
    const ata = ix.acct(1);
    if (ata) scan.ownerAtasCreated.push(ata);
  }
  return undefined;
}

/** Compute budget: remembers the unit limit and the priority price for the fee. */
function readComputeBudget(ix: Ix, scan: Scan): undefined {
  if (ix.data[0] === 2) scan.unitLimit = u32(ix.data, 1);
  if (ix.data[0] === 3) scan.microLamports = u64(ix.data, 1) ?? 0n;
  return undefined;
}

function resolveIx(ix: VersionedMessage["compiledInstructions"][number], keys: MessageAccountKeys, owner: PublicKey): Ix {
  const acct = (i: number) => {
    const index = ix.accountKeyIndexes[i];
    return index === undefined ? undefined : keys.get(index);
  };
  return { data: ix.data, accountCount: ix.accountKeyIndexes.length, acct, isOwner: (i) => acct(i)?.equals(owner) ?? false };
}

function refusalFor(program: PublicKey, ix: Ix, scan: Scan): string | undefined {
  if (program.equals(TOKEN_PROGRAM_ID) || program.equals(TOKEN_2022_PROGRAM_ID)) return tokenRefusal(ix, scan);
  if (program.equals(SystemProgram.programId)) return systemRefusal(ix, scan);
  if (program.equals(ASSOCIATED_TOKEN_PROGRAM_ID)) return associatedTokenRefusal(ix, scan);
  if (program.equals(ComputeBudgetProgram.programId)) return readComputeBudget(ix, scan);
  return undefined;
}

/** Base fee per signature plus the priority fee over the unit limit (or the default 200k per non-budget instruction). */
function feeOf(message: VersionedMessage, scan: Scan): bigint {
  const units = BigInt(scan.unitLimit ?? Math.min(1_400_000, 200_000 * scan.nonBudget));
  return 5000n * BigInt(message.header.numRequiredSignatures) + (scan.microLamports * units + 999_999n) / 1_000_000n;
}

export function checkInstructions(message: VersionedMessage, keys: MessageAccountKeys, ctx: RuleContext): RuleOutcome {
  const { owner } = ctx;
  const scan: Scan = {
    ctx,
    inputAccounts: [TOKEN_PROGRAM_ID, TOKEN_2022_PROGRAM_ID].map((p) => getAssociatedTokenAddressSync(ctx.inputMint, owner, true, p)),
    wsolAta: wsolAtaOf(owner),
    ownerAtasCreated: [],
    spent: 0n,
    unitLimit: undefined,
    microLamports: 0n,
    nonBudget: 0,
  };
  const { ownerAtasCreated } = scan;
  const refuse = (reason: string): RuleOutcome => ({ reason, feeLamports: 0n, ownerAtasCreated });

  for (const compiled of message.compiledInstructions) {
    const program = keys.get(compiled.programIdIndex);
    if (!program) return refuse("the transaction refers to an account it does not include");
    const id = program.toBase58();
    if (!ctx.allowed.has(id)) return refuse(`program ${id} is not allowed`);
    if (!program.equals(ComputeBudgetProgram.programId)) scan.nonBudget++;
    const reason = refusalFor(program, resolveIx(compiled, keys, owner), scan);
    if (reason !== undefined) return refuse(reason);
  }

  const feeLamports = feeOf(message, scan);
  if (feeLamports > ctx.maxFeeLamports) {
    return { reason: `the transaction's fee is too high (${feeLamports} lamports)`, feeLamports, ownerAtasCreated };
  }
  return { feeLamports, ownerAtasCreated };
}
