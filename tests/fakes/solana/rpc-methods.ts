// Solana JSON-RPC methods answered from the fake chain. Each handler takes the raw `params`
// array and returns the `result`, or throws RpcError. Commitment levels are accepted and ignored:
// everything the fake knows is at least "confirmed".
import { ComputeBudgetProgram, PublicKey, VersionedMessage } from "@solana/web3.js";
import type { FakeChain } from "./chain.js";
import { decodeWireParam, encodeAccount, fromBase58 } from "./encoding.js";
import { pageOf } from "./signature-history.js";
import { transactionJson } from "./transaction-json.js";
import {
  TOKEN_PROGRAMS,
  isTokenProgram,
  readMint,
  readTokenAccount,
  tokenAccountsByOwner,
  uiTokenAmount,
} from "./tokens.js";
import { RpcError } from "./tx-errors.js";

export type RpcHandler = (params: unknown[]) => unknown;

export interface RpcMethodContext {
  chain: FakeChain;
  /** True once if the test asked to drop the next send. */
  consumeDrop(): boolean;
}

type Config = Record<string, unknown>;

function config(params: unknown[], index: number): Config {
  const c = params[index];
  return c && typeof c === "object" && !Array.isArray(c) ? (c as Config) : {};
}

function pubkey(value: unknown): PublicKey {
  try {
    if (typeof value !== "string") throw new Error("not a string");
    return new PublicKey(value);
  } catch {
    throw new RpcError(-32602, "Invalid param: Invalid");
  }
}

/** Lamports a node charges for a message: 5000 per signature plus the compute-unit price. */
export function feeForMessage(message: VersionedMessage): number {
  const keys = message.staticAccountKeys;
  let limit: number | null = null;
  let microLamports = 0n;
  let others = 0;
  for (const ix of message.compiledInstructions) {
    const program = keys[ix.programIdIndex];
    if (program?.equals(ComputeBudgetProgram.programId)) {
      const data = Buffer.from(ix.data);
      if (data[0] === 2 && data.length >= 5) limit = data.readUInt32LE(1);
      if (data[0] === 3 && data.length >= 9) microLamports = data.readBigUInt64LE(1);
    } else {
      others += 1;
    }
  }
  const units = BigInt(limit ?? Math.min(1_400_000, 200_000 * others));
  const priority = (microLamports * units + 999_999n) / 1_000_000n;
  return 5000 * message.header.numRequiredSignatures + Number(priority);
}

function matchesFilters(data: Uint8Array, filters: unknown): boolean {
  if (!Array.isArray(filters)) return true;
  for (const f of filters as Array<Record<string, unknown>>) {
    if (typeof f.dataSize === "number" && data.length !== f.dataSize) return false;
    const memcmp = f.memcmp as { offset?: number; bytes?: string; encoding?: string } | undefined;
    if (memcmp) {
      const want =
        memcmp.encoding === "base64" ? Buffer.from(memcmp.bytes ?? "", "base64") : fromBase58(memcmp.bytes ?? "");
      const off = memcmp.offset ?? 0;
      if (!Buffer.from(data.subarray(off, off + want.length)).equals(Buffer.from(want))) return false;
    }
  }
  return true;
}

