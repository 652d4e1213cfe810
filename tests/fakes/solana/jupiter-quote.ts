// Quote arithmetic for the fake Jupiter: integer base units in and out, exact bigint maths from
// USD prices given as decimal strings, and the documented /swap/v1/quote response shape.

export type SwapMode = "ExactIn" | "ExactOut";

/** `GET /swap/v1/quote` response (see quote_sol_to_usdc_v1.jupdocs.json). */
export interface JupiterQuote {
  inputMint: string;
  inAmount: string;
  outputMint: string;
  outAmount: string;
  otherAmountThreshold: string;
  swapMode: SwapMode;
  slippageBps: number;
  platformFee: null;
  priceImpactPct: string;
  routePlan: Array<{
    swapInfo: {
      ammKey: string;
      label: string;
      inputMint: string;
      outputMint: string;
      inAmount: string;
      outAmount: string;
      feeAmount: string;
      feeMint: string;
    };
    percent: number;
  }>;
  contextSlot: number;
  timeTaken: number;
}

export interface QuoteRequest {
  inputMint: string;
  outputMint: string;
  /** ExactIn: input base units; ExactOut: output base units. */
  amount: bigint;
  slippageBps: number;
  swapMode: SwapMode;
}

export interface QuoteMarket {
  inDecimals: number;
  outDecimals: number;
  /** USD per whole token, e.g. "147.48". */
  inPriceUsd: string;
  outPriceUsd: string;
  feeBps: number;
  priceImpactPct: string;
  contextSlot: number;
  ammKey: string;
  label: string;
}

interface Ratio {
  num: bigint;
  den: bigint;
}

/** "147.4789" -> 1474789/10000. Accepts numbers too (formatted without exponent). */
export function parsePrice(value: number | string): Ratio {
  const text = typeof value === "number" ? value.toFixed(12) : value.trim();
  const m = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) throw new Error(`bad price: ${String(value)}`);
  const frac = m[2] ?? "";
  const num = BigInt(m[1]! + frac);
  if (num === 0n) throw new Error(`price must be > 0: ${String(value)}`);
  return { num, den: 10n ** BigInt(frac.length) };
}

const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;

/** Amounts for one direct route; null when the amount is too small to give any output. */
export function computeQuote(req: QuoteRequest, market: QuoteMarket): JupiterQuote | null {
  const pIn = parsePrice(market.inPriceUsd);
  const pOut = parsePrice(market.outPriceUsd);
  const scaleIn = 10n ** BigInt(market.inDecimals);
  const scaleOut = 10n ** BigInt(market.outDecimals);
  const fee = BigInt(market.feeBps);
  const slip = BigInt(req.slippageBps);
  // out = in * (pIn / pOut) * 10^outDecimals / 10^inDecimals
  const rateNum = pIn.num * pOut.den * scaleOut;
  const rateDen = pIn.den * pOut.num * scaleIn;
  let inAmount: bigint;
  let outAmount: bigint;
  let feeAmount: bigint;
  let threshold: bigint;
  if (req.swapMode === "ExactIn") {
    inAmount = req.amount;
    feeAmount = (inAmount * fee) / 10_000n;
    outAmount = ((inAmount - feeAmount) * rateNum) / rateDen;
    threshold = (outAmount * (10_000n - slip)) / 10_000n;
  } else {
    outAmount = req.amount;
    const net = ceilDiv(outAmount * rateDen, rateNum);
    inAmount = ceilDiv(net * 10_000n, 10_000n - fee);
    feeAmount = inAmount - net;
    threshold = ceilDiv(inAmount * (10_000n + slip), 10_000n);
  }
  if (inAmount <= 0n || outAmount <= 0n) return null;
  return {
    inputMint: req.inputMint,
    inAmount: inAmount.toString(),
    outputMint: req.outputMint,
    outAmount: outAmount.toString(),
    otherAmountThreshold: threshold.toString(),
    swapMode: req.swapMode,
    slippageBps: req.slippageBps,
    platformFee: null,
    priceImpactPct: market.priceImpactPct,
    routePlan: [
      {
        swapInfo: {
          ammKey: market.ammKey,
          label: market.label,
          inputMint: req.inputMint,
          outputMint: req.outputMint,
          inAmount: inAmount.toString(),
          outAmount: outAmount.toString(),
          feeAmount: feeAmount.toString(),
          feeMint: req.inputMint,
        },
        percent: 100,
      },
    ],
    contextSlot: market.contextSlot,
    timeTaken: 0.001,
  };
}
