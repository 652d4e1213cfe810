// Builds the fake Jupiter's swap transaction: a real v0 VersionedTransaction, fee payer = the
// user, that really moves balances when executed by the Solana fake. Layout (honest):
//   0 ComputeBudget SetComputeUnitLimit
//   1 ComputeBudget SetComputeUnitPrice                  (only when the price is > 0)
//   [SOL in, wrapAndUnwrapSol] ATA CreateIdempotent(user WSOL ATA), System Transfer(user -> user WSOL ATA, inAmount), Token SyncNative
//   . ATA CreateIdempotent(user's output ATA; the WSOL ATA when SOL is the output)
//   . Token TransferChecked(user input ATA -> pool input ATA, inAmount; authority user)
//   . Token TransferChecked(pool output ATA -> user output ATA, outAmount; authority pool)
//   [SOL in or out, wrapAndUnwrapSol] Token CloseAccount(user WSOL ATA -> user; unwraps SOL, refunds rent)
// The pool is a keypair the fake holds; it pre-signs, and the user's signature slot stays empty.
// Only System, Token, Token-2022, Associated Token and Compute Budget programs appear unless a
// malicious variant is requested.
import {
  ASSOCIATED_TOKEN_PROGRAM_ID,
  AuthorityType,
  NATIVE_MINT,
  createApproveInstruction,
  createAssociatedTokenAccountIdempotentInstruction,
  createCloseAccountInstruction,
  createSetAuthorityInstruction,
  createSyncNativeInstruction,
  createTransferCheckedInstruction,
  getAssociatedTokenAddressSync,
} from "@solana/spl-token";
import {
  ComputeBudgetProgram,
  Keypair,
  PublicKey,
  SystemProgram,
  TransactionInstruction,
  TransactionMessage,
  VersionedTransaction,
} from "@solana/web3.js";
import type { SolanaFake } from "./rpc-server.js";
import { createTokenAccountAt } from "./tokens.js";

/** Ways the fake can build a harmful transaction, to test the trading code's inspection. */
export type MaliciousKind =
  | "extra-sol-transfer" // System Transfer of lamports from the user to a stranger
  | "extra-token-transfer" // SPL TransferChecked of output tokens from the user to the stranger's ATA
  | "foreign-fee-payer" // the stranger is the fee payer (pre-signed); the user still signs
  | "approve" // SPL Approve: the stranger becomes delegate of the user's output account for u64::MAX
  | "set-authority" // SPL SetAuthority(AccountOwner) of the user's output account to the stranger
  | "unknown-program"; // an instruction for a program that is not on the allowlist

export const ALLOWED_PROGRAMS: readonly PublicKey[] = [
  SystemProgram.programId,
  new PublicKey("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"),
  new PublicKey("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb"),
  ASSOCIATED_TOKEN_PROGRAM_ID,
  ComputeBudgetProgram.programId,
];

/** Program id used by the "unknown-program" variant (not deployed in the fake). */
export const UNKNOWN_PROGRAM_ID = Keypair.fromSeed(new Uint8Array(32).fill(66)).publicKey;

export interface SwapTxInput {
  rpc: SolanaFake;
  pool: Keypair;
  stranger: Keypair;
  user: PublicKey;
  /** Fee payer when the request names one (`payer`); defaults to the user. */
  payer?: PublicKey;
  inputMint: PublicKey;
  outputMint: PublicKey;
  inAmount: bigint;
  outAmount: bigint;
  wrapAndUnwrapSol: boolean;
  computeUnitLimit: number;
  computeUnitPriceMicroLamports: bigint;
  blockhash: string;
  malicious?: MaliciousKind | null;
  /** Pay the output from an empty pool account, so the transaction fails on-chain (stale quote). */
  dryPool?: boolean;
  /** Top up the pool's output account when it holds less than outAmount (default true). */
  autoFundPool?: boolean;
}

function mintMeta(rpc: SolanaFake, mint: PublicKey) {
  const info = rpc.mintInfo(mint);
  if (!info) throw new Error(`unknown mint ${mint.toBase58()}`);
  return info;
}

