// A local Jupiter Swap API (v1) for tests, backed by the Solana fake:
//   GET  /swap/v1/quote?inputMint&outputMint&amount&slippageBps[&swapMode]
//   POST /swap/v1/swap {userPublicKey, quoteResponse, wrapAndUnwrapSol?, dynamicComputeUnitLimit?, prioritizationFeeLamports?, ...}
// Quotes come from a USD price table; the swap transaction is a real v0 transaction that moves
// balances in the Solana fake once the user signs and sends it (layout: solana/jupiter-swap-tx.ts).
// With @jup-ag/api use `new SwapApi(new Configuration({ basePath: fake.basePath }))`.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Keypair, PublicKey } from "@solana/web3.js";
import { computeQuote, type SwapMode } from "./solana/jupiter-quote.js";
import { buildSwapTransaction, type MaliciousKind } from "./solana/jupiter-swap-tx.js";
import type { SolanaFake } from "./solana/rpc-server.js";

export type { JupiterQuote } from "./solana/jupiter-quote.js";
export { ALLOWED_PROGRAMS, UNKNOWN_PROGRAM_ID, type MaliciousKind } from "./solana/jupiter-swap-tx.js";

export interface JupiterSwapFakeOptions {
  rpc: SolanaFake;
  /** USD price of one whole token, by mint address. Mints without a price have no route. */
  prices?: Record<string, number | string>;
  /** AMM fee taken from the input, in basis points (default 0). */
  feeBps?: number;
  priceImpactPct?: string;
  /** Priority fee used for `prioritizationFeeLamports: "auto"` or a priority level (default 10,000). */
  autoPriorityFeeLamports?: number;
  /** Top up the pool when it lacks the output (default true). */
  autoFundPool?: boolean;
}

/** A one-shot failure for the next request to a route. */
export type JupiterFault =
  | { kind: "status"; status: number; body?: unknown; headers?: Record<string, string> }
  | { kind: "delay"; ms: number }
  | { kind: "malformed" }
  /** swap only: the transaction is built but fails on-chain (pool short of output, SPL custom error 0x1). */
  | { kind: "stale-quote" }
  /** swap only: the transaction carries a blockhash the chain does not know, and a past lastValidBlockHeight. */
  | { kind: "expired-blockhash" };

export type JupiterRoute = "quote" | "swap";

/** Holds a request before it is answered (a test kills its client there); "drop" answers nothing. */
export type JupiterGate = (route: JupiterRoute, req: RecordedJupiterRequest) => void | "drop" | Promise<void | "drop">;

export interface RecordedJupiterRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  at: number;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.error));
  }
}

const badRequest = (error: string, errorCode?: string) =>
  new HttpError(400, errorCode ? { error, errorCode } : { error });

function mintParam(value: unknown, name: string): PublicKey {
  try {
    if (typeof value !== "string") throw new Error("missing");
    return new PublicKey(value);
  } catch {
    throw badRequest(`Query parameter ${name} cannot be parsed: invalid pubkey`);
  }
}

function amountParam(value: unknown, name: string): bigint {
  if (typeof value !== "string" || !/^\d+$/.test(value)) throw badRequest(`${name} cannot be parsed`);
  return BigInt(value);
}

export class JupiterSwapFake {
  readonly requests: RecordedJupiterRequest[] = [];
  readonly pool = Keypair.generate();
  /** The recipient of every malicious variant. */
  readonly stranger = Keypair.generate();
  readonly prices = new Map<string, string>();
  private readonly faults: Record<JupiterRoute, JupiterFault[]> = { quote: [], swap: [] };
  private malicious: MaliciousKind | null = null;
  /** Set with setGate: consulted on every quote and swap request. */
  gate: JupiterGate | null = null;
  url = "";

  constructor(private readonly opts: JupiterSwapFakeOptions) {
    for (const [mint, usd] of Object.entries(opts.prices ?? {})) this.setPrice(mint, usd);
  }

  /** Root to give @jup-ag/api's Configuration (its paths are /quote and /swap). */
  get basePath(): string {
    return `${this.url}/swap/v1`;
  }

  setPrice(mint: PublicKey | string, usd: number | string): void {
    this.prices.set(String(mint), typeof usd === "number" ? usd.toFixed(12) : usd);
  }

  /** Installs (or with null removes) a gate around every later quote and swap request. */
  setGate(gate: JupiterGate | null): void {
    this.gate = gate;
  }

