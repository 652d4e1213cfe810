// A local Solana JSON-RPC node for tests: HTTP JSON-RPC 2.0 (single and batch) plus the PubSub
// websocket on the same port, backed by a real LiteSVM. Drive it with the real @solana/web3.js:
//   const sol = await startSolanaFake();
//   const connection = new Connection(sol.url, { commitment: "confirmed", wsEndpoint: sol.wsUrl });
// (web3.js would otherwise look for the websocket on port + 1.)
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Connection, Keypair, PublicKey, type Commitment } from "@solana/web3.js";
import type { LiteSVM } from "litesvm";
import { FakeChain, type ChainOptions, type TxRecord } from "./chain.js";
import { toJson } from "./encoding.js";
import { seedPool, type PoolKind } from "./pools.js";
import { createRpcMethods } from "./rpc-methods.js";
import type { SeedSpan } from "./signature-history.js";
import { attachSignatureSubscriptions } from "./signature-subscriptions.js";
import * as tokens from "./tokens.js";
import { RpcError } from "./tx-errors.js";

export type SolanaFakeOptions = ChainOptions;

export interface RpcErrorBody {
  code: number;
  message: string;
  data?: unknown;
}

/** A one-shot failure for the next call of a method. */
export type RpcFault =
  | { rpcError: RpcErrorBody }
  | { httpStatus: number; body?: string; headers?: Record<string, string> }
  | { delayMs: number };

export interface RecordedRpcCall {
  transport: "http" | "ws";
  method: string;
  params: unknown;
  at: number;
}

interface JsonRpcRequest {
  jsonrpc?: unknown;
  id?: unknown;
  method?: unknown;
  params?: unknown;
}

type HttpFault = Extract<RpcFault, { httpStatus: number }>;

/**
 * Holds HTTP calls where a test wants to act (kill the client, say): `before` runs before the method
 * does anything and may answer "drop" (nothing runs, no answer: the node never got it); `after` runs
 * once the method ran (a sent transaction has landed) and before the answer is written.
 */
export interface RpcGate {
  before?: (call: RecordedRpcCall) => void | "drop" | Promise<void | "drop">;
  after?: (call: RecordedRpcCall) => void | Promise<void>;
}
type Pubkeyish = PublicKey | string;
const pk = (k: Pubkeyish) => (typeof k === "string" ? new PublicKey(k) : k);

export class SolanaFake {
  /** Every JSON-RPC call received, over HTTP and websocket, in order. */
  readonly calls: RecordedRpcCall[] = [];
  private readonly faults = new Map<string, RpcFault[]>();
  private dropSends = 0;
  /** Set with setGate: consulted on every HTTP call. */
  gate: RpcGate | null = null;

  constructor(
    readonly chain: FakeChain,
    readonly url: string,
    readonly wsUrl: string,
    private readonly shutdown: () => Promise<void>,
  ) {}

  get svm(): LiteSVM {
    return this.chain.svm;
  }

  /** A web3.js Connection wired to this fake (HTTP and websocket). */
  connection(commitment: Commitment = "confirmed"): Connection {
    return new Connection(this.url, { commitment, wsEndpoint: this.wsUrl, disableRetryOnRateLimit: true });
  }

  callsTo(method: string): RecordedRpcCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** The next sendTransaction answers with the signature but never executes (a tx that never lands). */
  dropNextSend(): void {
    this.dropSends += 1;
  }

  /** The next sendTransaction answers with this JSON-RPC error and executes nothing. */
  failNextSend(err: RpcErrorBody = { code: -32005, message: "Node is behind by 42 slots", data: { numSlotsBehind: 42 } }) {
    this.failNext("sendTransaction", { rpcError: err });
  }

  /** Queues a one-shot fault for the next call of `method` (JSON-RPC error, HTTP status or delay). */
  failNext(method: string, fault: RpcFault): void {
    const list = this.faults.get(method) ?? [];
    list.push(fault);
    this.faults.set(method, list);
  }

  /** Installs (or with null removes) a gate around every later HTTP call. */
  setGate(gate: RpcGate | null): void {
    this.gate = gate;
  }

  /** Every landed transaction (airdrops excluded) paid for by `payer`. */
  landedBy(payer: Pubkeyish): TxRecord[] {
    return this.chain.landedBy(pk(payer));
  }

  takeFault(method: string): RpcFault | undefined {
    return this.faults.get(method)?.shift();
  }

  consumeDrop(): boolean {
    if (this.dropSends === 0) return false;
    this.dropSends -= 1;
    return true;
  }

  airdrop(owner: Pubkeyish, lamports: bigint | number): void {
    this.chain.airdrop(pk(owner), BigInt(lamports));
  }

  /** A new initialised mint (SPL Token unless `programId` is Token-2022), optionally at a fixed address. */
  createMint(decimals: number, programId?: PublicKey, opts: { address?: Pubkeyish } = {}): PublicKey {
    return tokens.createMint(this.chain, {
      decimals,
      ...(programId ? { programId } : {}),
      ...(opts.address ? { address: pk(opts.address) } : {}),
    });
  }

  /** A DEX pool account naming two mints, as its program writes it (tests/fakes/solana/pools.ts), at a fixed or a fresh address. */
  createPool(kind: PoolKind, mints: readonly [Pubkeyish, Pubkeyish], opts: { address?: Pubkeyish } = {}): PublicKey {
    return seedPool(this.chain, kind, opts.address ? pk(opts.address) : Keypair.generate().publicKey, [pk(mints[0]), pk(mints[1])]);
  }

