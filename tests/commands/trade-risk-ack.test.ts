import { describe, expect, it } from "vitest";
import type { Order } from "../../core/domain/order.js";
import { RISK_ACK_LABEL, type OrderRisk } from "../../core/domain/trade-risk.js";
import { plainText } from "../../core/router/reply.js";
import { previewReply, tradeActions } from "../../commands/trade.common.js";
import { commandContext } from "../helpers/command-context.js";
import { FakeClock } from "../helpers/clock.js";

const NOW = Date.UTC(2026, 0, 1);
const FRZ = { mint: "FrZ1111111111111111111111111111111111111111", symbol: "FRZ", decimals: 6 };

function order(risk: OrderRisk | null): Order {
  return {
    id: "o_00000000000000a1", userId: "u1", mode: "paper", book: "paper", wallet: null, side: "buy", status: "previewed",
    input: { mint: "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", symbol: "USDC", decimals: 6 }, output: FRZ,
    inAmount: 10_000_000n, quotedOut: 9_900_000n, minOut: 9_800_000n, slippageBps: 100, priceImpactPct: 0.1, route: ["Simulated"],
    routeFees: [], simulated: true, quoteRaw: null, usdValue: 10, createdAt: NOW, quoteExpiresAt: NOW + 30_000, confirmedAt: null,
    signature: null, rawTx: null, lastValidBlockHeight: null, finalAt: null, filledIn: null, filledOut: null, feeLamports: null, error: null,
    notify: { platform: "telegram", chatId: "5" },
    ...(risk ? { risk } : {}),
  } as Order;
}

const freezeRisk = (acknowledged = false): OrderRisk => ({
  mint: FRZ.mint, symbol: "FRZ", unchecked: [], ackRequired: true, acknowledged, transferFee: null,
  flags: [{ code: "freeze_authority", severity: "red", title: "Freeze authority present", meaning: "the issuer can freeze your tokens so you cannot sell" }],
});

function services() {
  const confirms: Array<{ orderId: string; opts: unknown }> = [];
  const trading = {
    async confirm(_user: string, orderId: string, opts: unknown) {
      confirms.push({ orderId, opts });
      return { kind: "already" as const, order: { ...order(freezeRisk(true)), status: "confirmed" as const } };
    },
  };
  const info = { explorerTx: (sig: string) => `https://solscan.io/tx/${sig}` };
  return { confirms, services: { clock: new FakeClock(NOW), trading, info } };
}

describe("a preview of a token with red flags is confirmed only by 'I understand the risks'", () => {
  it("shows the flags and offers the acknowledgement in place of Confirm", async () => {
    const { services: s } = services();
    const ctx = commandContext(s as never);
    const text = plainText(await previewReply(ctx as never, order(freezeRisk())));
    expect(text).toContain("Safety of FRZ:");
    expect(text).toContain("Freeze authority present: the issuer can freeze your tokens so you cannot sell");
    expect(ctx.issued.specs.map((b) => [b.label, b.action])).toEqual([
      [RISK_ACK_LABEL, "confirmRisk"],
      ["Cancel", "cancel"],
    ]);
  });

  it("a clean token keeps the plain Confirm and says nothing about safety", async () => {
    const { services: s } = services();
    const ctx = commandContext(s as never);
    const text = plainText(await previewReply(ctx as never, order(null)));
    expect(text).not.toContain("Safety of");
    expect(ctx.issued.specs.map((b) => b.action)).toEqual(["confirm", "cancel"]);
  });

  it("pressing the acknowledgement confirms with acknowledgeRisk; the plain Confirm never does", async () => {
    const { services: s, confirms } = services();
    await tradeActions.confirmRisk.run(commandContext(s as never) as never, { orderId: "o_00000000000000a1" });
    await tradeActions.confirm.run(commandContext(s as never) as never, { orderId: "o_00000000000000a1" });
    expect(confirms).toEqual([
      { orderId: "o_00000000000000a1", opts: { toldByReply: true, acknowledgeRisk: true } },
      { orderId: "o_00000000000000a1", opts: { toldByReply: true } },
    ]);
  });
});
