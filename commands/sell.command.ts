import { z } from "zod";
import { defineCommand } from "../core/router/command.js";
import { amountArg, previewTrade, spec, tokenArg, tradeActions, TRADE_NEEDS } from "./trade.common.js";

export default defineCommand({
  name: "sell",
  group: "Trading",
  summary: "Sell an amount, a percentage or all of a token (for USDC by default); preview first",
  usage: "sell <token> <amount|NN%|all> [receive token]",
  examples: ["/sell SOL 0.25", "/sell JUP 50%", "/sell BONK all SOL"],
  scope: "public",
  privateReply: true,
  args: z.object({ token: tokenArg, amount: amountArg, receive: tokenArg.default("USDC") }),
  positional: ["token", "amount", "receive"],
  needs: TRADE_NEEDS,
  async run(ctx, a) {
    const input = await ctx.services.tokens.resolve(a.token);
    const output = await ctx.services.tokens.resolve(a.receive);
    return previewTrade(ctx, { side: "sell", input, output, amount: spec(a.amount, input, true) });
  },
  actions: tradeActions,
});
