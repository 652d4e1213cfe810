import { Configuration, FetchError, ResponseError, SwapApi, type QuoteResponse } from "@jup-ag/api";
import { PublicKey, VersionedTransaction } from "@solana/web3.js";
import { z } from "zod";
import { RemoteError, UserError } from "../../core/errors.js";
import type { PriorityFeeLevel } from "../../core/domain/user-settings.js";
import type { SwapBuildOptions, SwapProvider, SwapQuote, SwapRequest } from "../../core/ports/trading.port.js";
import { routeFeesOf } from "./route-fees.js";

/** A user's priority-fee level as Jupiter's estimate level and the share of the operator's lamport cap. */
const PRIORITY_LEVELS: Record<PriorityFeeLevel, { priorityLevel: "medium" | "high" | "veryHigh"; share: number } | null> = {
  none: null,
  low: { priorityLevel: "medium", share: 0.25 },
  medium: { priorityLevel: "medium", share: 0.5 },
  // the default: what every live swap paid before per-user settings existed
  high: { priorityLevel: "high", share: 1 },
};

/**
 * Jupiter Swap API v1 through the real @jup-ag/api client:
 *   GET  {root}/swap/v1/quote  -> SwapQuote (bigint amounts, validated against the request)
 *   POST {root}/swap/v1/swap   -> an unsigned v0 transaction for the user as fee payer
 * The client is built with `new SwapApi(new Configuration({ basePath }))` because
 * createJupiterApiClient ignores basePath since 6.0.42. Redirects are never followed.
 * Failures: HTTP 408/429/5xx, timeouts and network errors are retryable RemoteErrors; other
 * 4xx and any malformed or inconsistent answer are not; "no route" answers are a UserError.
 * The API key travels in `x-api-key` and never appears in a message.
 */

const U64_MAX = 2n ** 64n - 1n;
const NO_ROUTE_CODES = new Set(["COULD_NOT_FIND_ANY_ROUTE", "NO_ROUTES_FOUND", "TOKEN_NOT_TRADABLE"]);
const ERROR_SNIPPET = 200;

export interface JupiterSwapOptions {
  /** JUPITER_API_ROOT without trailing slash, e.g. https://lite-api.jup.ag. */
  root: string;
  apiKey?: string;
  /** Whole-request timeout (default 10 s). */
  timeoutMs?: number;
  /** Priority fee cap passed as priorityLevelWithMaxLamports "high" (default 1,000,000 = 0.001 SOL; 0 omits it). */
  maxPriorityFeeLamports?: number;
}

const baseUnits = z
  .string()
  .regex(/^\d{1,20}$/)
  .transform((s) => BigInt(s))
  .refine((n) => n <= U64_MAX, "exceeds u64");

const quoteSchema = z.looseObject({
  inputMint: z.string(),
  outputMint: z.string(),
  inAmount: baseUnits,
  outAmount: baseUnits,
  otherAmountThreshold: baseUnits,
  swapMode: z.string().optional(),
  slippageBps: z.number().int().min(0).max(10_000),
  priceImpactPct: z.union([z.string(), z.number()]).transform(Number).refine(Number.isFinite, "not a number"),
  routePlan: z
    .array(
      z.looseObject({
        swapInfo: z.looseObject({
          ammKey: z.string().optional(),
          label: z.string().nullish(),
          feeAmount: z.unknown().optional(),
          feeMint: z.unknown().optional(),
        }),
      }),
    )
    .min(1),
});

const swapSchema = z.looseObject({
  swapTransaction: z.string().min(1),
  lastValidBlockHeight: z.number().int().nonnegative(),
});

const malformed = (what: string, detail: string) =>
  new RemoteError("jupiter", `jupiter: ${what} answered with ${detail}`, false);

export class JupiterSwapProvider implements SwapProvider {
  private readonly api: SwapApi;
  private readonly timeoutMs: number;
  private readonly apiKey: string | undefined;
  private readonly maxPriorityFeeLamports: number;

