import type { CommandContext } from "../core/router/command.js";
import type { Reply } from "../core/router/message.js";
import { bold, code, reply } from "../core/router/reply.js";

/** The secret key of one of the user's custodial wallets, deleted after WALLET_EXPORT_DELETE_S where the platform allows. */
export async function revealReply(ctx: CommandContext<"wallets" | "info">, walletId: string): Promise<Reply> {
  const { address, secret } = await ctx.services.wallets.reveal(ctx.user.id, walletId);
  const after = ctx.services.info.walletExportDeleteS;
  return reply("warning")
    .line(bold("Secret key of "), code(address))
    .line(code(secret))
    .line(`Store it offline. This message is deleted in ${after} s where the platform allows.`)
    .deleteAfter(after)
    .build();
}
