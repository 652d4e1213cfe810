import { NATIVE_MINT } from "@solana/spl-token";
import { JupiterSwapProvider } from "../../adapters/jupiter/jupiter-swap.js";
import type { Logger } from "../../core/ports/logger.port.js";
import type { Db } from "../../db/index.js";
import { startJupiterSwapFake, type JupiterSwapFake } from "../fakes/jupiter-swap.js";
import { SAFETY_MARKET } from "../fakes/jupiter-safety-tokens.js";
import { SAFETY_MINTS, type SafetyMintKey } from "../fakes/solana/safety-mints.js";
import { USDC_MINT } from "../fakes/solana/swap-harness.js";
import { makeTestApp, type TestApp } from "./app.js";
import { FakeClock } from "./clock.js";
import { startSafetyFakes, type SafetyFakes } from "./safety-world.js";

/**
 * The whole app as it runs with token cards (issue 18), nothing faked inside it: the real card service,
 * the real chain reader (SOLANA_RPC_URL: a fake node holding the safety mints), Jupiter's real price,
 * search and token adapters (JUPITER_API_ROOT: the fake Jupiter API), and paper trades quoted by the
 * real Jupiter swap client against the fake swap API (on the same fake node). Only the platform is the
 * test's: the router directly, or an adapter against its fake.
 */
export interface CardApp {
  app: TestApp;
  fakes: SafetyFakes;
  /** The swap API (quotes for paper trades). */
  swap: JupiterSwapFake;
  clock: FakeClock;
  mint: (key: SafetyMintKey) => string;
  close(): Promise<void>;
}

export const SOL_USD = 150;

export async function startCardApp(
  opts: { env?: Record<string, string>; verified?: SafetyMintKey[]; log?: Logger; db?: Db } = {},
): Promise<CardApp> {
  const clock = new FakeClock(Date.now());
  const fakes = await startSafetyFakes({ now: clock.now() });
  fakes.sol.createMint(6, undefined, { address: USDC_MINT });
  const mint = (k: SafetyMintKey) => SAFETY_MINTS[k].mint;
  const keys = Object.keys(SAFETY_MINTS) as SafetyMintKey[];
  // Jupiter's Price API answers for SOL, USDC and every safety mint at the price its token entry gives.
  fakes.jup.setUsdPrice(NATIVE_MINT.toBase58(), SOL_USD);
  fakes.jup.setUsdPrice(USDC_MINT, 1);
  for (const k of keys) fakes.jup.setUsdPrice(mint(k), SAFETY_MARKET[k].usdPrice);
  // A token Jupiter verified may still hold a freeze authority: the case TOKEN_SAFETY exists for.
  for (const t of fakes.jup.tokens as Array<Record<string, unknown>>) {
    if (opts.verified?.some((k) => mint(k) === t.id)) t.isVerified = true;
  }
  const swap = await startJupiterSwapFake({
    rpc: fakes.sol,
    prices: { [NATIVE_MINT.toBase58()]: SOL_USD, [USDC_MINT]: 1, ...Object.fromEntries(keys.map((k) => [mint(k), SAFETY_MARKET[k].usdPrice])) },
  });
  const app = await makeTestApp({
    clock,
    ...(opts.log ? { log: opts.log } : {}),
    ...(opts.db ? { db: opts.db } : {}),
    env: {
      ...fakes.env,
      MARKET_SOURCE: "live",
      PRICE_SOURCES: "jupiter",
      TRADING_MODE: "paper",
      PRICE_TIMEOUT_MS: "30000",
      // nothing here measures time: on a busy CI machine a source must not be cut off into a partial card
      TOKEN_CARD_TIMEOUT_MS: "10000",
      ...opts.env,
    },
    trading: { swap: new JupiterSwapProvider({ root: swap.url, timeoutMs: 5_000 }) },
  });
  return {
    app,
    fakes,
    swap,
    clock,
    mint,
    close: async () => {
      await app.close();
      await swap.close();
      await fakes.close();
    },
  };
}

/** Gives a user SOL in their paper account (they start with USDC): a /buy confirmed through the router. */
export async function fundSol(app: TestApp, who: { platform?: "telegram" | "discord"; id: string }, usdc = "150"): Promise<void> {
  const preview = await app.say(`/buy SOL ${usdc} USDC`, who);
  const confirm = preview.replies.flatMap((r) => r.buttons ?? []).flat().find((b) => /^Confirm/.test(b.label));
  if (!confirm) throw new Error(`no Confirm on the SOL buy: ${preview.text}`);
  const filled = await app.press(confirm.action, who);
  if (!filled.text.includes("Filled (paper)")) throw new Error(`SOL buy not filled: ${filled.text}`);
}
