import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID } from "@solana/spl-token";
import { Keypair, VersionedTransaction } from "@solana/web3.js";
import { afterEach, describe, expect, it } from "vitest";
import { SOL_MINT, SolanaChain, signatureOf } from "../../../adapters/solana/solana-chain.js";
import { RemoteError } from "../../../core/errors.js";
import { silentLogger } from "../../../core/ports/logger.port.js";
import { createTokenAccountAt } from "../../fakes/solana/tokens.js";
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

/** Signs a built swap with the world's user (the pool's pre-signature is kept). */
function signAsUser(a: Adapters, txBase64: string): string {
  const tx = VersionedTransaction.deserialize(Buffer.from(txBase64, "base64"));
  tx.sign([a.w.user]);
  return Buffer.from(tx.serialize()).toString("base64");
}

/** A minimal JSON-RPC server answering each method from a table (for states the LiteSVM fake never shows). */
async function scriptedRpc(results: Record<string, (params: unknown[]) => unknown>) {
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const call = JSON.parse(body) as { id: unknown; method: string; params: unknown[] };
      const result = results[call.method]?.(call.params) ?? null;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ jsonrpc: "2.0", id: call.id, result }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const caught = async (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e);

describe("SolanaChain.balances", () => {
  it("sums several accounts per mint across Token and Token-2022, from the amount strings, and drops zeros", async () => {
    const a = await start();
    const { sol, user, mints } = a.w;
    const owner = user.publicKey;
    // A second USDC account (not the ATA) holding 2.5 USDC, and 7 T22 in the Token-2022 ATA.
    const extra = createTokenAccountAt(sol.chain, Keypair.generate().publicKey, mints.USDC, owner);
    const acc = sol.chain.getAccount(extra)!;
    const data = Buffer.from(acc.data);
    data.writeBigUInt64LE(2_500_000n, 64);
    sol.chain.setAccount(extra, { ...acc, data });
    sol.mintTo(mints.T22, owner, 7_000_000_000n);
    // A zero-balance account of a third mint.
    const empty = sol.createMint(2);
    sol.mintTo(empty, owner, 0n);

    const b = await a.chain.balances(owner.toBase58());
    expect(b.lamports).toBe(sol.solBalance(owner));
    const byMint = Object.fromEntries(b.tokens.map((t) => [t.mint, t]));
    expect(byMint[mints.USDC.toBase58()]).toEqual({ mint: mints.USDC.toBase58(), amount: 1_002_500_000n, decimals: 6, program: "token" });
    expect(byMint[mints.T22.toBase58()]).toEqual({ mint: mints.T22.toBase58(), amount: 7_000_000_000n, decimals: 9, program: "token-2022" });
    expect(b.tokens).toHaveLength(2);
    const asked = sol.callsTo("getTokenAccountsByOwner").map((c) => (c.params as [string, { programId: string }])[1].programId);
    expect(asked.sort()).toEqual([TOKEN_PROGRAM_ID.toBase58(), TOKEN_2022_PROGRAM_ID.toBase58()].sort());
  });

  it("an empty wallet has zero lamports and no tokens", async () => {
    const a = await start();
    expect(await a.chain.balances(Keypair.generate().publicKey.toBase58())).toEqual({ lamports: 0n, tokens: [] });
  });
});

