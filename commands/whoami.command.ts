import { z } from "zod";
import { identityKey, type Identity } from "../core/domain/identity.js";
import { defineCommand } from "../core/router/command.js";
import { bold, reply } from "../core/router/reply.js";

/** `telegram:123 (@name)`: the key exactly as ADMIN_IDS takes it, then the name the platform shows. */
const linked = (i: Identity) => {
  const key = identityKey(i.platform, i.platformUserId);
  return i.displayName && i.displayName !== i.platformUserId ? `${key} (${i.displayName})` : key;
};

export default defineCommand({
  name: "whoami",
  group: "Account",
  summary: "Show your account, role and linked ids (platform:id, the form ADMIN_IDS takes)",
  usage: "whoami",
  scope: "public",
  args: z.object({}),
  positional: [],
  privateReply: true,
  needs: ["info"],
  async run(ctx) {
    const rows: Array<[string, string]> = [
      ["User", ctx.user.id.slice(0, 8)],
      ["Name", ctx.identity.displayName || ctx.user.displayName || "-"],
      ["Role", ctx.isAdmin ? "admin" : "user"],
      ["Here", `${ctx.identity.platform} (${ctx.msg.chat.kind} chat)`],
      ["Mode", ctx.services.info.tradingMode],
    ];
    for (const i of ctx.identities) rows.push(["Linked", linked(i)]);
    return reply()
      .line(bold("Who you are"))
      .table(rows)
      .line("An operator makes you admin with ADMIN_IDS=<one of the Linked ids above>.")
      .build();
  },
});
