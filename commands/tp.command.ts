import { z } from "zod";
import { defineAutomationCommand, restArg, wordArg } from "./automation.common.js";

export default defineAutomationCommand({
  name: "tp",
  aliases: ["takeprofit", "take_profit"],
  summary: "Take-profit: sell (all by default) when the price is at or above a level",
  usage: "tp <token> at <price|N%> [amount|NN%|all]",
  examples: ["/tp SOL at 300", "/tp SOL at 25% 50%", "/tp BONK at 0.00004"],
  args: z.object({ token: wordArg, level: restArg("at <price|N%> [amount|NN%|all], e.g. at 300 50%") }),
  positional: ["token", "level"],
  words: (a) => [a.token, ...a.level],
});
