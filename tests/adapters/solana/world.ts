// Shared set-up for the Solana adapter tests: the swap world from tests/fakes, plus the real
// adapters pointed at it.
import type { PublicKey } from "@solana/web3.js";
import { JupiterSwapProvider } from "../../../adapters/jupiter/jupiter-swap.js";
import { SolanaChain, type SolanaChainOptions } from "../../../adapters/solana/solana-chain.js";
import { silentLogger } from "../../../core/ports/logger.port.js";
import type { SwapQuote, TxExpectation } from "../../../core/ports/trading.port.js";
import { startSwapWorld, type SwapWorld, type SwapWorldOptions } from "../../fakes/solana/swap-harness.js";

export interface Adapters {
  w: SwapWorld;
  chain: SolanaChain;
  jupiter: JupiterSwapProvider;
}

export async function startAdapters(
  opts: SwapWorldOptions = {},
  chainOpts: Partial<SolanaChainOptions> = {},
): Promise<Adapters> {
  const w = await startSwapWorld(opts);
  const chain = new SolanaChain({ rpcUrl: w.sol.url, wsUrl: w.sol.wsUrl, log: silentLogger, ...chainOpts });
  const jupiter = new JupiterSwapProvider({ root: w.jup.url, timeoutMs: 5_000 });
  return { w, chain, jupiter };
}

export const expectationOf = (q: SwapQuote, owner: PublicKey | string): TxExpectation => ({
  owner: owner.toString(),
  inputMint: q.inputMint,
  outputMint: q.outputMint,
  inAmount: q.inAmount,
  minOutAmount: q.minOutAmount,
});

/** Quote and build a swap for `owner` (default: the world's funded user). */
export async function swapTx(
  a: Adapters,
  inputMint: PublicKey,
  outputMint: PublicKey,
  amount: bigint,
  owner: PublicKey = a.w.user.publicKey,
) {
  const quote = await a.jupiter.quote({ inputMint: inputMint.toBase58(), outputMint: outputMint.toBase58(), amount, slippageBps: 50 });
  const built = await a.jupiter.buildSwap(quote, owner.toBase58());
  return { quote, ...built, expect: expectationOf(quote, owner) };
}
