import { z } from "zod";
import { defineCommand } from "../core/router/command.js";
import { bold, reply } from "../core/router/reply.js";

export default defineCommand({
  name: "usage",
  group: "Admin",
  summary: "LLM tokens and estimated cost by day, model and user",
  usage: "usage [days]",
  scope: "admin",
  privateReply: true,
  llmTool: false,
  needs: ["clock", "assistant"],
  args: z.object({ days: z.coerce.number().int("days must be a whole number").min(1).max(90).default(7) }),
  positional: ["days"],
  async run(ctx, { days }) {
    const since = new Date(ctx.services.clock.now() - (days - 1) * 86_400_000).toISOString().slice(0, 10);
    const rows = await ctx.services.assistant.usageSummary(since);
    if (!rows.length) return reply().line(`No LLM usage since ${since}.`).build();
    const total = rows.reduce((a, r) => ({ tokens: a.tokens + r.tokens, cost: a.cost + r.costUsd }), { tokens: 0, cost: 0 });
    return reply()
      .line(bold(`LLM usage since ${since}`), `: ${total.tokens.toLocaleString("en-US")} tokens, ~$${total.cost.toFixed(4)}`)
      .table(rows.slice(0, 60).map((r) => [`${r.day} ${r.model}`, `user ${r.userId?.slice(0, 8) ?? "-"}: ${r.tokens.toLocaleString("en-US")} tokens, ${r.calls} calls, ~$${r.costUsd.toFixed(4)}`]))
      .build();
  },
});