  constructor(opts: JupiterSwapOptions) {
    const root = opts.root.replace(/\/+$/, "");
    this.api = new SwapApi(
      new Configuration({ basePath: `${root}/swap/v1`, headers: opts.apiKey ? { "x-api-key": opts.apiKey } : {} }),
    );
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.apiKey = opts.apiKey;
    this.maxPriorityFeeLamports = opts.maxPriorityFeeLamports ?? 1_000_000;
  }

  async quote(req: SwapRequest): Promise<SwapQuote> {
    const what = "GET /quote";
    if (req.amount <= 0n || req.amount > U64_MAX) throw new UserError("bad_amount", "That amount is not valid for a swap.");
    const json = await this.call(what, async (init) => {
      const res = await this.api.quoteGetRaw(
        {
          inputMint: req.inputMint,
          outputMint: req.outputMint,
          // The client types amount as number; a string keeps every digit of a u64 in the query.
          amount: req.amount.toString() as unknown as number,
          slippageBps: req.slippageBps,
        },
        init,
      );
      return res.raw.json() as Promise<unknown>;
    });
    const parsed = quoteSchema.safeParse(json);
    if (!parsed.success) throw malformed(what, "a malformed quote");
    const q = parsed.data;
    if (q.inputMint !== req.inputMint || q.outputMint !== req.outputMint) {
      throw malformed(what, "a quote for different tokens");
    }
    if (q.inAmount !== req.amount) throw malformed(what, "a quote for a different amount");
    if (q.swapMode !== undefined && q.swapMode !== "ExactIn") throw malformed(what, "a quote in the wrong swap mode");
    if (q.slippageBps !== req.slippageBps) throw malformed(what, "a quote with a different slippage");
    // Jupiter's threshold is outAmount less slippage; allow one basis point of rounding.
    const floor = (q.outAmount * BigInt(10_000 - q.slippageBps)) / 10_000n - q.outAmount / 10_000n - 1n;
    if (q.outAmount === 0n || q.otherAmountThreshold > q.outAmount || q.otherAmountThreshold < floor) {
      throw malformed(what, "an inconsistent minimum output");
    }
    return {
      inputMint: q.inputMint,
      outputMint: q.outputMint,
      inAmount: q.inAmount,
      outAmount: q.outAmount,
      minOutAmount: q.otherAmountThreshold,
      slippageBps: q.slippageBps,
      priceImpactPct: q.priceImpactPct,
      route: q.routePlan.map((s) => s.swapInfo.label ?? s.swapInfo.ammKey ?? "unknown"),
      fees: routeFeesOf(q.routePlan),
      raw: json,
    };
  }

  /**
   * `opts.priorityFee`: the user's level (within the operator's cap): none omits the fee; low, medium
   * and high ask Jupiter's medium, medium and high estimate, capped at a quarter, half and all of
   * maxPriorityFeeLamports. Not given: high, capped at maxPriorityFeeLamports (as before settings).
   */
  async buildSwap(quote: SwapQuote, userPublicKey: string, opts: SwapBuildOptions = {}): Promise<{ txBase64: string; lastValidBlockHeight: number }> {
    const what = "POST /swap";
    let user: PublicKey;
    try {
      user = new PublicKey(userPublicKey);
    } catch {
      throw new UserError("bad_address", "That wallet address is not valid.");
    }
    if (!quote.raw || typeof quote.raw !== "object") throw new Error("buildSwap needs the quote's raw Jupiter response");
    const level = opts.priorityFee ? PRIORITY_LEVELS[opts.priorityFee] : { priorityLevel: "high" as const, share: 1 };
    const fee = level ? Math.floor(this.maxPriorityFeeLamports * level.share) : 0;
    const json = await this.call(what, async (init) => {
      const res = await this.api.swapPostRaw(
        {
          swapRequest: {
            userPublicKey: user.toBase58(),
            quoteResponse: quote.raw as QuoteResponse,
            wrapAndUnwrapSol: true,
            dynamicComputeUnitLimit: true,
            ...(fee > 0
              ? { prioritizationFeeLamports: { priorityLevelWithMaxLamports: { maxLamports: fee, priorityLevel: level!.priorityLevel } } }
              : {}),
          },
        },
        init,
      );
      return res.raw.json() as Promise<unknown>;
    });
    const parsed = swapSchema.safeParse(json);
    if (!parsed.success) throw malformed(what, "a malformed swap");
    const { swapTransaction, lastValidBlockHeight } = parsed.data;
    try {
      VersionedTransaction.deserialize(Buffer.from(swapTransaction, "base64"));
    } catch {
      throw malformed(what, "a transaction that does not decode");
    }
    return { txBase64: swapTransaction, lastValidBlockHeight };
  }

