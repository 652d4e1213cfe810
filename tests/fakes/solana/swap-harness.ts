// Ready-made test world for trading tests: a Solana fake with SOL, USDC (SPL Token, real mint
// address) and a Token-2022 token, a Jupiter fake pricing them, and a funded user.
import { Configuration, SwapApi } from "@jup-ag/api";
import { NATIVE_MINT, TOKEN_2022_PROGRAM_ID } from "@solana/spl-token";
import { Keypair, VersionedTransaction, type Connection, type PublicKey, type SignatureStatus } from "@solana/web3.js";
import { startJupiterSwapFake, type JupiterSwapFake, type JupiterSwapFakeOptions } from "../jupiter-swap.js";
import { startSolanaFake, type SolanaFake, type SolanaFakeOptions } from "./rpc-server.js";

export const USDC_MINT = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v";

export interface SwapWorld {
  sol: SolanaFake;
  jup: JupiterSwapFake;
  /** The real @jup-ag/api client pointed at the Jupiter fake. */
  api: SwapApi;
  connection: Connection;
  user: Keypair;
  mints: { SOL: PublicKey; USDC: PublicKey; T22: PublicKey };
  close(): Promise<void>;
}

export interface SwapWorldOptions {
  solana?: SolanaFakeOptions;
  jupiter?: Omit<JupiterSwapFakeOptions, "rpc">;
  /** Lamports for the user (default 10 SOL). */
  userLamports?: bigint;
  /** USDC base units for the user (default 1,000 USDC). */
  userUsdc?: bigint;
}

/** Prices: SOL $150, USDC $1, T22 (9 decimals, Token-2022) $0.5. */
export async function startSwapWorld(opts: SwapWorldOptions = {}): Promise<SwapWorld> {
  const sol = await startSolanaFake(opts.solana);
  const USDC = sol.createMint(6, undefined, { address: USDC_MINT });
  const T22 = sol.createMint(9, TOKEN_2022_PROGRAM_ID);
  const jup = await startJupiterSwapFake({
    rpc: sol,
    prices: { [NATIVE_MINT.toBase58()]: "150", [USDC.toBase58()]: "1", [T22.toBase58()]: "0.5" },
    ...opts.jupiter,
  });
  const user = Keypair.generate();
  sol.airdrop(user.publicKey, opts.userLamports ?? 10_000_000_000n);
  sol.mintTo(USDC, user.publicKey, opts.userUsdc ?? 1_000_000_000n);
  return {
    sol,
    jup,
    api: new SwapApi(new Configuration({ basePath: jup.basePath })),
    connection: sol.connection(),
    user,
    mints: { SOL: NATIVE_MINT, USDC, T22 },
    close: async () => {
      await jup.close();
      await sol.close();
    },
  };
}

/** Quote + swap through the real client; returns the decoded (pool-signed, user-unsigned) transaction. */
export async function buildSwap(
  world: SwapWorld,
  inputMint: PublicKey,
  outputMint: PublicKey,
  amount: number,
  extra: { slippageBps?: number; wrapAndUnwrapSol?: boolean } = {},
) {
  const quote = await world.api.quoteGet({
    inputMint: inputMint.toBase58(),
    outputMint: outputMint.toBase58(),
    amount,
    slippageBps: extra.slippageBps ?? 50,
  });
  const swap = await world.api.swapPost({
    swapRequest: {
      userPublicKey: world.user.publicKey.toBase58(),
      quoteResponse: quote,
      dynamicComputeUnitLimit: true,
      prioritizationFeeLamports: { priorityLevelWithMaxLamports: { maxLamports: 5_000, priorityLevel: "high" } },
      ...(extra.wrapAndUnwrapSol === undefined ? {} : { wrapAndUnwrapSol: extra.wrapAndUnwrapSol }),
    },
  });
  const tx = VersionedTransaction.deserialize(Buffer.from(swap.swapTransaction, "base64"));
  return { quote, swap, tx };
}

/** Polls getSignatureStatuses until the signature has a status (or the time runs out). */
export async function waitForStatus(
  connection: Connection,
  signature: string,
  timeoutMs = 3_000,
): Promise<SignatureStatus | null> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { value } = await connection.getSignatureStatuses([signature], { searchTransactionHistory: true });
    if (value[0] || Date.now() > until) return value[0] ?? null;
    await new Promise((r) => setTimeout(r, 20));
  }
}
