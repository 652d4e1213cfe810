import { TOKEN_2022_PROGRAM_ID, createAssociatedTokenAccountIdempotentInstruction, getAssociatedTokenAddressSync } from "@solana/spl-token";
import {
  AddressLookupTableAccount,
  AddressLookupTableProgram,
  Keypair,
  PublicKey,
  SystemProgram,
  TransactionMessage,
  TransactionInstruction,
  VersionedTransaction,
} from "@solana/web3.js";
import { afterEach, describe, expect, it } from "vitest";
import type { MaliciousKind } from "../../fakes/jupiter-swap.js";
import { startAdapters, swapTx, type Adapters } from "./world.js";

let current: Adapters | undefined;
afterEach(async () => {
  await current?.w.close();
  current = undefined;
});
async function start(...args: Parameters<typeof startAdapters>) {
  current = await startAdapters(...args);
  return current;
}

/** Decompiles a built swap, edits its instructions, recompiles (optionally with lookup tables) and re-signs the pool. */
function rebuild(
  a: Adapters,
  txBase64: string,
  edit: (ixs: TransactionInstruction[]) => TransactionInstruction[],
  tables: AddressLookupTableAccount[] = [],
): string {
  const tx = VersionedTransaction.deserialize(Buffer.from(txBase64, "base64"));
  const msg = TransactionMessage.decompile(tx.message);
  const next = new TransactionMessage({ payerKey: msg.payerKey, recentBlockhash: msg.recentBlockhash, instructions: edit(msg.instructions) });
  const out = new VersionedTransaction(next.compileToV0Message(tables));
  out.sign([a.w.jup.pool]);
  return Buffer.from(out.serialize()).toString("base64");
}

/** Writes an address lookup table account into the fake chain (active, never deactivated). */
function installLookupTable(a: Adapters, addresses: PublicKey[]): AddressLookupTableAccount {
  const key = Keypair.generate().publicKey;
  const meta = Buffer.alloc(56);
  meta.writeUInt32LE(1, 0); // ProgramState::LookupTable
  meta.writeBigUInt64LE(2n ** 64n - 1n, 4); // deactivation slot: never
  meta.writeBigUInt64LE(0n, 12); // last extended slot
  meta.writeUInt8(0, 20);
  meta.writeUInt8(1, 21); // authority: Some
  Keypair.generate().publicKey.toBuffer().copy(meta, 22);
  const data = Buffer.concat([meta, ...addresses.map((k) => k.toBuffer())]);
  a.w.sol.chain.setAccount(key, { lamports: a.w.sol.chain.rentExempt(data.length), owner: AddressLookupTableProgram.programId, data, executable: false });
  return new AddressLookupTableAccount({ key, state: AddressLookupTableAccount.deserialize(data) });
}

describe("SolanaChain.inspect: honest swaps pass", () => {
  it.each([
    ["USDC -> Token-2022", "USDC", "T22", 10_000_000n],
    ["SOL -> USDC (wrap, existing output account)", "SOL", "USDC", 1_000_000_000n],
    ["USDC -> SOL (unwrap)", "USDC", "SOL", 150_000_000n],
  ] as const)("%s", async (_name, from, to, amount) => {
    const a = await start();
    const s = await swapTx(a, a.w.mints[from], a.w.mints[to], amount);
    expect(await a.chain.inspect(s.txBase64, s.expect)).toEqual({ ok: true });
    expect(a.w.sol.tokenBalance(a.w.user.publicKey, a.w.mints.USDC)).toBe(1_000_000_000n); // nothing committed
  });
});

