import { z } from "zod";
import { defineCommand } from "../core/router/command.js";
import { bold, code, reply } from "../core/router/reply.js";

export default defineCommand({
  name: "start",
  group: "General",
  summary: "Say hello and see how to begin",
  usage: "start",
  scope: "public",
  args: z.object({ payload: z.string().max(64).optional() }),
  positional: ["payload"],
  llmTool: false,
  needs: ["info"],
  async run(ctx) {
    const mode = ctx.services.info.tradingMode;
    return reply()
      .line(bold("Welcome to Purser"), `, ${ctx.user.displayName || "friend"}.`)
      .line("I show Solana prices and charts, track your portfolio, trade through Jupiter and push price alerts.")
      .line("Trading mode: ", bold(mode === "paper" ? "paper (simulated, no real funds)" : "LIVE"), ".")
      .line("Start with ", code("/help"), ", ", code("/price SOL"), " or ", code("/whoami"), ".")
      .build();
  },
});
