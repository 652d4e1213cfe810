// Judges a simulated swap from the owner's point of view: the state of the owner's accounts
// before (getMultipleAccounts) and after (simulateTransaction's `accounts`). Pure.
import { AccountLayout, TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID } from "@solana/spl-token";
import { PublicKey } from "@solana/web3.js";

const TOKEN_ACCOUNT_SIZE = 165;

/** What we need of an account, before or after: lamports, owning program, data. */
export interface AccountState {
  lamports: bigint;
  program: string;
  data: Uint8Array;
}

export interface TokenAccountState {
  mint: string;
  owner: string;
  amount: bigint;
  delegate: string | null;
  closeAuthority: string | null;
}

export function decodeTokenAccount(state: AccountState | null): TokenAccountState | null {
  if (!state || state.data.length < TOKEN_ACCOUNT_SIZE) return null;
  if (state.program !== TOKEN_PROGRAM_ID.toBase58() && state.program !== TOKEN_2022_PROGRAM_ID.toBase58()) return null;
  const a = AccountLayout.decode(state.data.subarray(0, TOKEN_ACCOUNT_SIZE));
  if (a.state === 0) return null; // uninitialized
  return {
    mint: a.mint.toBase58(),
    owner: a.owner.toBase58(),
    amount: a.amount,
    delegate: a.delegateOption ? a.delegate.toBase58() : null,
    closeAuthority: a.closeAuthorityOption ? a.closeAuthority.toBase58() : null,
  };
}

export interface SimulationJudgement {
  owner: PublicKey;
  inAmount: bigint;
  minOutAmount: bigint;
  inputIsSol: boolean;
  outputIsSol: boolean;
  /** The owner's token account for the input (absent when the input is SOL). */
  inputAccount?: string;
  /** The owner's token account for the output (absent when the output is SOL). */
  outputAccount?: string;
  /** The owner's own accounts whose lamports count as the owner's SOL (WSOL ATA, ATAs the owner creates). */
  solAccounts: string[];
  feeLamports: bigint;
  /** SOL the owner may lose to accounts created inside programs (rent) beyond what is accounted for. */
  slackLamports: bigint;
  before: Map<string, AccountState | null>;
  after: Map<string, AccountState | null>;
}

const lamportsOf = (m: Map<string, AccountState | null>, k: string) => m.get(k)?.lamports ?? 0n;

/** A refusal reason, or undefined when the simulated outcome is acceptable. */
export function judgeSimulation(j: SimulationJudgement): string | undefined {
  const owner = j.owner.toBase58();
  for (const address of [j.inputAccount, j.outputAccount]) {
    if (!address) continue;
    const pre = decodeTokenAccount(j.before.get(address) ?? null);
    const post = decodeTokenAccount(j.after.get(address) ?? null);
    if (!post) continue;
    if (post.owner !== owner) return "the transaction gives your token account to another wallet";
    if (post.delegate !== null && post.delegate !== pre?.delegate) return "the transaction approves a delegate";
    if (post.closeAuthority !== null && post.closeAuthority !== pre?.closeAuthority) {
      return "the transaction changes an account authority";
    }
  }

  // SOL the swap itself moved: the owner's lamports, plus lamports parked in the owner's own token
  // accounts (wrapped SOL, rent of new ATAs), with the network fee added back.
  let solNet = lamportsOf(j.after, owner) - lamportsOf(j.before, owner) + j.feeLamports;
  for (const a of new Set(j.solAccounts)) {
    if (a === owner) continue;
    solNet += lamportsOf(j.after, a) - lamportsOf(j.before, a);
  }

  if (j.outputIsSol) {
    if (solNet < j.minOutAmount - j.slackLamports) return "the transaction would give you less than the minimum";
  } else if (j.outputAccount) {
    const pre = decodeTokenAccount(j.before.get(j.outputAccount) ?? null)?.amount ?? 0n;
    const post = decodeTokenAccount(j.after.get(j.outputAccount) ?? null)?.amount ?? 0n;
    if (post - pre < j.minOutAmount) return "the transaction would give you less than the minimum";
  }

  if (j.inputIsSol) {
    if (solNet < -j.inAmount - j.slackLamports) return "the transaction would take more SOL than the quoted amount";
  } else {
    if (j.inputAccount) {
      const pre = decodeTokenAccount(j.before.get(j.inputAccount) ?? null)?.amount ?? 0n;
      const post = decodeTokenAccount(j.after.get(j.inputAccount) ?? null)?.amount ?? 0n;
      if (pre - post > j.inAmount) return "the transaction would take more than the quoted amount";
    }
    if (!j.outputIsSol && solNet < -j.slackLamports) return "the transaction would take SOL from your wallet";
  }
  return undefined;
}
