// Static rules for a withdrawal transaction, judged before anything is signed. Pure: the caller passes
// the expected transfer and the mint's token program read from the chain (never from the transaction).
import { ASSOCIATED_TOKEN_PROGRAM_ID, TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID, getAssociatedTokenAddressSync } from "@solana/spl-token";
import { ComputeBudgetProgram, PublicKey, SystemProgram, type VersionedMessage } from "@solana/web3.js";

/** The only programs a withdrawal may call. */
export const WITHDRAW_PROGRAMS: readonly PublicKey[] = [
  SystemProgram.programId,
  TOKEN_PROGRAM_ID,
  TOKEN_2022_PROGRAM_ID,
  ASSOCIATED_TOKEN_PROGRAM_ID,
  ComputeBudgetProgram.programId,
];

export interface WithdrawRuleContext {
  owner: PublicKey;
  to: PublicKey;
  /** Absent: native SOL (one System transfer). */
  token?: { mint: PublicKey; program: PublicKey; decimals: number };
  amount: bigint;
  /** Highest base + priority fee accepted. */
  maxFeeLamports: bigint;
}

export interface WithdrawRuleOutcome {
  reason?: string;
  feeLamports: bigint;
}

const LAMPORTS_PER_SIGNATURE = 5000n;
const buf = (d: Uint8Array) => Buffer.from(d.buffer, d.byteOffset, d.byteLength);
const u64 = (d: Uint8Array, at: number) => (d.length >= at + 8 ? buf(d).readBigUInt64LE(at) : undefined);
const u32 = (d: Uint8Array, at: number) => (d.length >= at + 4 ? buf(d).readUInt32LE(at) : undefined);

/** The associated token account of `owner` for a mint under a token program. */
export const ataOf = (mint: PublicKey, owner: PublicKey, program: PublicKey) => getAssociatedTokenAddressSync(mint, owner, true, program);

/**
 * Exactly the transfer asked for, nothing else: the fee payer is the owner and the only signer, no
 * address lookup tables, only the five programs, at most one unit limit and one unit price, at most one
 * creation of the destination's own token account (paid by the owner), and exactly one transfer of
 * exactly the amount from the owner (or their token account) to the destination (or its token account).
 */
export function checkWithdrawal(message: VersionedMessage, ctx: WithdrawRuleContext): WithdrawRuleOutcome {
  const refuse = (reason: string): WithdrawRuleOutcome => ({ reason, feeLamports: 0n });
  if (!message.staticAccountKeys[0]?.equals(ctx.owner)) return refuse("fee payer is not your wallet");
  if (message.header.numRequiredSignatures !== 1) return refuse("the transaction needs a signature other than your wallet's");
  if (message.addressTableLookups.length) return refuse("the transaction loads accounts from a lookup table");
  const keys = message.getAccountKeys();
  const token = ctx.token;
  const source = token ? ataOf(token.mint, ctx.owner, token.program) : ctx.owner;
  const dest = token ? ataOf(token.mint, ctx.to, token.program) : ctx.to;
  let transfers = 0;
  let creates = 0;
  let unitLimit: number | undefined;
  let microLamports: bigint | undefined;
  let nonBudget = 0;
  for (const ix of message.compiledInstructions) {
    const program = keys.get(ix.programIdIndex);
    if (!program) return refuse("the transaction refers to an account it does not include");
    if (!WITHDRAW_PROGRAMS.some((p) => p.equals(program))) return refuse(`program ${program.toBase58()} is not allowed in a withdrawal`);
    const acct = (i: number) => {
      const k = ix.accountKeyIndexes[i];
      return k === undefined ? undefined : keys.get(k);
    };
    const is = (i: number, key: PublicKey) => acct(i)?.equals(key) ?? false;
    const data = ix.data;
    if (program.equals(ComputeBudgetProgram.programId)) {
      if (data[0] === 2 && unitLimit === undefined) unitLimit = u32(data, 1);
      else if (data[0] === 3 && microLamports === undefined) microLamports = u64(data, 1);
      else return refuse("the transaction has an unexpected compute budget instruction");
      continue;
    }
    nonBudget++;
    if (program.equals(SystemProgram.programId)) {
      if (token || u32(data, 0) !== 2 || data.length !== 12) return refuse("the transaction has a System instruction other than the transfer");
      if (!is(0, ctx.owner)) return refuse("the transfer does not come from your wallet");
      if (!is(1, ctx.to)) return refuse("the transfer goes to an address other than the one in your address book");
      if (u64(data, 4) !== ctx.amount) return refuse("the transfer's amount is not the amount you confirmed");
      transfers++;
      continue;
    }
    if (program.equals(ASSOCIATED_TOKEN_PROGRAM_ID)) {
      const tag = data[0] ?? 0;
      if (!token || tag > 1 || creates > 0) return refuse("the transaction has an unexpected associated token instruction");
      if (!is(0, ctx.owner) || !is(1, dest) || !is(2, ctx.to) || !is(3, token.mint) || !is(5, token.program)) {
        return refuse("the transaction creates a token account other than the destination's");
      }
      creates++;
      continue;
    }
    // SPL Token or Token-2022: one transferChecked under the mint's own program, nothing else.
    if (!token || !program.equals(token.program) || data[0] !== 12 || data.length !== 10) {
      return refuse("the transaction has a token instruction other than the transfer");
    }
    if (!is(0, source) || !is(3, ctx.owner)) return refuse("the transfer does not come from your wallet's token account");
    if (!is(1, token.mint)) return refuse("the transfer moves a different token");
    if (!is(2, dest)) return refuse("the transfer goes to an address other than the one in your address book");
    if (u64(data, 1) !== ctx.amount || data[9] !== token.decimals) return refuse("the transfer's amount is not the amount you confirmed");
    transfers++;
  }
  if (transfers !== 1) return refuse(transfers ? "the transaction has more than one transfer" : "the transaction has no transfer");
  const units = BigInt(unitLimit ?? Math.min(1_400_000, 200_000 * nonBudget));
  const feeLamports = LAMPORTS_PER_SIGNATURE + ((microLamports ?? 0n) * units + 999_999n) / 1_000_000n;
  if (feeLamports > ctx.maxFeeLamports) return { reason: `the transaction's fee is too high (${feeLamports} lamports)`, feeLamports };
  return { feeLamports };
}