  failNext(route: JupiterRoute, fault: JupiterFault): void {
    this.faults[route].push(fault);
  }

  /** Build every following swap transaction with this harmful addition (null: honest again). */
  setMalicious(kind: MaliciousKind | null): void {
    this.malicious = kind;
  }

  requestsTo(route: JupiterRoute): RecordedJupiterRequest[] {
    return this.requests.filter((r) => r.path === `/swap/v1/${route}`);
  }

  /** Next queued fault for a route (used by the HTTP handler). */
  takeFault(route: JupiterRoute): JupiterFault | undefined {
    return this.faults[route].shift();
  }

  /** Set by startJupiterSwapFake. */
  shutdown: () => Promise<void> = async () => {};

  close(): Promise<void> {
    return this.shutdown();
  }

  quote(query: Record<string, string>): unknown {
    const { rpc } = this.opts;
    const inputMint = mintParam(query.inputMint, "inputMint");
    const outputMint = mintParam(query.outputMint, "outputMint");
    const amount = amountParam(query.amount, "amount");
    const slippageBps = query.slippageBps === undefined ? 50 : Number(query.slippageBps);
    if (!Number.isInteger(slippageBps) || slippageBps < 0 || slippageBps > 10_000) {
      throw badRequest("slippageBps cannot be parsed");
    }
    const swapMode = (query.swapMode ?? "ExactIn") as SwapMode;
    if (swapMode !== "ExactIn" && swapMode !== "ExactOut") throw badRequest("swapMode cannot be parsed");
    if (inputMint.equals(outputMint)) {
      throw badRequest("inputMint cannot be same as outputMint", "CIRCULAR_ARBITRAGE_IS_DISABLED");
    }
    const inInfo = rpc.mintInfo(inputMint);
    const outInfo = rpc.mintInfo(outputMint);
    for (const [mint, info] of [
      [inputMint, inInfo],
      [outputMint, outInfo],
    ] as const) {
      if (!info) throw badRequest(`The token ${mint.toBase58()} is not tradable`, "TOKEN_NOT_TRADABLE");
    }
    const inPrice = this.prices.get(inputMint.toBase58());
    const outPrice = this.prices.get(outputMint.toBase58());
    const noRoute = () => badRequest("Could not find any route", "COULD_NOT_FIND_ANY_ROUTE");
    if (!inPrice || !outPrice || amount === 0n) throw noRoute();
    const quote = computeQuote(
      { inputMint: inputMint.toBase58(), outputMint: outputMint.toBase58(), amount, slippageBps, swapMode },
      {
        inDecimals: inInfo!.decimals,
        outDecimals: outInfo!.decimals,
        inPriceUsd: inPrice,
        outPriceUsd: outPrice,
        feeBps: this.opts.feeBps ?? 0,
        priceImpactPct: this.opts.priceImpactPct ?? "0",
        contextSlot: rpc.slot(),
        ammKey: this.pool.publicKey.toBase58(),
        label: "Purser Fake AMM",
      },
    );
    if (!quote) throw noRoute();
    return quote;
  }

  swap(body: unknown, fault: JupiterFault | undefined): unknown {
    const { rpc } = this.opts;
    if (!body || typeof body !== "object") throw badRequest("Invalid request body");
    const req = body as Record<string, unknown>;
    let user: PublicKey;
    try {
      user = new PublicKey(String(req.userPublicKey));
    } catch {
      throw badRequest("Invalid userPublicKey");
    }
    const q = req.quoteResponse as Record<string, unknown> | undefined;
    if (!q || typeof q !== "object") throw badRequest("Missing quoteResponse");
    const inputMint = mintParam(q.inputMint, "quoteResponse.inputMint");
    const outputMint = mintParam(q.outputMint, "quoteResponse.outputMint");
    const inAmount = amountParam(q.inAmount, "quoteResponse.inAmount");
    const outAmount = amountParam(q.outAmount, "quoteResponse.outAmount");
    if (!rpc.mintInfo(inputMint) || !rpc.mintInfo(outputMint)) throw badRequest("Invalid quoteResponse: unknown mint");

    const computeUnitLimit = req.dynamicComputeUnitLimit === true ? 300_000 : 1_400_000;
    const microLamports = this.computeUnitPrice(req, computeUnitLimit);
    let { blockhash, lastValidBlockHeight } = rpc.latestBlockhash();
    if (fault?.kind === "expired-blockhash") {
      blockhash = Keypair.generate().publicKey.toBase58();
      lastValidBlockHeight = rpc.blockHeight() - 1;
    }
    const tx = buildSwapTransaction({
      rpc,
      pool: this.pool,
      stranger: this.stranger,
      user,
      ...(typeof req.payer === "string" ? { payer: new PublicKey(req.payer) } : {}),
      inputMint,
      outputMint,
      inAmount,
      outAmount,
      wrapAndUnwrapSol: req.wrapAndUnwrapSol !== false,
      computeUnitLimit,
      computeUnitPriceMicroLamports: microLamports,
      blockhash,
      malicious: this.malicious,
      dryPool: fault?.kind === "stale-quote",
      autoFundPool: this.opts.autoFundPool ?? true,
    });
    const prioritizationFeeLamports = Number((microLamports * BigInt(computeUnitLimit)) / 1_000_000n);
    return {
      swapTransaction: Buffer.from(tx.serialize()).toString("base64"),
      lastValidBlockHeight,
      prioritizationFeeLamports,
      computeUnitLimit,
      prioritizationType: {
        computeBudget: { microLamports: Number(microLamports), estimatedMicroLamports: Number(microLamports) },
      },
      dynamicSlippageReport: null,
      simulationError: null,
    };
  }