describe("SolanaChain against a scripted RPC", () => {
  it("balances skip malformed entries and keep every digit of the amount string (never uiAmount)", async () => {
    const mintA = Keypair.generate().publicKey.toBase58();
    const mintB = Keypair.generate().publicKey.toBase58();
    const entry = (program: string, info: unknown) => ({
      pubkey: Keypair.generate().publicKey.toBase58(),
      account: { data: { program: "spl-token", parsed: { type: "account", info }, space: 165 }, executable: false, lamports: 2039280, owner: program, rentEpoch: 0, space: 165 },
    });
    const token = TOKEN_PROGRAM_ID.toBase58();
    const rpc = await scriptedRpc({
      getBalance: () => ({ context: { slot: 1 }, value: 5 }),
      getTokenAccountsByOwner: (params) => {
        const program = (params[1] as { programId: string }).programId;
        const value =
          program === token
            ? [
                entry(token, { mint: mintA, tokenAmount: { amount: "18446744073709551615", decimals: 6, uiAmount: 1.8e13 } }),
                entry(token, { mint: mintA, tokenAmount: { amount: "1.5", decimals: 6, uiAmount: 0.0000015 } }),
                entry(token, { mint: mintA, tokenAmount: { uiAmount: 99, decimals: 6 } }),
                entry(token, { mint: "not-a-mint", tokenAmount: { amount: "7", decimals: 6 } }),
                entry(token, "garbage"),
              ]
            : [entry(program, { mint: mintB, tokenAmount: { amount: "42", decimals: 0 } }), entry(program, { mint: mintB, tokenAmount: { amount: "8", decimals: 0 } })];
        return { context: { slot: 1 }, value };
      },
    });
    try {
      const chain = new SolanaChain({ rpcUrl: rpc.url, log: silentLogger });
      expect(await chain.balances(Keypair.generate().publicKey.toBase58())).toEqual({
        lamports: 5n,
        tokens: [
          { mint: mintA, amount: 18_446_744_073_709_551_615n, decimals: 6, program: "token" },
          { mint: mintB, amount: 50n, decimals: 0, program: "token-2022" },
        ],
      });
    } finally {
      await rpc.close();
    }
  });

  it("status: processed is pending, confirmed and finalized are landed, an error is carried", async () => {
    const answers = [
      { slot: 1, confirmations: 0, err: null, confirmationStatus: "processed" },
      { slot: 1, confirmations: 3, err: null, confirmationStatus: "confirmed" },
      { slot: 1, confirmations: null, err: { InstructionError: [2, { Custom: 6001 }] }, confirmationStatus: "finalized" },
      null,
    ];
    const rpc = await scriptedRpc({ getSignatureStatuses: () => ({ context: { slot: 1 }, value: [answers.shift()] }) });
    try {
      const chain = new SolanaChain({ rpcUrl: rpc.url, log: silentLogger });
      expect(await chain.status("sig", false)).toEqual({ state: "pending" });
      expect(await chain.status("sig", false)).toEqual({ state: "landed", ok: true });
      expect(await chain.status("sig", true)).toEqual({ state: "landed", ok: false, error: '{"InstructionError":[2,{"Custom":6001}]}' });
      expect(await chain.status("sig", true)).toEqual({ state: "unknown" });
    } finally {
      await rpc.close();
    }
  });
});

describe("SolanaChain send, status and executed", () => {
  it("re-sending the same bytes gives the same signature, computed locally, and moves balances once", async () => {
    const a = await start();
    const s = await swapTx(a, a.w.mints.USDC, a.w.mints.T22, 10_000_000n);
    const signed = signAsUser(a, s.txBase64);
    const sig = signatureOf(signed);
    expect(await a.chain.send(signed)).toBe(sig);
    expect(await a.chain.send(signed)).toBe(sig);
    expect(a.w.sol.callsTo("sendTransaction")).toHaveLength(2);
    expect(a.w.sol.callsTo("sendTransaction")[0]?.params).toMatchObject([expect.any(String), { skipPreflight: true, maxRetries: 0 }]);
    expect(await a.chain.status(sig, false)).toEqual({ state: "landed", ok: true });
    expect(a.w.sol.tokenBalance(a.w.user.publicKey, a.w.mints.USDC)).toBe(1_000_000_000n - 10_000_000n);
    expect(a.w.sol.tokenBalance(a.w.user.publicKey, a.w.mints.T22)).toBe(s.quote.outAmount);
    expect(() => signatureOf(s.txBase64)).toThrow(/not signed/);
  });

  it("executed: token deltas, SOL net of the fee (with the new account's rent), fee apart", async () => {
    const a = await start();
    const s = await swapTx(a, a.w.mints.SOL, a.w.mints.T22, 1_000_000_000n);
    const sig = await a.chain.send(signAsUser(a, s.txBase64));
    const ex = await a.chain.executed(sig, a.w.user.publicKey.toBase58());
    const rent = BigInt(await a.w.connection.getMinimumBalanceForRentExemption(170));
    const meta = (await a.w.connection.getTransaction(sig, { maxSupportedTransactionVersion: 0 }))!.meta!;
    expect(ex).toEqual({
      ok: true,
      feeLamports: BigInt(meta.fee),
      deltas: new Map([
        [SOL_MINT, -(1_000_000_000n + rent)],
        [a.w.mints.T22.toBase58(), s.quote.outAmount],
      ]),
    });
    expect(await a.chain.executed(sig, Keypair.generate().publicKey.toBase58())).toEqual({ ok: true, feeLamports: 0n, deltas: new Map() });
    expect(await a.chain.executed("1".repeat(64), a.w.user.publicKey.toBase58())).toBeUndefined();
  });

  it("a transaction that fails on-chain lands with ok false: fee charged, no token moved", async () => {
    const a = await start();
    a.w.jup.failNext("swap", { kind: "stale-quote" });
    const s = await swapTx(a, a.w.mints.USDC, a.w.mints.T22, 10_000_000n);
    const sig = await a.chain.send(signAsUser(a, s.txBase64));
    const st = await a.chain.status(sig, true);
    expect(st).toMatchObject({ state: "landed", ok: false, error: expect.stringContaining("Custom") });
    const ex = await a.chain.executed(sig, a.w.user.publicKey.toBase58());
    expect(ex).toMatchObject({ ok: false, error: expect.stringContaining("InstructionError") });
    expect(ex?.feeLamports).toBeGreaterThan(0n);
    expect(ex?.deltas).toEqual(new Map());
  });

  it("a dropped transaction whose blockhash expired: status unknown, block height past, re-send refused", async () => {
    const a = await start();
    const s = await swapTx(a, a.w.mints.USDC, a.w.mints.T22, 10_000_000n);
    const signed = signAsUser(a, s.txBase64);
    a.w.sol.dropNextSend();
    const sig = await a.chain.send(signed);
    expect(sig).toBe(signatureOf(signed));
    expect(await a.chain.status(sig, true)).toEqual({ state: "unknown" });
    a.w.sol.advanceBlocks(200);
    expect(await a.chain.blockHeight()).toBeGreaterThan(s.lastValidBlockHeight);
    expect(await a.chain.status(sig, true)).toEqual({ state: "unknown" });
    const err = await caught(a.chain.send(signed));
    expect(err).toBeInstanceOf(RemoteError);
    expect(err).toMatchObject({ service: "solana", retryable: false, message: expect.stringMatching(/Blockhash not found/) });
    expect(a.w.sol.tokenBalance(a.w.user.publicKey, a.w.mints.USDC)).toBe(1_000_000_000n);
  });

  it("an old landed signature is found only with searchHistory", async () => {
    const a = await start();
    const s = await swapTx(a, a.w.mints.USDC, a.w.mints.T22, 10_000_000n);
    const sig = await a.chain.send(signAsUser(a, s.txBase64));
    a.w.sol.advanceBlocks(200);
    expect(await a.chain.status(sig, false)).toEqual({ state: "unknown" });
    expect(await a.chain.status(sig, true)).toEqual({ state: "landed", ok: true });
  });
});

