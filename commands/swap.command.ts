import { z } from "zod";
import { defineCommand } from "../core/router/command.js";
import { amountArg, previewTrade, spec, tokenArg, tradeActions, TRADE_NEEDS } from "./trade.common.js";

export default defineCommand({
  name: "swap",
  group: "Trading",
  summary: "Swap an amount (or NN%, or all) of one token for another; preview first",
  usage: "swap <amount|NN%|all> <from token> <to token>",
  examples: ["/swap 1.5 SOL USDC", "/swap 25% USDC JUP"],
  scope: "public",
  privateReply: true,
  args: z.object({ amount: amountArg, from: tokenArg, to: tokenArg }),
  positional: ["amount", "from", "to"],
  needs: TRADE_NEEDS,
  async run(ctx, a) {
    const input = await ctx.services.tokens.resolve(a.from);
    const output = await ctx.services.tokens.resolve(a.to);
    return previewTrade(ctx, { side: "swap", input, output, amount: spec(a.amount, input, true) });
  },
  actions: tradeActions,
});
