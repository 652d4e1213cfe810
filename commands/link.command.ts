import { z } from "zod";
import { defineCommand } from "../core/router/command.js";
import { bold, code, reply } from "../core/router/reply.js";

export default defineCommand({
  name: "link",
  group: "Account",
  summary: "Join your accounts on several platforms into one",
  usage: "link [code]",
  examples: ["/link", "/link K7QP4M2X"],
  scope: "public",
  args: z.object({ code: z.string().max(32).optional() }),
  positional: ["code"],
  privateReply: true,
  llmTool: false,
  needs: ["identity"],
  async run(ctx, { code: given }) {
    const { identity } = ctx.services;
    if (!given) {
      const { code: c } = await identity.issueLinkCode(ctx.user.id);
      return reply()
        .line("Your link code: ", code(c))
        .line("On another platform, send ", code(`/link ${c}`), " to me within 10 minutes. It works once.")
        .build();
    }
    const me = { user: ctx.user, identity: ctx.identity, identities: ctx.identities, isAdmin: ctx.isAdmin };
    const joined = await identity.redeemLinkCode(me, given);
    return reply("success")
      .line(bold("Linked."), " These identities are now one account:")
      .table(joined.identities.map((i) => [i.platform, i.displayName || i.platformUserId]))
      .build();
  },
});
