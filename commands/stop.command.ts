import { z } from "zod";
import { defineAutomationCommand, restArg, wordArg } from "./automation.common.js";

export default defineAutomationCommand({
  name: "stop",
  aliases: ["sl", "stoploss", "stop_loss"],
  summary: "Stop-loss: sell (all by default) when the price is at or below a level, confirmed by the next tick",
  usage: "stop <token> at <price|N%> [amount|NN%|all]",
  examples: ["/stop SOL at 190", "/stop SOL at 10%", "/stop JUP at 0.6 50%"],
  args: z.object({ token: wordArg, level: restArg("at <price|N%> [amount|NN%|all], e.g. at 190 50%") }),
  positional: ["token", "level"],
  words: (a) => [a.token, ...a.level],
});
