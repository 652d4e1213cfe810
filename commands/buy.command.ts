import { z } from "zod";
import { defineCommand } from "../core/router/command.js";
import { amountArg, previewTrade, spec, tokenArg, tradeActions, TRADE_NEEDS } from "./trade.common.js";

export default defineCommand({
  name: "buy",
  group: "Trading",
  summary: "Buy a token, spending an amount of another (USDC by default); preview first",
  usage: "buy <token> <amount> [pay token]",
  examples: ["/buy JUP 20", "/buy SOL 0.5 USDT"],
  scope: "public",
  privateReply: true,
  args: z.object({ token: tokenArg, amount: amountArg, pay: tokenArg.default("USDC") }),
  positional: ["token", "amount", "pay"],
  needs: TRADE_NEEDS,
  async run(ctx, a) {
    const output = await ctx.services.tokens.resolve(a.token);
    const input = await ctx.services.tokens.resolve(a.pay);
    return previewTrade(ctx, { side: "buy", input, output, amount: spec(a.amount, input, false) });
  },
  actions: tradeActions,
});