  /** Credits `amount` base units to the owner's associated token account (created if needed). */
  mintTo(mint: Pubkeyish, owner: Pubkeyish, amount: bigint): PublicKey {
    return tokens.mintTo(this.chain, pk(mint), pk(owner), amount);
  }

  /** Adds older signatures touching `address` (getSignaturesForAddress), e.g. a token's past trades. */
  seedHistory(address: Pubkeyish, span: SeedSpan): void {
    this.chain.history.seed(pk(address).toBase58(), span);
  }

  /** Sum of the owner's token accounts for this mint, in base units. */
  tokenBalance(owner: Pubkeyish, mint: Pubkeyish): bigint {
    return tokens.tokenBalance(this.chain, pk(owner), pk(mint));
  }

  solBalance(owner: Pubkeyish): bigint {
    return this.chain.lamportsOf(pk(owner));
  }

  mintInfo(mint: Pubkeyish): tokens.MintView | null {
    return tokens.readMint(this.chain, pk(mint));
  }

  latestBlockhash(): { blockhash: string; lastValidBlockHeight: number } {
    return this.chain.latestBlockhash();
  }

  /** Produces `n` empty blocks; a blockhash expires `blockhashValidity` (150) blocks after it was made. */
  advanceBlocks(n: number): void {
    this.chain.advanceBlocks(n);
  }

  blockHeight(): number {
    return this.chain.blockHeight();
  }

  slot(): number {
    return this.chain.slot();
  }

  /** The landed transaction with this signature, if any. */
  transaction(signature: string): TxRecord | undefined {
    return this.chain.transaction(signature);
  }

  close(): Promise<void> {
    return this.shutdown();
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function startSolanaFake(opts: SolanaFakeOptions = {}): Promise<SolanaFake> {
  const chain = new FakeChain(opts);
  let fake: SolanaFake | undefined;
  const record = (transport: "http" | "ws", method: string, params: unknown): RecordedRpcCall => {
    const call: RecordedRpcCall = { transport, method, params, at: Date.now() };
    fake?.calls.push(call);
    return call;
  };
  const methods = createRpcMethods({ chain, consumeDrop: () => fake?.consumeDrop() ?? false });

  const runOne = async (req: JsonRpcRequest): Promise<{ reply: unknown; http?: HttpFault; drop?: boolean }> => {
    const method = typeof req.method === "string" ? req.method : "";
    const call = record("http", method, req.params);
    if (fake?.gate?.before && (await fake.gate.before(call)) === "drop") return { reply: null, drop: true };
    const r = await runUngated(req, method);
    if (fake?.gate?.after) await fake.gate.after(call);
    return r;
  };

  const runUngated = async (req: JsonRpcRequest, method: string): Promise<{ reply: unknown; http?: HttpFault }> => {
    const id = req.id ?? null;
    if (req.jsonrpc !== "2.0" || !method) {
      return { reply: { jsonrpc: "2.0", id, error: { code: -32600, message: "Invalid request" } } };
    }
    const fault = fake?.takeFault(method);
    if (fault && "delayMs" in fault) await new Promise((r) => setTimeout(r, fault.delayMs));
    if (fault && "httpStatus" in fault) return { reply: null, http: fault };
    if (fault && "rpcError" in fault) return { reply: { jsonrpc: "2.0", id, error: fault.rpcError } };
    const handler = methods[method];
    if (!handler) return { reply: { jsonrpc: "2.0", id, error: { code: -32601, message: "Method not found" } } };
    try {
      const result = handler(Array.isArray(req.params) ? req.params : []);
      return { reply: { jsonrpc: "2.0", id, result } };
    } catch (e) {
      const error =
        e instanceof RpcError
          ? { code: e.code, message: e.message, ...(e.data === undefined ? {} : { data: e.data }) }
          : { code: -32603, message: `Internal error: ${(e as Error).message}` };
      return { reply: { jsonrpc: "2.0", id, error } };
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const send = (status: number, body: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(body);
    };
    if (req.method !== "POST") return send(405, toJson({ error: "use POST" }));
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readBody(req));
    } catch {
      return send(200, toJson({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "Parse error" } }));
    }
    const batch = Array.isArray(parsed);
    const outcomes = [];
    for (const r of (batch ? parsed : [parsed]) as JsonRpcRequest[]) outcomes.push(await runOne(r ?? {}));
    if (outcomes.some((o) => o.drop)) return void res.destroy(); // never received: no answer at all
    const httpFault = outcomes.find((o) => o.http)?.http;
    if (httpFault) return send(httpFault.httpStatus, httpFault.body ?? "", httpFault.headers);
    const replies = outcomes.map((o) => o.reply);
    send(200, toJson(batch ? replies : replies[0]));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      res.writeHead(500, { "content-type": "text/plain" });
      res.end(String(e));
    });
  });
  const ws = attachSignatureSubscriptions(server, chain, (method, params) => record("ws", method, params));
  // Idle keep-alive sockets stay open for the test's life: on a busy machine a client reusing one just as a
  // 5 s server timeout closes it gets "fetch failed" (close() still ends idle sockets).
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  fake = new SolanaFake(chain, `http://127.0.0.1:${port}`, `ws://127.0.0.1:${port}`, () => {
    closed ??= (async () => {
      await ws.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    })();
    return closed;
  });
  return fake;
}