export function createRpcMethods(ctx: RpcMethodContext): Record<string, RpcHandler> {
  const { chain } = ctx;
  const withContext = (value: unknown) => ({ context: { apiVersion: "2.2.0", slot: chain.slot() }, value });
  const account = (pk: PublicKey, encoding: unknown) => encodeAccount(chain, pk, chain.getAccount(pk), encoding);

  return {
    getHealth: () => "ok",
    getVersion: () => ({ "solana-core": "2.2.0", "feature-set": 3294202862 }),
    getGenesisHash: () => "5eykt4UsFv8P8NJdTREpY1vzqKqZKvdpKuc147dw2N9d",
    getSlot: () => chain.slot(),
    getBlockHeight: () => chain.blockHeight(),
    getEpochInfo: () => ({
      absoluteSlot: chain.slot(),
      blockHeight: chain.blockHeight(),
      epoch: Math.floor(chain.slot() / 432_000),
      slotIndex: chain.slot() % 432_000,
      slotsInEpoch: 432_000,
      transactionCount: chain.transactionCount(),
    }),
    getLatestBlockhash: () => withContext(chain.latestBlockhash()),
    isBlockhashValid: (p) => withContext(chain.isBlockhashValid(String(p[0]))),
    getMinimumBalanceForRentExemption: (p) => Number(chain.rentExempt(Number(p[0] ?? 0))),
    getRecentPrioritizationFees: () => [],
    getBalance: (p) => withContext(chain.lamportsOf(pubkey(p[0]))),
    getAccountInfo: (p) => withContext(account(pubkey(p[0]), config(p, 1).encoding)),
    getMultipleAccounts: (p) => {
      const list = Array.isArray(p[0]) ? p[0] : [];
      if (list.length > 100) throw new RpcError(-32602, "Too many inputs provided; max 100");
      const encoding = config(p, 1).encoding;
      return withContext(list.map((k) => account(pubkey(k), encoding)));
    },
    getProgramAccounts: (p) => {
      const program = pubkey(p[0]);
      const cfg = config(p, 1);
      const list = chain
        .programAccounts(program)
        .filter(({ account: a }) => matchesFilters(a.data, cfg.filters))
        .map(({ pubkey: pk, account: a }) => ({
          pubkey: pk.toBase58(),
          account: encodeAccount(chain, pk, a, cfg.encoding),
        }));
      return cfg.withContext ? withContext(list) : list;
    },
    getTokenAccountsByOwner: (p) => {
      const owner = pubkey(p[0]);
      const filter = config(p, 1);
      const encoding = config(p, 2).encoding;
      let views;
      if (filter.mint !== undefined) {
        const mint = pubkey(filter.mint);
        if (!readMint(chain, mint)) throw new RpcError(-32602, "Invalid param: could not find mint");
        views = tokenAccountsByOwner(chain, owner, { mint });
      } else if (filter.programId !== undefined) {
        const programId = pubkey(filter.programId);
        if (!isTokenProgram(programId)) throw new RpcError(-32602, "Invalid param: unrecognized Token program id");
        views = tokenAccountsByOwner(chain, owner, { programId: TOKEN_PROGRAMS.find((t) => t.equals(programId))! });
      } else {
        throw new RpcError(-32602, "Invalid params: expected a mint or programId filter");
      }
      return withContext(views.map((v) => ({ pubkey: v.address.toBase58(), account: account(v.address, encoding) })));
    },
    getTokenAccountBalance: (p) => {
      const view = readTokenAccount(chain, pubkey(p[0]));
      if (!view) throw new RpcError(-32602, "Invalid param: could not find account");
      return withContext(uiTokenAmount(view.amount, readMint(chain, view.mint)?.decimals ?? 0));
    },
    getTokenSupply: (p) => {
      const mint = readMint(chain, pubkey(p[0]));
      if (!mint) throw new RpcError(-32602, "Invalid param: could not find mint");
      return withContext(uiTokenAmount(mint.supply, mint.decimals));
    },
    getTokenLargestAccounts: (p) => {
      const key = pubkey(p[0]);
      const mint = readMint(chain, key);
      if (!mint) throw new RpcError(-32602, "Invalid param: not a Token mint");
      const largest = chain
        .programAccounts(mint.programId)
        .map(({ pubkey: pk }) => readTokenAccount(chain, pk))
        .filter((v) => v !== null && v.mint.equals(key))
        .sort((a, b) => (a!.amount === b!.amount ? 0 : a!.amount > b!.amount ? -1 : 1))
        .slice(0, 20);
      return withContext(largest.map((v) => ({ address: v!.address.toBase58(), ...uiTokenAmount(v!.amount, mint.decimals) })));
    },
    getSignaturesForAddress: (p) => {
      const key = pubkey(p[0]);
      const all = chain.history.all(key.toBase58(), chain.touching(key));
      return pageOf(all, config(p, 1));
    },
    getFeeForMessage: (p) => {
      let message: VersionedMessage;
      try {
        message = VersionedMessage.deserialize(decodeWireParam(p[0], "base64"));
      } catch (e) {
        if (e instanceof RpcError) throw e;
        throw new RpcError(-32602, `invalid message: ${(e as Error).message}`);
      }
      return withContext(chain.isBlockhashValid(message.recentBlockhash) ? feeForMessage(message) : null);
    },
    simulateTransaction: (p) => {
      const cfg = config(p, 1);
      if (cfg.sigVerify && cfg.replaceRecentBlockhash) {
        throw new RpcError(-32602, "sigVerify may not be used with replaceRecentBlockhash");
      }
      const wire = decodeWireParam(p[0], cfg.encoding);
      const sim = chain.simulate(wire, {
        sigVerify: Boolean(cfg.sigVerify),
        replaceRecentBlockhash: Boolean(cfg.replaceRecentBlockhash),
      });
      const wanted = (cfg.accounts as { addresses?: unknown[]; encoding?: unknown } | undefined) ?? undefined;
      const accounts =
        wanted && Array.isArray(wanted.addresses) && sim.postAccounts
          ? wanted.addresses.map((a) => {
              const pk = pubkey(a);
              const post = sim.postAccounts!.get(pk.toBase58()) ?? chain.getAccount(pk);
              return encodeAccount(chain, pk, post, wanted.encoding ?? "base64");
            })
          : null;
      return withContext({
        err: sim.err,
        logs: sim.logs,
        accounts,
        unitsConsumed: sim.unitsConsumed,
        returnData: null,
        innerInstructions: null,
        ...(cfg.replaceRecentBlockhash ? { replacementBlockhash: chain.latestBlockhash() } : {}),
      });
    },
    sendTransaction: (p) => {
      const cfg = config(p, 1);
      const wire = decodeWireParam(p[0], cfg.encoding);
      return chain.send(wire, { skipPreflight: Boolean(cfg.skipPreflight), drop: ctx.consumeDrop() }).signature;
    },
    getSignatureStatuses: (p) => {
      const sigs = Array.isArray(p[0]) ? p[0] : [];
      if (sigs.length > 256) throw new RpcError(-32602, "Too many inputs provided; max 256");
      const search = Boolean(config(p, 1).searchTransactionHistory);
      return withContext(sigs.map((s) => chain.signatureStatus(String(s), search)));
    },
    getTransaction: (p) => {
      const rec = chain.transaction(String(p[0]));
      if (!rec || !rec.wire) return null;
      const cfg = config(p, 1);
      if (rec.version !== "legacy" && cfg.maxSupportedTransactionVersion === undefined) {
        throw new RpcError(
          -32015,
          'Transaction version (0) is not supported by the requesting client. Please try the request again with the following configuration parameter: "maxSupportedTransactionVersion": 0',
        );
      }
      return transactionJson(rec, cfg.encoding ?? "json", cfg.maxSupportedTransactionVersion !== undefined);
    },
    requestAirdrop: (p) => {
      const lamports = Number(p[1]);
      if (!Number.isSafeInteger(lamports) || lamports <= 0) throw new RpcError(-32602, "Invalid params: lamports");
      return chain.airdrop(pubkey(p[0]), BigInt(lamports), true);
    },
  };
}