/** Returns the transaction, signed by the pool (and the stranger as payer for "foreign-fee-payer"). */
export function buildSwapTransaction(input: SwapTxInput): VersionedTransaction {
  const { rpc, pool, stranger, user } = input;
  const inMeta = mintMeta(rpc, input.inputMint);
  const outMeta = mintMeta(rpc, input.outputMint);
  const solIn = input.wrapAndUnwrapSol && input.inputMint.equals(NATIVE_MINT);
  const solOut = input.wrapAndUnwrapSol && input.outputMint.equals(NATIVE_MINT);
  const userIn = getAssociatedTokenAddressSync(input.inputMint, user, true, inMeta.programId);
  const userOut = getAssociatedTokenAddressSync(input.outputMint, user, true, outMeta.programId);

  // Pool side: its input account must exist; its output account must hold the output.
  const poolIn = rpc.mintTo(input.inputMint, pool.publicKey, 0n);
  let poolOut = rpc.mintTo(input.outputMint, pool.publicKey, 0n);
  const have = rpc.tokenBalance(pool.publicKey, input.outputMint);
  if ((input.autoFundPool ?? true) && have < input.outAmount) {
    rpc.mintTo(input.outputMint, pool.publicKey, input.outAmount - have);
  }
  if (input.dryPool) {
    poolOut = createTokenAccountAt(rpc.chain, Keypair.generate().publicKey, input.outputMint, pool.publicKey);
  }

  const ixs: TransactionInstruction[] = [ComputeBudgetProgram.setComputeUnitLimit({ units: input.computeUnitLimit })];
  if (input.computeUnitPriceMicroLamports > 0n) {
    ixs.push(ComputeBudgetProgram.setComputeUnitPrice({ microLamports: input.computeUnitPriceMicroLamports }));
  }
  if (solIn) {
    ixs.push(
      createAssociatedTokenAccountIdempotentInstruction(user, userIn, user, NATIVE_MINT, inMeta.programId),
      SystemProgram.transfer({ fromPubkey: user, toPubkey: userIn, lamports: input.inAmount }),
      createSyncNativeInstruction(userIn, inMeta.programId),
    );
  }
  ixs.push(
    createAssociatedTokenAccountIdempotentInstruction(user, userOut, user, input.outputMint, outMeta.programId),
    createTransferCheckedInstruction(
      userIn,
      input.inputMint,
      poolIn,
      user,
      input.inAmount,
      inMeta.decimals,
      [],
      inMeta.programId,
    ),
    createTransferCheckedInstruction(
      poolOut,
      input.outputMint,
      userOut,
      pool.publicKey,
      input.outAmount,
      outMeta.decimals,
      [],
      outMeta.programId,
    ),
  );
  ixs.push(...maliciousInstructions(input, userOut, outMeta));
  if (solIn || solOut) {
    const wsol = solIn ? userIn : userOut;
    ixs.push(createCloseAccountInstruction(wsol, user, user, [], solIn ? inMeta.programId : outMeta.programId));
  }

  const foreignPayer = input.malicious === "foreign-fee-payer";
  if (foreignPayer && rpc.solBalance(stranger.publicKey) < 1_000_000_000n) rpc.airdrop(stranger.publicKey, 10_000_000_000n);
  const payerKey = foreignPayer ? stranger.publicKey : (input.payer ?? user);
  const message = new TransactionMessage({ payerKey, recentBlockhash: input.blockhash, instructions: ixs }).compileToV0Message();
  const tx = new VersionedTransaction(message);
  tx.sign(foreignPayer ? [pool, stranger] : [pool]);
  return tx;
}

function maliciousInstructions(
  input: SwapTxInput,
  userOut: PublicKey,
  outMeta: { programId: PublicKey; decimals: number },
): TransactionInstruction[] {
  const { rpc, stranger, user } = input;
  switch (input.malicious ?? null) {
    case "extra-sol-transfer":
      return [SystemProgram.transfer({ fromPubkey: user, toPubkey: stranger.publicKey, lamports: 10_000_000 })];
    case "extra-token-transfer": {
      const strangerOut = rpc.mintTo(input.outputMint, stranger.publicKey, 0n);
      const stolen = input.outAmount / 2n > 0n ? input.outAmount / 2n : input.outAmount;
      return [
        createTransferCheckedInstruction(
          userOut,
          input.outputMint,
          strangerOut,
          user,
          stolen,
          outMeta.decimals,
          [],
          outMeta.programId,
        ),
      ];
    }
    case "approve":
      return [createApproveInstruction(userOut, stranger.publicKey, user, 2n ** 64n - 1n, [], outMeta.programId)];
    case "set-authority":
      return [
        createSetAuthorityInstruction(userOut, user, AuthorityType.AccountOwner, stranger.publicKey, [], outMeta.programId),
      ];
    case "unknown-program":
      return [
        new TransactionInstruction({
          programId: UNKNOWN_PROGRAM_ID,
          keys: [
            { pubkey: user, isSigner: true, isWritable: true },
            { pubkey: userOut, isSigner: false, isWritable: true },
          ],
          data: Buffer.from([9, 9, 9]),
        }),
      ];
    default:
      return [];
  }
}
