import type { Token } from "../domain/token.js";
import { UserError } from "../errors.js";
import type { SwapBuildOptions, SwapProvider, SwapQuote, SwapRequest } from "../ports/trading.port.js";
import type { MarketService } from "./market.service.js";

/**
 * Paper quotes when the market is replaying history (no live Jupiter): the output is the input's
 * value at the current (replayed) prices less a modelled fee, so offline paper trading works and is
 * labelled as simulated. It never builds a transaction.
 */
export class SimulatedSwap implements SwapProvider {
  constructor(
    private readonly d: { market: MarketService; token: (mint: string) => Promise<Token>; feeBps: number },
  ) {}

  async quote(req: SwapRequest): Promise<SwapQuote> {
    const [tin, tout] = await Promise.all([this.d.token(req.inputMint), this.d.token(req.outputMint)]);
    const [pin, pout] = await Promise.all([this.d.market.getPrice(tin), this.d.market.getPrice(tout)]);
    // out = in * pin / pout, in base units, with 1e9 fixed-point prices to stay in bigint.
    const num = req.amount * BigInt(Math.round(pin.usd * 1e9)) * 10n ** BigInt(tout.decimals);
    const den = BigInt(Math.max(1, Math.round(pout.usd * 1e9))) * 10n ** BigInt(tin.decimals);
    const gross = num / den;
    const out = (gross * BigInt(10_000 - this.d.feeBps)) / 10_000n;
    if (out <= 0n) throw new UserError("no_route", "That amount is too small to trade.");
    return {
      inputMint: req.inputMint,
      outputMint: req.outputMint,
      inAmount: req.amount,
      outAmount: out,
      minOutAmount: (out * BigInt(10_000 - req.slippageBps)) / 10_000n,
      slippageBps: req.slippageBps,
      priceImpactPct: 0,
      route: [`simulated at ${pin.replay ? "replayed" : "market"} prices, ${this.d.feeBps / 100}% fee`],
      // The modelled fee is already taken from the output (route[0] names it): no route fees to list.
      fees: null,
      simulated: true,
      raw: null,
    };
  }

  buildSwap(): Promise<{ txBase64: string; lastValidBlockHeight: number }> {
    return Promise.reject(new Error("simulated quotes cannot be executed live"));
  }
}

/** Jupiter while prices are live; the simulated quoter while the market replays history (paper only). */
export class MarketAwareSwap implements SwapProvider {
  constructor(
    private readonly live: SwapProvider,
    private readonly simulated: SwapProvider,
    private readonly market: MarketService,
  ) {}
  quote(req: SwapRequest): Promise<SwapQuote> {
    return (this.market.isReplay ? this.simulated : this.live).quote(req);
  }
  buildSwap(q: SwapQuote, user: string, opts?: SwapBuildOptions) {
    return this.live.buildSwap(q, user, opts);
  }
}
