import { z } from "zod";
import { amountArg, defineTradeCommand, tokenArg } from "./trade.common.js";

export default defineTradeCommand({
  name: "buy",
  summary: "Buy a token, spending an amount of another (USDC by default); preview first",
  usage: "buy <token> <amount> [pay token]",
  examples: ["/buy JUP 20", "/buy SOL 0.5 USDT"],
  args: z.object({ token: tokenArg, amount: amountArg, pay: tokenArg.default("USDC") }),
  positional: ["token", "amount", "pay"],
  words: (a) => ({ output: a.token, input: a.pay, amount: a.amount, outputFirst: true }),
});
