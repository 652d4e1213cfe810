import { z } from "zod";
import { amountArg, defineTradeCommand, tokenArg } from "./trade.common.js";

export default defineTradeCommand({
  name: "sell",
  summary: "Sell an amount, a percentage or all of a token (for USDC by default); preview first",
  usage: "sell <token> <amount|NN%|all> [receive token]",
  examples: ["/sell SOL 0.25", "/sell JUP 50%", "/sell BONK all SOL"],
  args: z.object({ token: tokenArg, amount: amountArg, receive: tokenArg.default("USDC") }),
  positional: ["token", "amount", "receive"],
  words: (a) => ({ input: a.token, output: a.receive, amount: a.amount }),
});
