import { describe, expect, it } from "vitest";
import { routeFeesOf } from "../../adapters/jupiter/route-fees.js";
import type { Order } from "../../core/domain/order.js";
import { routeFeesText } from "../../core/services/trade-format.js";

const SOL = { mint: "So11111111111111111111111111111111111111112", symbol: "SOL", decimals: 9 };
const USDC = { mint: "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", symbol: "USDC", decimals: 6 };
const step = (feeAmount: unknown, feeMint: unknown) => ({ swapInfo: { ammKey: "k", label: "Whirlpool", feeAmount, feeMint }, percent: 100 });

/** The fees text of an order quoted with this raw Jupiter quote: parsed once by the adapter, shown by core. */
const routeFees = (o: { quoteRaw: unknown } & Pick<Order, "input" | "output">) =>
  routeFeesText({ routeFees: routeFeesOf((o.quoteRaw as { routePlan?: unknown } | null)?.routePlan), input: o.input, output: o.output });

describe("routeFees: the route's fees from a stored Jupiter quote", () => {
  it("sums fees per mint over the route and shows them in the trade's tokens", () => {
    const quoteRaw = { routePlan: [step("2500000", SOL.mint), step("1500000", SOL.mint), step("120000", USDC.mint)] };
    expect(routeFees({ quoteRaw, input: SOL, output: USDC })).toBe("0.004 SOL + 0.12 USDC");
  });

  it("a fee in a third token shows its base units and a short mint", () => {
    const quoteRaw = { routePlan: [step("777", "JUPyiwrYJFskUPiHa7hkeR8VUtAeFoSYbKedZNsDvCN")] };
    expect(routeFees({ quoteRaw, input: SOL, output: USDC })).toBe("777 base units of JUPy...DvCN");
  });

  it("garbage from outside is left out, never shown or thrown", () => {
    const quoteRaw = { routePlan: [step("-5", SOL.mint), step(12, SOL.mint), step("1e9", SOL.mint), null, "x", step("10", 42)] };
    expect(routeFees({ quoteRaw, input: SOL, output: USDC })).toBe("none charged by the route");
    expect(routeFees({ quoteRaw: { simulated: true }, input: SOL, output: USDC })).toBeUndefined();
    expect(routeFees({ quoteRaw: null, input: SOL, output: USDC })).toBeUndefined();
  });
});
