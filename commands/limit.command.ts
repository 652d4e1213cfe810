import { z } from "zod";
import { choiceArg } from "../core/router/command.js";
import { defineAutomationCommand, restArg, wordArg } from "./automation.common.js";

export default defineAutomationCommand({
  name: "limit",
  summary: "Limit order: buy at or below a price, or sell at or above it; preview, then Confirm arms it",
  usage: "limit buy <token> <amount> [pay token] at <price>  |  limit sell <token> <amount|NN%|all> [receive token] at <price>",
  examples: ["/limit buy SOL 100 at 200", "/limit buy JUP 50 USDT at 0.8", "/limit sell SOL 50% at 250"],
  args: z.object({
    side: choiceArg(["buy", "sell"], "Say buy or sell"),
    token: wordArg,
    amount: wordArg,
    price: restArg("[pay or receive token] at <price>, e.g. at 200"),
  }),
  positional: ["side", "token", "amount", "price"],
  words: (a) => [a.side, a.token, a.amount, ...a.price],
});