describe("SolanaChain.inspect: harmful transactions are refused", () => {
  const reasons: Record<MaliciousKind, RegExp> = {
    "extra-sol-transfer": /sends SOL to another account/,
    "extra-token-transfer": /sends tokens from your wallet to another account/,
    "foreign-fee-payer": /fee payer is not your wallet/,
    approve: /approves a delegate/,
    "set-authority": /changes an account authority/,
    "unknown-program": /^program \w+ is not allowed$/,
  };
  it.each(Object.keys(reasons) as MaliciousKind[])("%s", async (kind) => {
    const a = await start();
    a.w.jup.setMalicious(kind);
    const s = await swapTx(a, a.w.mints.USDC, a.w.mints.T22, 10_000_000n);
    const check = await a.chain.inspect(s.txBase64, s.expect);
    expect(check.ok).toBe(false);
    expect(check.ok === false && check.reason).toMatch(reasons[kind]);
  });

  it("a stale quote whose swap fails in simulation", async () => {
    const a = await start();
    a.w.jup.failNext("swap", { kind: "stale-quote" });
    const s = await swapTx(a, a.w.mints.USDC, a.w.mints.T22, 10_000_000n);
    expect(await a.chain.inspect(s.txBase64, s.expect)).toEqual({ ok: false, reason: expect.stringMatching(/^simulation failed: .*Custom/) });
  });

  it("an expired blockhash", async () => {
    const a = await start();
    a.w.jup.failNext("swap", { kind: "expired-blockhash" });
    const s = await swapTx(a, a.w.mints.USDC, a.w.mints.T22, 10_000_000n);
    expect(await a.chain.inspect(s.txBase64, s.expect)).toEqual({ ok: false, reason: expect.stringMatching(/^simulation failed: .*expired/) });
  });

  it("less output than the minimum, more input than quoted, or another owner", async () => {
    const a = await start();
    const s = await swapTx(a, a.w.mints.USDC, a.w.mints.T22, 10_000_000n);
    const outAmount = s.quote.outAmount;
    expect(await a.chain.inspect(s.txBase64, { ...s.expect, minOutAmount: outAmount + 1n })).toEqual({
      ok: false,
      reason: "the transaction would give you less than the minimum",
    });
    expect(await a.chain.inspect(s.txBase64, { ...s.expect, minOutAmount: outAmount })).toEqual({ ok: true });
    expect(await a.chain.inspect(s.txBase64, { ...s.expect, inAmount: s.quote.inAmount - 1n })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/spends more than the quoted input amount/),
    });
    expect(await a.chain.inspect(s.txBase64, { ...s.expect, owner: Keypair.generate().publicKey.toBase58() })).toMatchObject({
      reason: "fee payer is not your wallet",
    });
    expect(await a.chain.inspect("not a transaction", s.expect)).toMatchObject({ reason: expect.stringMatching(/could not be decoded/) });
  });

  it("SOL out below the minimum is judged on the owner's lamports", async () => {
    const a = await start();
    const s = await swapTx(a, a.w.mints.USDC, a.w.mints.SOL, 150_000_000n); // 1 SOL
    expect(await a.chain.inspect(s.txBase64, { ...s.expect, minOutAmount: s.quote.outAmount })).toEqual({ ok: true });
    expect(await a.chain.inspect(s.txBase64, { ...s.expect, minOutAmount: s.quote.outAmount + 3_000_000n })).toEqual({
      ok: false,
      reason: "the transaction would give you less than the minimum",
    });
  });

  it("paying rent for a stranger's account (SOL leaving the wallet) is caught by the simulation", async () => {
    const a = await start();
    const s = await swapTx(a, a.w.mints.USDC, a.w.mints.T22, 10_000_000n);
    const user = a.w.user.publicKey;
    const stranger = Keypair.generate().publicKey;
    const ata = getAssociatedTokenAddressSync(a.w.mints.T22, stranger, true, TOKEN_2022_PROGRAM_ID);
    const extra = createAssociatedTokenAccountIdempotentInstruction(user, ata, stranger, a.w.mints.T22, TOKEN_2022_PROGRAM_ID);
    const tx = rebuild(a, s.txBase64, (ixs) => [...ixs, extra]);
    expect(await a.chain.inspect(tx, s.expect)).toEqual({ ok: false, reason: "the transaction would take SOL from your wallet" });
  });

  it("a priority fee above the cap", async () => {
    const a = await start({}, { maxFeeLamports: 6_000n });
    const s = await swapTx(a, a.w.mints.USDC, a.w.mints.T22, 10_000_000n);
    expect(await a.chain.inspect(s.txBase64, s.expect)).toMatchObject({ ok: false, reason: expect.stringMatching(/fee is too high/) });
  });

  it("System Assign of the wallet and a close into another wallet", async () => {
    const a = await start();
    const s = await swapTx(a, a.w.mints.SOL, a.w.mints.USDC, 1_000_000_000n);
    const user = a.w.user.publicKey;
    const assign = SystemProgram.assign({ accountPubkey: user, programId: Keypair.generate().publicKey });
    expect(await a.chain.inspect(rebuild(a, s.txBase64, (ixs) => [...ixs, assign]), s.expect)).toMatchObject({
      reason: "the transaction reassigns your wallet to another program",
    });
    const stranger = Keypair.generate().publicKey;
    const closeElsewhere = (ixs: TransactionInstruction[]) =>
      ixs.map((ix) => {
        if (ix.data[0] !== 9 || ix.keys.length !== 3) return ix;
        const keys = ix.keys.map((k, i) => (i === 1 ? { ...k, pubkey: stranger } : k));
        return new TransactionInstruction({ programId: ix.programId, keys, data: ix.data });
      });
    expect(await a.chain.inspect(rebuild(a, s.txBase64, closeElsewhere), s.expect)).toMatchObject({
      reason: "the transaction closes an account into another wallet",
    });
  });
});

describe("SolanaChain.inspect resolves address lookup tables", () => {
  it("keys from a lookup table are checked like static keys, and an honest swap through one passes", async () => {
    const a = await start();
    const honest = await swapTx(a, a.w.mints.USDC, a.w.mints.T22, 10_000_000n);
    const staticTx = VersionedTransaction.deserialize(Buffer.from(honest.txBase64, "base64"));
    const table = installLookupTable(a, [a.w.mints.USDC, a.w.mints.T22, ...staticTx.message.staticAccountKeys.slice(2)]);
    const viaTable = rebuild(a, honest.txBase64, (ixs) => ixs, [table]);
    expect(VersionedTransaction.deserialize(Buffer.from(viaTable, "base64")).message.addressTableLookups).toHaveLength(1);
    expect(await a.chain.inspect(viaTable, honest.expect)).toEqual({ ok: true });

    a.w.jup.setMalicious("extra-token-transfer");
    const bad = await swapTx(a, a.w.mints.USDC, a.w.mints.T22, 10_000_000n);
    const badTx = VersionedTransaction.deserialize(Buffer.from(bad.txBase64, "base64"));
    const badTable = installLookupTable(a, [a.w.mints.T22, ...badTx.message.staticAccountKeys.slice(2)]);
    expect(await a.chain.inspect(rebuild(a, bad.txBase64, (ixs) => ixs, [badTable]), bad.expect)).toMatchObject({
      reason: "the transaction sends tokens from your wallet to another account",
    });

    const missing = new AddressLookupTableAccount({ key: Keypair.generate().publicKey, state: table.state });
    expect(await a.chain.inspect(rebuild(a, honest.txBase64, (ixs) => ixs, [missing]), honest.expect)).toMatchObject({
      reason: expect.stringMatching(/lookup table \w+ was not found/),
    });
  });
});
