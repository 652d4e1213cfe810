import { NATIVE_MINT, TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID, createApproveInstruction, createTransferCheckedInstruction } from "@solana/spl-token";
import { ComputeBudgetProgram, Keypair, PublicKey, SystemProgram, TransactionMessage, VersionedTransaction, type TransactionInstruction } from "@solana/web3.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SolanaWithdrawals } from "../../../adapters/solana/withdraw-tx.js";
import { ataOf } from "../../../adapters/solana/withdraw-rules.js";
import { silentLogger } from "../../../core/ports/logger.port.js";
import type { WithdrawTransfer } from "../../../core/ports/withdraw-tx.port.js";
import { startSwapWorld, type SwapWorld } from "../../fakes/solana/swap-harness.js";
import { seedSafetyMints } from "../../fakes/solana/safety-mints.js";

/*
 * The withdrawal builder and its inspection through real web3.js / spl-token against the LiteSVM-backed
 * fake RPC: what Purser builds passes; a transaction changed in any way (destination, amount, an extra
 * instruction, another fee payer, another program, a delegate) is refused before anything is signed.
 */

let world: SwapWorld;
let tx: SolanaWithdrawals;
const SOL = NATIVE_MINT.toBase58();
beforeAll(async () => {
  world = await startSwapWorld();
  tx = new SolanaWithdrawals({ rpcUrl: world.sol.url, maxPriorityFeeLamports: 1_000_000, log: silentLogger });
});
afterAll(() => world.close());

const owner = () => world.user.publicKey;
const solTransfer = (to: PublicKey, amount = 100_000_000n): WithdrawTransfer => ({ owner: owner().toBase58(), to: to.toBase58(), mint: SOL, decimals: 9, amount });
const usdcTransfer = (to: PublicKey, amount = 5_000_000n): WithdrawTransfer => ({ owner: owner().toBase58(), to: to.toBase58(), mint: world.mints.USDC.toBase58(), decimals: 6, amount });

/** A transaction of these instructions with `payer` as fee payer, on the fake's current blockhash. */
function handmade(ixs: TransactionInstruction[], payer = owner()): string {
  const message = new TransactionMessage({ payerKey: payer, recentBlockhash: world.sol.latestBlockhash().blockhash, instructions: ixs }).compileToV0Message();
  return Buffer.from(new VersionedTransaction(message).serialize()).toString("base64");
}
const budget = () => [ComputeBudgetProgram.setComputeUnitLimit({ units: 5000 })];

