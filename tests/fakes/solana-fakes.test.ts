import { ResponseError } from "@jup-ag/api";
import { TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID, getAssociatedTokenAddressSync } from "@solana/spl-token";
import { SystemProgram, TransactionExpiredBlockheightExceededError, type VersionedTransaction } from "@solana/web3.js";
import { afterEach, describe, expect, it } from "vitest";
import { ALLOWED_PROGRAMS, UNKNOWN_PROGRAM_ID, type MaliciousKind } from "./jupiter-swap.js";
import { buildSwap, startSwapWorld, waitForStatus, type SwapWorld } from "./solana/swap-harness.js";

let world: SwapWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});
async function start(opts?: Parameters<typeof startSwapWorld>[0]) {
  world = await startSwapWorld(opts);
  return world;
}

async function parsedBalance(w: SwapWorld, programId: typeof TOKEN_PROGRAM_ID, mint: string): Promise<string> {
  const res = await w.connection.getParsedTokenAccountsByOwner(w.user.publicKey, { programId });
  const hit = res.value.find((a) => a.account.data.parsed.info.mint === mint);
  return hit ? (hit.account.data.parsed.info.tokenAmount.amount as string) : "0";
}

const programsOf = (tx: VersionedTransaction) =>
  tx.message.compiledInstructions.map((ix) => tx.message.staticAccountKeys[ix.programIdIndex]!);

