import { z } from "zod";
import { defineCommand } from "../core/router/command.js";
import { bold, reply } from "../core/router/reply.js";

export default defineCommand({
  name: "whoami",
  group: "Account",
  summary: "Show your account, role and linked platforms",
  usage: "whoami",
  scope: "public",
  args: z.object({}),
  positional: [],
  privateReply: true,
  async run(ctx) {
    const rows: Array<[string, string]> = [
      ["User", ctx.user.id.slice(0, 8)],
      ["Name", ctx.identity.displayName || ctx.user.displayName || "-"],
      ["Role", ctx.isAdmin ? "admin" : "user"],
      ["Here", `${ctx.identity.platform} (${ctx.msg.chat.kind} chat)`],
      ["Mode", ctx.services.info.tradingMode],
    ];
    for (const i of ctx.identities) rows.push([`Linked ${i.platform}`, i.displayName || i.platformUserId]);
    return reply().line(bold("Who you are")).table(rows).build();
  },
});