  private computeUnitPrice(req: Record<string, unknown>, limit: number): bigint {
    if (typeof req.computeUnitPriceMicroLamports === "number") return BigInt(req.computeUnitPriceMicroLamports);
    const auto = this.opts.autoPriorityFeeLamports ?? 10_000;
    const p = req.prioritizationFeeLamports;
    let lamports = 0;
    if (typeof p === "number") lamports = p;
    else if (p === "auto") lamports = auto;
    else if (p && typeof p === "object") {
      const level = (p as { priorityLevelWithMaxLamports?: { maxLamports?: number } }).priorityLevelWithMaxLamports;
      if (level) lamports = Math.min(auto, level.maxLamports ?? auto);
    }
    return (BigInt(Math.max(0, Math.floor(lamports))) * 1_000_000n) / BigInt(limit);
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(typeof body === "string" ? body : JSON.stringify(body));
}

export async function startJupiterSwapFake(opts: JupiterSwapFakeOptions): Promise<JupiterSwapFake> {
  const fake = new JupiterSwapFake(opts);

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const rawBody = req.method === "POST" ? await readBody(req) : "";
    let body: unknown = null;
    let bodyError = false;
    if (rawBody) {
      try {
        body = JSON.parse(rawBody);
      } catch {
        bodyError = true;
        body = rawBody;
      }
    }
    const recorded: RecordedJupiterRequest = {
      method: req.method ?? "GET",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      body,
      at: Date.now(),
    };
    fake.requests.push(recorded);
    const route: JupiterRoute | null =
      url.pathname === "/swap/v1/quote" && req.method === "GET"
        ? "quote"
        : url.pathname === "/swap/v1/swap" && req.method === "POST"
          ? "swap"
          : null;
    if (!route) return sendJson(res, 404, { error: "Not found" });
    if (fake.gate && (await fake.gate(route, recorded)) === "drop") return void res.destroy();
    const fault = fake.takeFault(route);
    if (fault?.kind === "delay") await new Promise((r) => setTimeout(r, fault.ms));
    if (fault?.kind === "status") {
      const fallback = { error: fault.status === 429 ? "Too Many Requests" : "Internal Server Error" };
      return sendJson(res, fault.status, fault.body ?? fallback, fault.headers);
    }
    if (fault?.kind === "malformed") return sendJson(res, 200, '{"inputMint":"So1111111111111111111111111111111111');
    try {
      if (route === "quote") return sendJson(res, 200, fake.quote(Object.fromEntries(url.searchParams)));
      if (bodyError) throw badRequest("Failed to deserialize the JSON body");
      return sendJson(res, 200, fake.swap(body, fault));
    } catch (e) {
      if (e instanceof HttpError) return sendJson(res, e.status, e.body);
      return sendJson(res, 500, { error: (e as Error).message });
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => sendJson(res, 500, { error: String(e) }));
  });
  // Idle keep-alive sockets stay open for the test's life: on a busy machine a client reusing one just as a
  // 5 s server timeout closes it gets "fetch failed" (close() still ends idle sockets).
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let closed: Promise<void> | undefined;
  fake.shutdown = () => {
    closed ??= new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
    return closed;
  };
  return fake;
}
