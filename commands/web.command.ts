import { z } from "zod";
import { formatUtc } from "../core/domain/format.js";
import { choiceArg, defineCommand } from "../core/router/command.js";
import { bold, code, link, reply } from "../core/router/reply.js";
import { requireWeb } from "./web.common.js";

export default defineCommand({
  name: "web",
  group: "Account",
  summary: "Open the web dashboard: a one-time sign-in link (or sign out everywhere)",
  usage: "web [logout all]",
  examples: ["/web", "/web logout all"],
  scope: "private",
  llmTool: false,
  args: z.object({
    action: choiceArg(["logout"], "Use /web for a sign-in link or /web logout all").optional(),
    what: choiceArg(["all"], "Use /web logout all").optional(),
  }),
  positional: ["action", "what"],
  needs: ["web"],
  async run(ctx, { action }) {
    const web = requireWeb(ctx.services);
    if (action === "logout") {
      const n = await web.logoutAll(ctx.user.id);
      return reply("success")
        .line(bold("Signed out everywhere."), ` ${n} web session${n === 1 ? "" : "s"} ended; API tokens are not affected (`, code("/api token list"), ").")
        .build();
    }
    const { url, expiresAt } = await web.issueLoginLink(ctx.user.id);
    return reply()
      .line(bold("Your sign-in link"), " (works once, until ", formatUtc(expiresAt), "):")
      .line(link(url, url))
      .line("Open it and press Sign in. Never share it: whoever opens it first is signed in as you.")
      .deleteAfter(300)
      .build();
  },
});