describe("Jupiter swap fake with the real @jup-ag/api client", () => {
  it("quotes from the price table in base units, respecting both mints' decimals", async () => {
    const w = await start();
    const q = await w.api.quoteGet({
      inputMint: w.mints.SOL.toBase58(),
      outputMint: w.mints.USDC.toBase58(),
      amount: 2_000_000_000, // 2 SOL at $150
      slippageBps: 50,
    });
    expect(q).toMatchObject({ inAmount: "2000000000", outAmount: "300000000", otherAmountThreshold: "298500000" });
    expect(q.swapMode).toBe("ExactIn");
    expect(q.routePlan[0]?.swapInfo).toMatchObject({ inputMint: w.mints.SOL.toBase58(), outAmount: "300000000" });
    const out = await w.api.quoteGet({
      inputMint: w.mints.USDC.toBase58(),
      outputMint: w.mints.T22.toBase58(),
      amount: 1_000_000_000_000, // wants 1,000 T22 ($500)
      slippageBps: 100,
      swapMode: "ExactOut",
    });
    expect(out).toMatchObject({ inAmount: "500000000", otherAmountThreshold: "505000000" });
  });

  it("answers an unknown mint with 400 TOKEN_NOT_TRADABLE", async () => {
    const w = await start();
    const err = await w.api
      .quoteGet({ inputMint: w.mints.SOL.toBase58(), outputMint: w.jup.stranger.publicKey.toBase58(), amount: 1 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResponseError);
    const res = (err as ResponseError).response;
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ errorCode: "TOKEN_NOT_TRADABLE" });
  });

  it("builds a v0 transaction paid by the user, pre-signed by the pool, using allowlisted programs only", async () => {
    const w = await start();
    const { tx, swap } = await buildSwap(w, w.mints.USDC, w.mints.T22, 10_000_000);
    expect(tx.version).toBe(0);
    expect(tx.message.staticAccountKeys[0]!.equals(w.user.publicKey)).toBe(true);
    expect(tx.message.header.numRequiredSignatures).toBe(2);
    expect(tx.signatures[0]!.every((b) => b === 0)).toBe(true); // the user's slot is empty
    expect(tx.signatures[1]!.some((b) => b !== 0)).toBe(true); // the pool signed
    expect(programsOf(tx).every((p) => ALLOWED_PROGRAMS.some((a) => a.equals(p)))).toBe(true);
    expect(swap.lastValidBlockHeight).toBe(w.sol.latestBlockhash().lastValidBlockHeight);
    expect(swap.prioritizationFeeLamports).toBeGreaterThan(0);
  });

  it("a signed swap lands and moves exactly inAmount and outAmount across Token and Token-2022", async () => {
    const w = await start();
    const { quote, tx } = await buildSwap(w, w.mints.USDC, w.mints.T22, 10_000_000); // 10 USDC -> 20 T22
    const usdcBefore = await parsedBalance(w, TOKEN_PROGRAM_ID, w.mints.USDC.toBase58());
    const lamportsBefore = w.sol.solBalance(w.user.publicKey);
    tx.sign([w.user]);
    const sig = await w.connection.sendRawTransaction(tx.serialize());
    const status = await waitForStatus(w.connection, sig);
    expect(status).toMatchObject({ err: null, confirmationStatus: "finalized" });

    expect(BigInt(usdcBefore) - BigInt(await parsedBalance(w, TOKEN_PROGRAM_ID, w.mints.USDC.toBase58()))).toBe(
      BigInt(quote.inAmount),
    );
    expect(await parsedBalance(w, TOKEN_2022_PROGRAM_ID, w.mints.T22.toBase58())).toBe(quote.outAmount);
    expect(quote.outAmount).toBe("20000000000");
    const byMint = await w.connection.getTokenAccountsByOwner(w.user.publicKey, { mint: w.mints.T22 });
    expect(byMint.value.map((a) => a.account.owner.toBase58())).toEqual([TOKEN_2022_PROGRAM_ID.toBase58()]);

    const got = await w.connection.getTransaction(sig, { maxSupportedTransactionVersion: 0 });
    const t22Post = got?.meta?.postTokenBalances?.find((b) => b.mint === w.mints.T22.toBase58() && b.owner === w.user.publicKey.toBase58());
    expect(t22Post?.uiTokenAmount.amount).toBe(quote.outAmount);
    expect(t22Post?.programId).toBe(TOKEN_2022_PROGRAM_ID.toBase58());
    const fee = await w.connection.getFeeForMessage(tx.message);
    const ataRent = await w.connection.getMinimumBalanceForRentExemption(170);
    expect(got?.meta?.fee).toBe(fee.value);
    expect(lamportsBefore - w.sol.solBalance(w.user.publicKey)).toBe(BigInt(fee.value! + ataRent));
  });

  it("SOL in is wrapped and unwrapped: the user pays inAmount + fee + the new ATA's rent, and keeps no WSOL", async () => {
    const w = await start();
    const { quote, tx, swap } = await buildSwap(w, w.mints.SOL, w.mints.T22, 1_000_000_000);
    const before = w.sol.solBalance(w.user.publicKey);
    tx.sign([w.user]);
    const sig = await w.connection.sendRawTransaction(tx.serialize());
    const { lastValidBlockHeight } = swap;
    await w.connection.confirmTransaction({ signature: sig, blockhash: tx.message.recentBlockhash, lastValidBlockHeight });
    const meta = (await w.connection.getTransaction(sig, { maxSupportedTransactionVersion: 0 }))!.meta!;
    const rent = await w.connection.getMinimumBalanceForRentExemption(170);
    expect(before - w.sol.solBalance(w.user.publicKey)).toBe(BigInt(quote.inAmount) + BigInt(meta.fee + rent));
    expect(w.sol.tokenBalance(w.user.publicKey, w.mints.SOL)).toBe(0n);
    expect(w.sol.tokenBalance(w.user.publicKey, w.mints.T22)).toBe(300_000_000_000n);
    expect(w.sol.callsTo("signatureSubscribe").map((c) => c.transport)).toEqual(["ws"]);
  });
});