  /** Runs one request with a timeout and no redirects, mapping every failure. */
  private async call<T>(what: string, run: (init: RequestInit) => Promise<T>): Promise<T> {
    try {
      return await run({ signal: AbortSignal.timeout(this.timeoutMs), redirect: "manual" });
    } catch (e) {
      throw await this.failure(e, what);
    }
  }

  private async failure(e: unknown, what: string): Promise<Error> {
    if (e instanceof UserError || e instanceof RemoteError) return e;
    if (e instanceof ResponseError) {
      const status = e.response.status;
      const body = await readErrorBody(e.response);
      const code = typeof body.errorCode === "string" ? body.errorCode : undefined;
      const text = typeof body.error === "string" ? body.error : (body.text ?? "");
      if ((code && NO_ROUTE_CODES.has(code)) || (status === 400 && /could not find any route|no route/i.test(text))) {
        return new UserError("no_route", "No swap route for that pair right now.", { code: code ?? null });
      }
      if (code === "CIRCULAR_ARBITRAGE_IS_DISABLED") {
        return new UserError("same_token", "You can't swap a token for itself.");
      }
      if (status >= 300 && status < 400) {
        return new RemoteError("jupiter", `jupiter: ${what} answered with a redirect (HTTP ${status})`, false, status);
      }
      const retryable = status === 408 || status === 429 || status >= 500;
      const snippet = this.scrub(text).slice(0, ERROR_SNIPPET);
      const detail = `${code ? ` ${code}` : ""}${snippet ? `: ${snippet}` : ""}`;
      return new RemoteError("jupiter", `jupiter: ${what} failed with HTTP ${status}${detail}`, retryable, status);
    }
    if (e instanceof FetchError || (e instanceof Error && /Abort|Timeout/.test(e.name))) {
      const cause = e instanceof FetchError ? e.cause : e;
      const timedOut = cause instanceof Error && /Abort|Timeout/.test(cause.name);
      const msg = timedOut ? `timed out after ${this.timeoutMs} ms` : "could not be reached";
      return new RemoteError("jupiter", `jupiter: ${what} ${msg}`, true);
    }
    if (e instanceof SyntaxError) return malformed(what, "malformed JSON");
    if (e instanceof TypeError) return new RemoteError("jupiter", `jupiter: ${what} failed: network error`, true);
    return new RemoteError("jupiter", `jupiter: ${what} failed unexpectedly`, false);
  }

  private scrub(text: string): string {
    return this.apiKey ? text.split(this.apiKey).join("<redacted>") : text;
  }
}

async function readErrorBody(res: Response): Promise<{ error?: unknown; errorCode?: unknown; text?: string }> {
  try {
    const text = (await res.text()).slice(0, 4096);
    try {
      const json = JSON.parse(text) as unknown;
      if (json && typeof json === "object") return json as { error?: unknown; errorCode?: unknown };
    } catch {
      // not JSON: keep the text
    }
    return { text };
  } catch {
    return {};
  }
}
