import { z } from "zod";
import { defineAutomationCommand, restArg, wordArg } from "./automation.common.js";

export default defineAutomationCommand({
  name: "trail",
  aliases: ["trailing", "tsl", "trailing_stop"],
  summary: "Trailing stop: sell when the price falls N% from its highest since set (the high survives restarts)",
  usage: "trail <token> <N%> [amount|NN%|all]",
  examples: ["/trail SOL 10%", "/trail JUP 15% 50%"],
  args: z.object({ token: wordArg, distance: wordArg.describe("How far below the high, e.g. 10%"), amount: restArg("[amount|NN%|all], e.g. 50%").optional() }),
  positional: ["token", "distance", "amount"],
  words: (a) => [a.token, a.distance, ...(a.amount ?? [])],
});
