import { Connection, type Commitment } from "@solana/web3.js";

export interface RpcConnectionOptions {
  /** Every HTTP request is aborted after this long. */
  timeoutMs: number;
  commitment?: Commitment;
  wsUrl?: string;
}

/**
 * The one way Purser opens a Solana RPC connection: each request bounded by a timeout, and
 * web3.js's own 429 loop off (it sleeps up to 8 s and writes to stderr; callers decide about retries).
 */
export function rpcConnection(rpcUrl: string, opts: RpcConnectionOptions): Connection {
  const { timeoutMs } = opts;
  return new Connection(rpcUrl, {
    commitment: opts.commitment ?? "confirmed",
    ...(opts.wsUrl ? { wsEndpoint: opts.wsUrl } : {}),
    disableRetryOnRateLimit: true,
    fetchMiddleware: (info, init, next) => next(info, { ...init, signal: AbortSignal.timeout(timeoutMs) } as never),
  });
}