describe("Solana RPC fake send semantics", () => {
  it("re-sending the same signed bytes returns the same signature and moves balances once", async () => {
    const w = await start();
    const { quote, tx } = await buildSwap(w, w.mints.USDC, w.mints.T22, 5_000_000);
    tx.sign([w.user]);
    const bytes = tx.serialize();
    const first = await w.connection.sendRawTransaction(bytes);
    await waitForStatus(w.connection, first);
    const second = await w.connection.sendRawTransaction(bytes);
    const third = await w.connection.sendRawTransaction(bytes, { skipPreflight: true });
    expect([second, third]).toEqual([first, first]);
    expect(w.sol.tokenBalance(w.user.publicKey, w.mints.T22)).toBe(BigInt(quote.outAmount));
    expect(w.sol.tokenBalance(w.user.publicKey, w.mints.USDC)).toBe(1_000_000_000n - BigInt(quote.inAmount));
  });

  it("refuses a transaction whose blockhash expired (BlockhashNotFound) and moves nothing", async () => {
    const w = await start();
    const { tx } = await buildSwap(w, w.mints.USDC, w.mints.T22, 5_000_000);
    tx.sign([w.user]);
    w.sol.advanceBlocks(151);
    await expect(w.connection.sendRawTransaction(tx.serialize())).rejects.toThrow(/Blockhash not found/);
    await expect(w.connection.sendRawTransaction(tx.serialize(), { skipPreflight: true })).rejects.toThrow(
      /Blockhash not found/,
    );
    expect(w.sol.tokenBalance(w.user.publicKey, w.mints.USDC)).toBe(1_000_000_000n);
  });

  it("dropNextSend returns a signature that never lands; the same bytes sent again do land", async () => {
    const w = await start();
    const { tx, swap } = await buildSwap(w, w.mints.USDC, w.mints.T22, 5_000_000);
    tx.sign([w.user]);
    w.sol.dropNextSend();
    const sig = await w.connection.sendRawTransaction(tx.serialize());
    const { value } = await w.connection.getSignatureStatuses([sig], { searchTransactionHistory: true });
    expect(value).toEqual([null]);
    expect(w.sol.tokenBalance(w.user.publicKey, w.mints.USDC)).toBe(1_000_000_000n);
    expect(await w.connection.sendRawTransaction(tx.serialize())).toBe(sig);
    expect(await waitForStatus(w.connection, sig)).toMatchObject({ err: null });
    expect(swap.lastValidBlockHeight).toBeGreaterThan(w.sol.blockHeight());
  });

  it("a dropped transaction's confirmation fails once its blockhash has expired", async () => {
    const w = await start();
    const { tx, swap } = await buildSwap(w, w.mints.USDC, w.mints.T22, 5_000_000);
    tx.sign([w.user]);
    w.sol.dropNextSend();
    const signature = await w.connection.sendRawTransaction(tx.serialize());
    w.sol.advanceBlocks(151);
    expect((await w.connection.getSignatureStatuses([signature], { searchTransactionHistory: true })).value).toEqual([null]);
    await expect(
      w.connection.confirmTransaction({ signature, blockhash: tx.message.recentBlockhash, lastValidBlockHeight: swap.lastValidBlockHeight }),
    ).rejects.toBeInstanceOf(TransactionExpiredBlockheightExceededError);
  });

  it("failNextSend answers with the RPC error and executes nothing", async () => {
    const w = await start();
    const { tx } = await buildSwap(w, w.mints.USDC, w.mints.T22, 5_000_000);
    tx.sign([w.user]);
    w.sol.failNextSend({ code: -32005, message: "Node is behind by 42 slots" });
    await expect(w.connection.sendRawTransaction(tx.serialize())).rejects.toThrow(/Node is behind/);
    expect(w.sol.tokenBalance(w.user.publicKey, w.mints.USDC)).toBe(1_000_000_000n);
    expect(w.sol.callsTo("sendTransaction")).toHaveLength(1);
  });

  it("refuses an unsigned transaction with a signature verification error", async () => {
    const w = await start();
    const { tx } = await buildSwap(w, w.mints.USDC, w.mints.T22, 5_000_000);
    await expect(w.connection.sendRawTransaction(tx.serialize(), { skipPreflight: true })).rejects.toThrow(
      /signature verification failure/,
    );
  });

  it("simulateTransaction returns logs and errors without committing", async () => {
    const w = await start();
    const { tx } = await buildSwap(w, w.mints.USDC, w.mints.T22, 5_000_000);
    const ok = await w.connection.simulateTransaction(tx, { sigVerify: false });
    expect(ok.value.err).toBeNull();
    expect(ok.value.logs?.join("\n")).toContain(`Program ${TOKEN_2022_PROGRAM_ID.toBase58()} success`);
    expect(w.sol.tokenBalance(w.user.publicKey, w.mints.USDC)).toBe(1_000_000_000n);

    w.jup.failNext("swap", { kind: "stale-quote" });
    const stale = await buildSwap(w, w.mints.USDC, w.mints.T22, 5_000_000);
    const bad = await w.connection.simulateTransaction(stale.tx, { sigVerify: false });
    expect(bad.value.err).toEqual({ InstructionError: [expect.any(Number), { Custom: 1 }] });
    expect(bad.value.logs?.join("\n")).toMatch(/insufficient funds/i);
  });

  it("a stale quote's transaction lands failed with skipPreflight: fee charged, tokens untouched", async () => {
    const w = await start();
    w.jup.failNext("swap", { kind: "stale-quote" });
    const { tx } = await buildSwap(w, w.mints.USDC, w.mints.T22, 5_000_000);
    tx.sign([w.user]);
    await expect(w.connection.sendRawTransaction(tx.serialize())).rejects.toThrow(/custom program error: 0x1/);
    const sig = await w.connection.sendRawTransaction(tx.serialize(), { skipPreflight: true });
    expect((await waitForStatus(w.connection, sig))?.err).toEqual({ InstructionError: [expect.any(Number), { Custom: 1 }] });
    const meta = (await w.connection.getTransaction(sig, { maxSupportedTransactionVersion: 0 }))!.meta!;
    expect(meta.fee).toBeGreaterThan(0);
    expect(w.sol.tokenBalance(w.user.publicKey, w.mints.USDC)).toBe(1_000_000_000n);
  });

  it("getSignatureStatuses forgets old signatures unless searchTransactionHistory is set", async () => {
    const w = await start();
    const { tx } = await buildSwap(w, w.mints.USDC, w.mints.T22, 5_000_000);
    tx.sign([w.user]);
    const sig = await w.connection.sendRawTransaction(tx.serialize());
    w.sol.advanceBlocks(200);
    expect((await w.connection.getSignatureStatuses([sig])).value).toEqual([null]);
    expect((await waitForStatus(w.connection, sig))?.err).toBeNull();
  });
});