describe("SolanaChain RPC failures", () => {
  it("HTTP 503 and 429 are retryable, invalid params are not, and the URL's API key never shows", async () => {
    const a = await start();
    const key = "SECRETKEY123";
    const chain = new SolanaChain({ rpcUrl: `${a.w.sol.url}/?api-key=${key}`, log: silentLogger });
    const owner = a.w.user.publicKey.toBase58();
    a.w.sol.failNext("getBalance", { httpStatus: 503, body: "busy" });
    const e503 = (await caught(chain.balances(owner))) as RemoteError;
    expect(e503).toBeInstanceOf(RemoteError);
    expect(e503).toMatchObject({ service: "solana", retryable: true, status: 503 });
    a.w.sol.failNext("getBlockHeight", { httpStatus: 429, body: "slow down" });
    const before = a.w.sol.callsTo("getBlockHeight").length;
    expect(await caught(chain.blockHeight())).toMatchObject({ retryable: true, status: 429 });
    // No built-in 429 back-off loop: the RPC node saw exactly one request (not a wall-clock guess).
    expect(a.w.sol.callsTo("getBlockHeight").length - before).toBe(1);
    a.w.sol.failNext("getSignatureStatuses", { rpcError: { code: -32602, message: "Invalid param: WrongSize" } });
    expect(await caught(chain.status("abc", false))).toMatchObject({ retryable: false });
    a.w.sol.failNext("getSignatureStatuses", { rpcError: { code: -32005, message: "Node is behind by 9 slots" } });
    expect(await caught(chain.status("abc", false))).toMatchObject({ retryable: true });
    expect(await chain.blockHeight()).toBe(a.w.sol.blockHeight());

    for (const err of [e503]) expect(`${err.message} ${String(err.stack)}`).not.toContain(key);
  });

  it("an unreachable RPC is retryable and its URL (with key) is not in the message", async () => {
    const a = await start();
    const port = Number(new URL(a.w.sol.url).port);
    await a.w.sol.close();
    const chain = new SolanaChain({ rpcUrl: `http://127.0.0.1:${port}/v2/ALCHEMYKEY42?api-key=HELIUSKEY42`, log: silentLogger, timeoutMs: 2_000 });
    for (const call of [() => chain.blockHeight(), () => chain.status("x", false), () => chain.balances(a.w.user.publicKey.toBase58())]) {
      const err = (await caught(call())) as RemoteError;
      expect(err).toBeInstanceOf(RemoteError);
      expect(err.retryable).toBe(true);
      expect(err.message).not.toMatch(/ALCHEMYKEY42|HELIUSKEY42/);
    }
  });

  it("a hanging RPC times out as a retryable error", async () => {
    const a = await start();
    const chain = new SolanaChain({ rpcUrl: a.w.sol.url, log: silentLogger, timeoutMs: 150 });
    a.w.sol.failNext("getBlockHeight", { delayMs: 1_000 });
    expect(await caught(chain.blockHeight())).toMatchObject({ retryable: true });
  });
});
