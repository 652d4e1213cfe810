import { z } from "zod";
import { defineAutomationCommand, restArg, wordArg } from "./automation.common.js";

export default defineAutomationCommand({
  name: "dca",
  summary: "Recurring buys: spend an amount every 1h..30d, a number of times or until a date",
  usage: "dca <token> <amount> [pay token] every <1h..30d> [times <n>] [until <YYYY-MM-DD>]",
  examples: ["/dca SOL 100 every 1d times 30", "/dca JUP 20 every 6h times 3", "/dca SOL 50 USDT every 7d until 2026-12-31"],
  args: z.object({ token: wordArg, amount: wordArg, schedule: restArg("[pay token] every <1h..30d> [times <n>] [until <date>]") }),
  positional: ["token", "amount", "schedule"],
  words: (a) => [a.token, a.amount, ...a.schedule],
});