describe("Jupiter swap fake test switches", () => {
  const stranger = (w: SwapWorld) => w.jup.stranger.publicKey;
  const tokenIxs = (tx: VersionedTransaction, tag: number) =>
    tx.message.compiledInstructions.filter((ix) => {
      const p = tx.message.staticAccountKeys[ix.programIdIndex]!;
      return (p.equals(TOKEN_PROGRAM_ID) || p.equals(TOKEN_2022_PROGRAM_ID)) && ix.data[0] === tag;
    });
  const keyAt = (tx: VersionedTransaction, i: number | undefined) => tx.message.staticAccountKeys[i ?? -1];
  const checks: Record<MaliciousKind, (tx: VersionedTransaction, w: SwapWorld) => boolean> = {
    "extra-sol-transfer": (tx, w) =>
      tx.message.compiledInstructions.some(
        (ix) =>
          keyAt(tx, ix.programIdIndex)!.equals(SystemProgram.programId) &&
          Buffer.from(ix.data).readUInt32LE(0) === 2 &&
          keyAt(tx, ix.accountKeyIndexes[1])!.equals(stranger(w)),
      ),
    "extra-token-transfer": (tx, w) => {
      const strangerAta = getAssociatedTokenAddressSync(w.mints.T22, stranger(w), true, TOKEN_2022_PROGRAM_ID);
      return tokenIxs(tx, 12).some((ix) => keyAt(tx, ix.accountKeyIndexes[2])!.equals(strangerAta));
    },
    "foreign-fee-payer": (tx, w) => tx.message.staticAccountKeys[0]!.equals(stranger(w)),
    approve: (tx, w) => tokenIxs(tx, 4).some((ix) => keyAt(tx, ix.accountKeyIndexes[1])!.equals(stranger(w))),
    "set-authority": (tx) => tokenIxs(tx, 6).length === 1,
    "unknown-program": (tx) => programsOf(tx).some((p) => p.equals(UNKNOWN_PROGRAM_ID)),
  };

  it.each(Object.keys(checks) as MaliciousKind[])("setMalicious(%s) adds that harm, and only then", async (kind) => {
    const w = await start();
    const honest = await buildSwap(w, w.mints.USDC, w.mints.T22, 5_000_000);
    expect(checks[kind](honest.tx, w)).toBe(false);
    expect(honest.tx.message.staticAccountKeys.some((k) => k.equals(stranger(w)))).toBe(false);
    w.jup.setMalicious(kind);
    const bad = await buildSwap(w, w.mints.USDC, w.mints.T22, 5_000_000);
    expect(checks[kind](bad.tx, w)).toBe(true);
  });

  it("a malicious extra SOL transfer really pays the stranger when executed", async () => {
    const w = await start();
    w.jup.setMalicious("extra-sol-transfer");
    const { tx } = await buildSwap(w, w.mints.USDC, w.mints.T22, 5_000_000);
    tx.sign([w.user]);
    await waitForStatus(w.connection, await w.connection.sendRawTransaction(tx.serialize()));
    expect(w.sol.solBalance(stranger(w))).toBe(10_000_000n);
  });

  it("programmable HTTP failures: 429, 500, malformed JSON and delay", async () => {
    const w = await start();
    const req = { inputMint: w.mints.SOL.toBase58(), outputMint: w.mints.USDC.toBase58(), amount: 1_000_000, slippageBps: 50 };
    w.jup.failNext("quote", { kind: "status", status: 429, headers: { "retry-after": "1" } });
    w.jup.failNext("quote", { kind: "status", status: 500 });
    w.jup.failNext("quote", { kind: "malformed" });
    w.jup.failNext("quote", { kind: "delay", ms: 300 });
    const statusOf = (e: unknown) => (e instanceof ResponseError ? e.response.status : "other");
    expect(statusOf(await w.api.quoteGet(req).catch((e: unknown) => e))).toBe(429);
    expect(statusOf(await w.api.quoteGet(req).catch((e: unknown) => e))).toBe(500);
    await expect(w.api.quoteGet(req)).rejects.toThrow(SyntaxError);
    const t0 = Date.now();
    expect((await w.api.quoteGet(req)).outAmount).toBe("150000");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    expect(w.jup.requestsTo("quote")).toHaveLength(4);
    expect(w.jup.requestsTo("quote")[0]?.query).toMatchObject({ amount: "1000000", slippageBps: "50" });
  });

  it("expired-blockhash swap: lastValidBlockHeight is already past and the RPC refuses the transaction", async () => {
    const w = await start();
    w.jup.failNext("swap", { kind: "expired-blockhash" });
    const { tx, swap } = await buildSwap(w, w.mints.USDC, w.mints.T22, 5_000_000);
    expect(swap.lastValidBlockHeight).toBeLessThan(w.sol.blockHeight());
    tx.sign([w.user]);
    await expect(w.connection.sendRawTransaction(tx.serialize())).rejects.toThrow(/Blockhash not found/);
  });
});
