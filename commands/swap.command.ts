import { z } from "zod";
import { amountArg, defineTradeCommand, tokenArg } from "./trade.common.js";

export default defineTradeCommand({
  name: "swap",
  summary: "Swap an amount (or NN%, or all) of one token for another; preview first",
  usage: "swap <amount|NN%|all> <from token> <to token>",
  examples: ["/swap 1.5 SOL USDC", "/swap 25% USDC JUP"],
  args: z.object({ amount: amountArg, from: tokenArg, to: tokenArg }),
  positional: ["amount", "from", "to"],
  words: (a) => ({ input: a.from, output: a.to, amount: a.amount }),
});