describe("withdrawal transactions built by Purser (SolanaWithdrawals on LiteSVM)", () => {
  it("a SOL transfer: planned with its exact fee, built, and passes inspection", async () => {
    const to = Keypair.generate().publicKey;
    const plan = await tx.plan(solTransfer(to), "high");
    expect(plan.held).toBe(world.sol.solBalance(owner()));
    expect(plan.networkFeeLamports).toBe(5000n + 1_000_000n);
    expect(plan.rentLamports).toBe(0n);
    expect(plan.destinationLamports).toBe(0n);
    expect((await tx.plan(solTransfer(to), "none")).networkFeeLamports).toBe(5000n);
    const built = await tx.build(solTransfer(to), "low");
    expect(await tx.inspect(built.txBase64, solTransfer(to))).toEqual({ ok: true });
  });

  it("an SPL token to an address with no token account: the rent is planned, the account created idempotently, transferChecked under Token", async () => {
    const to = Keypair.generate().publicKey;
    const plan = await tx.plan(usdcTransfer(to), "medium");
    expect(plan.held).toBe(1_000_000_000n);
    expect(plan.rentLamports).toBe(2_039_280n);
    const built = await tx.build(usdcTransfer(to), "medium");
    const message = VersionedTransaction.deserialize(Buffer.from(built.txBase64, "base64")).message;
    const programs = message.compiledInstructions.map((i) => message.staticAccountKeys[i.programIdIndex]!.toBase58());
    expect(programs.filter((p) => p === TOKEN_PROGRAM_ID.toBase58())).toHaveLength(1);
    expect(await tx.inspect(built.txBase64, usdcTransfer(to))).toEqual({ ok: true });
    // Once the destination has its account, nothing is created and no rent is planned.
    world.sol.mintTo(world.mints.USDC, to, 1n);
    expect((await tx.plan(usdcTransfer(to))).rentLamports).toBe(0n);
  });

  it("a Token-2022 token: its own program, and rent for its account size", async () => {
    world.sol.mintTo(world.mints.T22, owner(), 10_000_000_000n);
    const to = Keypair.generate().publicKey;
    const t: WithdrawTransfer = { owner: owner().toBase58(), to: to.toBase58(), mint: world.mints.T22.toBase58(), decimals: 9, amount: 1_000_000_000n };
    const plan = await tx.plan(t);
    expect(plan.held).toBe(10_000_000_000n);
    expect(plan.rentLamports).toBeGreaterThan(2_039_280n); // 170 bytes with ImmutableOwner
    const built = await tx.build(t);
    expect(await tx.inspect(built.txBase64, t)).toEqual({ ok: true });
    const message = VersionedTransaction.deserialize(Buffer.from(built.txBase64, "base64")).message;
    expect(message.staticAccountKeys.some((k) => k.equals(TOKEN_2022_PROGRAM_ID))).toBe(true);
  });

  it("a Token-2022 mint with a transfer fee: the plan carries this epoch's fee (the destination receives the amount minus it); others carry none", async () => {
    const { cases } = seedSafetyMints(world.sol);
    const tax = cases.feeDelegate.mint;
    const to = Keypair.generate().publicKey;
    const plan = await tx.plan({ owner: owner().toBase58(), to: to.toBase58(), mint: tax, decimals: 6 });
    expect(plan.transferFee).toEqual({ bps: 250, maxFee: 5_000_000_000n });
    expect((await tx.plan({ owner: owner().toBase58(), to: to.toBase58(), mint: world.mints.T22.toBase58(), decimals: 9 })).transferFee).toBeUndefined();
    expect((await tx.plan(usdcTransfer(to))).transferFee).toBeUndefined();
  });

  it.each([
    ["another destination", () => [SystemProgram.transfer({ fromPubkey: owner(), toPubkey: Keypair.generate().publicKey, lamports: 100_000_000n })], /address other than the one in your address book/],
    ["a different amount", (to: PublicKey) => [SystemProgram.transfer({ fromPubkey: owner(), toPubkey: to, lamports: 100_000_001n })], /not the amount you confirmed/],
    [
      "an extra transfer",
      (to: PublicKey) => [SystemProgram.transfer({ fromPubkey: owner(), toPubkey: to, lamports: 100_000_000n }), SystemProgram.transfer({ fromPubkey: owner(), toPubkey: Keypair.generate().publicKey, lamports: 1n })],
      /address other|more than one transfer/,
    ],
    [
      "an extra instruction of another program",
      (to: PublicKey) => [
        SystemProgram.transfer({ fromPubkey: owner(), toPubkey: to, lamports: 100_000_000n }),
        { programId: new PublicKey("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr"), keys: [], data: Buffer.from("hi") } as TransactionInstruction,
      ],
      /not allowed in a withdrawal/,
    ],
    ["no transfer at all", () => [], /no transfer/],
    [
      "a second unit price",
      (to: PublicKey) => [ComputeBudgetProgram.setComputeUnitPrice({ microLamports: 1 }), ComputeBudgetProgram.setComputeUnitPrice({ microLamports: 1 }), SystemProgram.transfer({ fromPubkey: owner(), toPubkey: to, lamports: 100_000_000n })],
      /compute budget/,
    ],
    [
      "a priority fee over the operator's cap",
      (to: PublicKey) => [ComputeBudgetProgram.setComputeUnitPrice({ microLamports: 10_000_000_000n }), SystemProgram.transfer({ fromPubkey: owner(), toPubkey: to, lamports: 100_000_000n })],
      /fee is too high/,
    ],
  ] as const)("a SOL withdrawal with %s is refused", async (_name, ixs, why) => {
    const to = Keypair.generate().publicKey;
    const r = await tx.inspect(handmade([...budget(), ...ixs(to)]), solTransfer(to));
    expect(r.ok).toBe(false);
    expect(r.ok ? "" : r.reason).toMatch(why);
  });

  it("another fee payer is refused", async () => {
    const to = Keypair.generate().publicKey;
    const stranger = Keypair.generate().publicKey;
    const r = await tx.inspect(handmade([SystemProgram.transfer({ fromPubkey: owner(), toPubkey: to, lamports: 100_000_000n })], stranger), solTransfer(to));
    expect(r).toEqual({ ok: false, reason: "fee payer is not your wallet" });
  });

  it("token tampering is refused: the attacker's token account, an approve, the wrong token program, the wrong decimals", async () => {
    const to = Keypair.generate().publicKey;
    const usdc = world.mints.USDC;
    const src = ataOf(usdc, owner(), TOKEN_PROGRAM_ID);
    const dest = ataOf(usdc, to, TOKEN_PROGRAM_ID);
    const attacker = ataOf(usdc, Keypair.generate().publicKey, TOKEN_PROGRAM_ID);
    const cases: Array<[TransactionInstruction[], RegExp]> = [
      [[createTransferCheckedInstruction(src, usdc, attacker, owner(), 5_000_000n, 6)], /address other than the one in your address book/],
      [[createTransferCheckedInstruction(src, usdc, dest, owner(), 5_000_000n, 6), createApproveInstruction(src, attacker, owner(), 1n)], /token instruction other than the transfer/],
      [[createTransferCheckedInstruction(src, usdc, dest, owner(), 5_000_000n, 6, [], TOKEN_2022_PROGRAM_ID)], /token instruction other than the transfer/],
      [[createTransferCheckedInstruction(src, usdc, dest, owner(), 5_000_000n, 9)], /not the amount you confirmed/],
      [[SystemProgram.transfer({ fromPubkey: owner(), toPubkey: to, lamports: 1n }), createTransferCheckedInstruction(src, usdc, dest, owner(), 5_000_000n, 6)], /System instruction/],
    ];
    for (const [ixs, why] of cases) {
      const r = await tx.inspect(handmade([...budget(), ...ixs]), usdcTransfer(to));
      expect(r.ok ? "" : r.reason).toMatch(why);
    }
  });

  it("a transfer the chain would refuse (more than the wallet holds) fails its simulation before signing", async () => {
    const to = Keypair.generate().publicKey;
    const t = usdcTransfer(to, 2_000_000_000n);
    const built = await tx.build(t);
    const r = await tx.inspect(built.txBase64, t);
    expect(r.ok).toBe(false);
    expect(r.ok ? "" : r.reason).toMatch(/simulation failed/);
  });
});
