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

export function checkInstructions(message: VersionedMessage, keys: MessageAccountKeys, ctx: RuleContext): RuleOutcome {
  const { owner } = ctx;
  const ownerAtasCreated: PublicKey[] = [];
  const inputAccounts = [TOKEN_PROGRAM_ID, TOKEN_2022_PROGRAM_ID].map((p) =>
    getAssociatedTokenAddressSync(ctx.inputMint, owner, true, p),
  );
  const wsolAta = wsolAtaOf(owner);
  let spent = 0n;
  let unitLimit: number | undefined;
  let microLamports = 0n;
  let nonBudget = 0;
  const refuse = (reason: string): RuleOutcome => ({ reason, feeLamports: 0n, ownerAtasCreated });

  for (const ix of message.compiledInstructions) {
    const program = keys.get(ix.programIdIndex);
    if (!program) return refuse("the transaction refers to an account it does not include");
    const id = program.toBase58();
    if (!ctx.allowed.has(id)) return refuse(`program ${id} is not allowed`);
    const acct = (i: number) => {
      const index = ix.accountKeyIndexes[i];
      return index === undefined ? undefined : keys.get(index);
    };
    const isOwner = (i: number) => acct(i)?.equals(owner) ?? false;
    const data = ix.data;
    if (!program.equals(ComputeBudgetProgram.programId)) nonBudget++;

    if (program.equals(TOKEN_PROGRAM_ID) || program.equals(TOKEN_2022_PROGRAM_ID)) {
      const tag = data[0];
      if (tag === undefined) return refuse("the transaction has an empty token instruction");
      if (tag === 4 || tag === 13) return refuse("the transaction approves a delegate");
      if (tag === 6) return refuse("the transaction changes an account authority");
      if (tag === 8 || tag === 15) return refuse("the transaction burns tokens");
      if (tag === 9) {
        if (!isOwner(1)) return refuse("the transaction closes an account into another wallet");
        continue;
      }
      if (tag === 3 || tag === 12) {
        const checked = tag === 12;
        if (!isOwner(checked ? 3 : 2)) continue; // not signed by the owner: cannot move the owner's tokens
        const source = acct(0);
        const fromInput = checked
          ? (acct(1)?.equals(ctx.inputMint) ?? false)
          : inputAccounts.some((a) => source?.equals(a));
        if (!fromInput) return refuse("the transaction sends tokens from your wallet to another account");
        const amount = u64(data, 1);
        if (amount === undefined) return refuse("the transaction has a malformed token transfer");
        spent += amount;
        if (spent > ctx.inAmount) return refuse("the transaction spends more than the quoted input amount");
        continue;
      }
      if (!HARMLESS_TOKEN_IX.has(tag)) {
        return refuse(`the transaction uses token instruction ${TOKEN_IX[tag] ?? tag}, which is not allowed`);
      }
    } else if (program.equals(SystemProgram.programId)) {
      const tag = u32(data, 0);
      const involvesOwner = ix.accountKeyIndexes.some((_, i) => isOwner(i));
      if (tag === 2) {
        if (isOwner(0) && !acct(1)?.equals(owner) && !acct(1)?.equals(wsolAta)) {
          return refuse("the transaction sends SOL to another account");
        }
      } else if (!involvesOwner) {
        continue;
      } else if (tag === 1 || tag === 8 || tag === 9 || tag === 10) {
        if (isOwner(0)) return refuse("the transaction reassigns your wallet to another program");
      } else if (tag === 0 || tag === 3) {
        if (isOwner(1)) return refuse("the transaction reassigns your wallet to another program");
        if (isOwner(0)) return refuse("the transaction moves SOL from your wallet into a new account");
      } else {
        const name = tag === undefined ? "?" : (SYSTEM_IX[tag] ?? String(tag));
        return refuse(`the transaction uses System instruction ${name} on your wallet, which is not allowed`);
      }
    } else if (program.equals(ASSOCIATED_TOKEN_PROGRAM_ID)) {
      const tag = data[0] ?? 0;
      if (tag > 2) return refuse(`the transaction uses an unknown associated token instruction (${tag})`);
      if (tag <= 1 && isOwner(0) && isOwner(2)) {
        const ata = acct(1);
        if (ata) ownerAtasCreated.push(ata);
      }
    } else if (program.equals(ComputeBudgetProgram.programId)) {
      if (data[0] === 2) unitLimit = u32(data, 1);
      if (data[0] === 3) microLamports = u64(data, 1) ?? 0n;
    }
  }

  const units = BigInt(unitLimit ?? Math.min(1_400_000, 200_000 * nonBudget));
  const feeLamports =
    5000n * BigInt(message.header.numRequiredSignatures) + (microLamports * units + 999_999n) / 1_000_000n;
  if (feeLamports > ctx.maxFeeLamports) {
    return { reason: `the transaction's fee is too high (${feeLamports} lamports)`, feeLamports, ownerAtasCreated };
  }
  return { feeLamports, ownerAtasCreated };
}
