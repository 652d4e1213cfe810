import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { VersionedTransaction } from "@solana/web3.js";
import { afterEach, describe, expect, it } from "vitest";
import { JupiterSwapProvider } from "../../../adapters/jupiter/jupiter-swap.js";
import { RemoteError, UserError } from "../../../core/errors.js";
import { startSwapWorld, type SwapWorld } from "../../fakes/solana/swap-harness.js";

let world: SwapWorld | undefined;
const servers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await world?.close();
  world = undefined;
  for (const close of servers.splice(0)) await close();
});

async function start(opts?: Parameters<typeof startSwapWorld>[0]) {
  world = await startSwapWorld(opts);
  const provider = new JupiterSwapProvider({ root: world.jup.url, timeoutMs: 2_000 });
  return { w: world, provider };
}

interface Seen {
  path: string;
  headers: IncomingHttpHeaders;
}

/** A scripted HTTP server: each request gets the next canned answer. */
async function scripted(answers: Array<{ status?: number; body: string; headers?: Record<string, string> }>) {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    seen.push({ path: req.url ?? "", headers: req.headers });
    const a = answers.shift() ?? { status: 404, body: "{}" };
    res.writeHead(a.status ?? 200, { "content-type": "application/json", ...a.headers });
    res.end(a.body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  servers.push(() => new Promise<void>((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const caught = async (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e);
const SOL = "So11111111111111111111111111111111111111112";
const USDC = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v";

function quoteJson(over: Record<string, unknown> = {}) {
  return JSON.stringify({
    inputMint: SOL,
    outputMint: USDC,
    inAmount: "1000000000",
    outAmount: "150000000",
    otherAmountThreshold: "149250000",
    swapMode: "ExactIn",
    slippageBps: 50,
    priceImpactPct: "0.0012",
    routePlan: [{ swapInfo: { ammKey: "amm", label: "Whirlpool", inputMint: SOL, outputMint: USDC, inAmount: "1000000000", outAmount: "150000000", feeAmount: "2500", feeMint: SOL }, percent: 100 }],
    ...over,
  });
}
const solToUsdc = { inputMint: SOL, outputMint: USDC, amount: 1_000_000_000n, slippageBps: 50 };

describe("JupiterSwapProvider.quote against the Jupiter fake", () => {
  it("maps a quote to bigint amounts, the minimum after slippage, route labels and the raw response", async () => {
    const { w, provider } = await start({ jupiter: { feeBps: 30, priceImpactPct: "0.25" } });
    const q = await provider.quote({ inputMint: w.mints.SOL.toBase58(), outputMint: w.mints.USDC.toBase58(), amount: 2_000_000_000n, slippageBps: 100 });
    expect(q.inAmount).toBe(2_000_000_000n);
    expect(q.outAmount).toBe(299_100_000n); // $300 less the 0.3% pool fee
    expect(q.minOutAmount).toBe((299_100_000n * 9_900n) / 10_000n);
    expect(q.slippageBps).toBe(100);
    expect(q.priceImpactPct).toBe(0.25);
    expect(q.route).toEqual(["Purser Fake AMM"]);
    expect(q.fees).toEqual([{ mint: w.mints.SOL.toBase58(), amount: 6_000_000n }]);
    expect((q.raw as { outAmount: string }).outAmount).toBe("299100000");
    expect(w.jup.requestsTo("quote")[0]?.query).toMatchObject({ amount: "2000000000", slippageBps: "100" });
  });

  it("sends amounts beyond 2^53 digit for digit", async () => {
    const { w, provider } = await start();
    const amount = 2n ** 53n + 1n; // Number(amount) would round to 2^53
    const q = await provider.quote({ inputMint: w.mints.USDC.toBase58(), outputMint: w.mints.SOL.toBase58(), amount, slippageBps: 50 });
    expect(w.jup.requestsTo("quote")[0]?.query.amount).toBe("9007199254740993");
    expect(q.inAmount).toBe(amount);
  });

  it("no route and untradable tokens are a UserError no_route", async () => {
    const { w, provider } = await start();
    w.jup.prices.delete(w.mints.T22.toBase58());
    const noRoute = await caught(provider.quote({ inputMint: w.mints.USDC.toBase58(), outputMint: w.mints.T22.toBase58(), amount: 5n, slippageBps: 50 }));
    expect(noRoute).toBeInstanceOf(UserError);
    expect(noRoute).toMatchObject({ code: "no_route", message: "No swap route for that pair right now." });
    const untradable = await caught(provider.quote({ ...solToUsdc, outputMint: w.jup.stranger.publicKey.toBase58() }));
    expect(untradable).toMatchObject({ code: "no_route", context: { code: "TOKEN_NOT_TRADABLE" } });
  });

  it("500, 429 and timeouts are retryable RemoteErrors; other 4xx and malformed JSON are not", async () => {
    const { w, provider } = await start();
    const req = { inputMint: w.mints.SOL.toBase58(), outputMint: w.mints.USDC.toBase58(), amount: 1_000_000n, slippageBps: 50 };
    w.jup.failNext("quote", { kind: "status", status: 500 });
    w.jup.failNext("quote", { kind: "status", status: 429 });
    w.jup.failNext("quote", { kind: "status", status: 403, body: { error: "Forbidden" } });
    w.jup.failNext("quote", { kind: "malformed" });
    const e500 = await caught(provider.quote(req));
    expect(e500).toBeInstanceOf(RemoteError);
    expect(e500).toMatchObject({ service: "jupiter", retryable: true, status: 500 });
    expect(await caught(provider.quote(req))).toMatchObject({ retryable: true, status: 429 });
    expect(await caught(provider.quote(req))).toMatchObject({ retryable: false, status: 403 });
    const bad = await caught(provider.quote(req));
    expect(bad).toBeInstanceOf(RemoteError);
    expect(bad).toMatchObject({ retryable: false, message: expect.stringMatching(/malformed JSON/) });

    const slow = new JupiterSwapProvider({ root: w.jup.url, timeoutMs: 100 });
    w.jup.failNext("quote", { kind: "delay", ms: 400 });
    expect(await caught(slow.quote(req))).toMatchObject({ retryable: true, message: expect.stringMatching(/timed out/) });
    expect((await provider.quote(req)).outAmount).toBe(150_000n);
  });
});

describe("JupiterSwapProvider.quote validation (scripted server)", () => {
  it.each([
    ["garbage", "[1,2,3]"],
    ["a missing field", quoteJson({ outAmount: undefined })],
    ["a non-integer amount", quoteJson({ outAmount: "150000000.5" })],
    ["a negative amount", quoteJson({ otherAmountThreshold: "-1" })],
    ["different mints", quoteJson({ outputMint: SOL, inputMint: USDC })],
    ["a different inAmount", quoteJson({ inAmount: "999999999" })],
    ["a different slippage", quoteJson({ slippageBps: 5000 })],
    ["a minimum above the output", quoteJson({ otherAmountThreshold: "150000001" })],
    ["a minimum far below the slippage", quoteJson({ otherAmountThreshold: "1" })],
    ["no route plan", quoteJson({ routePlan: [] })],
  ])("refuses %s as a non-retryable RemoteError", async (_name, body) => {
    const s = await scripted([{ body }]);
    const err = await caught(new JupiterSwapProvider({ root: s.url }).quote(solToUsdc));
    expect(err).toBeInstanceOf(RemoteError);
    expect(err).toMatchObject({ service: "jupiter", retryable: false });
  });

  it("accepts a well-formed quote, keeps route fees, and sends the API key header to /swap/v1/quote", async () => {
    const s = await scripted([{ body: quoteJson() }]);
    const q = await new JupiterSwapProvider({ root: `${s.url}/`, apiKey: "k-123" }).quote(solToUsdc);
    expect(q).toMatchObject({ minOutAmount: 149_250_000n, route: ["Whirlpool"], fees: [{ mint: SOL, amount: 2500n }] });
    expect(s.seen[0]?.path).toMatch(/^\/swap\/v1\/quote\?/);
    expect(s.seen[0]?.headers["x-api-key"]).toBe("k-123");
  });

  it("never follows a redirect and never echoes the API key", async () => {
    const target = await scripted([{ body: quoteJson() }]);
    const s = await scripted([
      { status: 302, body: "", headers: { location: `${target.url}/swap/v1/quote` } },
      { status: 502, body: JSON.stringify({ error: "upstream rejected key sk-SECRET-1" }) },
    ]);
    const provider = new JupiterSwapProvider({ root: s.url, apiKey: "sk-SECRET-1" });
    expect(await caught(provider.quote(solToUsdc))).toMatchObject({ retryable: false, status: 302 });
    expect(target.seen).toHaveLength(0);
    const err = (await caught(provider.quote(solToUsdc))) as RemoteError;
    expect(err).toMatchObject({ retryable: true, status: 502 });
    expect(err.message).not.toContain("sk-SECRET-1");
  });
});

describe("JupiterSwapProvider.buildSwap", () => {
  it("posts the quote for the user and returns an unsigned v0 transaction paid by the user", async () => {
    const { w, provider } = await start();
    const q = await provider.quote({ inputMint: w.mints.USDC.toBase58(), outputMint: w.mints.T22.toBase58(), amount: 10_000_000n, slippageBps: 50 });
    const built = await provider.buildSwap(q, w.user.publicKey.toBase58());
    const tx = VersionedTransaction.deserialize(Buffer.from(built.txBase64, "base64"));
    expect(tx.version).toBe(0);
    expect(tx.message.staticAccountKeys[0]!.equals(w.user.publicKey)).toBe(true);
    expect(built.lastValidBlockHeight).toBe(w.sol.latestBlockhash().lastValidBlockHeight);
    const body = w.jup.requestsTo("swap")[0]?.body as Record<string, unknown>;
    expect(body).toMatchObject({
      userPublicKey: w.user.publicKey.toBase58(),
      wrapAndUnwrapSol: true,
      dynamicComputeUnitLimit: true,
      prioritizationFeeLamports: { priorityLevelWithMaxLamports: { maxLamports: 1_000_000, priorityLevel: "high" } },
      quoteResponse: { inAmount: "10000000", outAmount: (q.raw as { outAmount: string }).outAmount },
    });
  });

  it("maps swap failures: 503 retryable, malformed JSON and an undecodable transaction not", async () => {
    const { w, provider } = await start();
    const q = await provider.quote({ inputMint: w.mints.USDC.toBase58(), outputMint: w.mints.T22.toBase58(), amount: 10_000_000n, slippageBps: 50 });
    w.jup.failNext("swap", { kind: "status", status: 503 });
    w.jup.failNext("swap", { kind: "malformed" });
    expect(await caught(provider.buildSwap(q, w.user.publicKey.toBase58()))).toMatchObject({ retryable: true, status: 503 });
    expect(await caught(provider.buildSwap(q, w.user.publicKey.toBase58()))).toMatchObject({ retryable: false });
    const s = await scripted([{ body: JSON.stringify({ swapTransaction: "AAAA", lastValidBlockHeight: 5 }) }]);
    const err = await caught(new JupiterSwapProvider({ root: s.url }).buildSwap(q, w.user.publicKey.toBase58()));
    expect(err).toMatchObject({ retryable: false, message: expect.stringMatching(/does not decode/) });
    expect(await caught(provider.buildSwap(q, "not-a-key"))).toMatchObject({ code: "bad_address" });
  });
});
