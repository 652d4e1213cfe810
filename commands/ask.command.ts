import { z } from "zod";
import { defineCommand } from "../core/router/command.js";

export default defineCommand({
  name: "ask",
  group: "Assistant",
  summary: "Ask the assistant a question (answers with current prices and your portfolio in mind)",
  usage: "ask <question>",
  examples: ["/ask is SOL up today?", "/ask how diversified am I?"],
  scope: "public",
  privateReply: true,
  llmTool: false,
  args: z.object({ question: z.array(z.string()).min(1, "Ask something, e.g. /ask is SOL up today?") }),
  positional: ["question"],
  variadic: true,
  needs: ["assistant"],
  async run(ctx, { question }) {
    return ctx.services.assistant.answer({
      userId: ctx.user.id,
      identity: `${ctx.identity.platform}:${ctx.identity.platformUserId}`,
      platform: ctx.identity.platform,
      text: question.join(" ").slice(0, 2000),
    });
  },
});
