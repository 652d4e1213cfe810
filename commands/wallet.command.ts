import { z } from "zod";
import { UserError } from "../core/errors.js";
import { choiceArg, defineCommand } from "../core/router/command.js";
import { bold, code, reply } from "../core/router/reply.js";
import { askForCode, CODE_STEP_TTL_MS } from "./twofa.common.js";
import { revealReply } from "./wallet.reveal.js";

export default defineCommand({
  name: "wallet",
  aliases: ["wallets"],
  group: "Account",
  summary: "Your wallets; watch an address, create a custodial wallet (live), export its key",
  usage: "wallet [watch <address> | new | export]",
  examples: ["/wallet", "/wallet watch 9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM", "/wallet new"],
  scope: "public",
  privateReply: true,
  llmTool: false,
  args: z.object({
    action: choiceArg(["watch", "new", "export", "list"], "Use /wallet, /wallet watch <address>, /wallet new or /wallet export").default("list"),
    address: z.string().max(64).optional(),
  }),
  positional: ["action", "address"],
  subcommands: {
    action: {
      new: { scope: "private", refusal: "Create wallets in a private chat with me." },
      export: "private",
    },
  },
  needs: ["wallets", "info", "twoFactor"],
  async run(ctx, { action, address }) {
    const { wallets } = ctx.services;
    if (action === "watch") {
      if (!address) throw new UserError("bad_args", "Give the address to watch. Usage: /wallet watch <address>");
      const w = await wallets.watch(ctx.user.id, address);
      return reply("success").line("Watching ", code(w.address), ". Its holdings show in /balance.").build();
    }
    if (action === "new") {
      const w = await wallets.create(ctx.user.id);
      return reply("success")
        .line(bold("Your new wallet: "), code(w.address))
        .line("Fund it with SOL (for fees) and USDC to trade live. Its key is encrypted at rest; /wallet export shows it once you confirm.")
        .build();
    }
    if (action === "export") {
      const w = (await wallets.list(ctx.user.id)).find((x) => x.kind === "custodial");
      if (!w) throw new UserError("wallet_unknown", "You have no custodial wallet to export.");
      const [yes, no] = await ctx.buttons(
        [
          { label: "Show my secret key", action: "export", payload: { walletId: w.id }, style: "danger" },
          { label: "Cancel", action: "cancel" },
        ],
        2 * 60_000,
      );
      return reply("warning")
        .line(bold("Export the secret key of "), code(w.address), "?")
        .line("Anyone who sees it controls the wallet. I'll delete the message after a short time where the platform allows.")
        .buttons(yes!, no!)
        .build();
    }
    const list = await wallets.list(ctx.user.id);
    const r = reply().line(bold("Your wallets"));
    r.table([
      ["Trading", ctx.services.info.tradingMode === "paper" ? "paper account (simulated)" : "LIVE"],
      ...list.map((w): [string, string] => [w.kind === "custodial" ? "Custodial" : "Watch-only", w.address]),
    ]);
    if (!list.length) r.line("Add one with /wallet watch <address>", ctx.services.info.tradingMode === "live" ? " or /wallet new." : ".");
    return r.build();
  },
  actions: {
    export: {
      payload: z.object({ walletId: z.string().min(1).max(64) }),
      scope: { scope: "private", refusal: "Secret keys are only shown in a private chat." },
      async run(ctx, { walletId }) {
        // With 2FA on, the key is shown only after a valid code (/code, or a message that is just the code).
        const twoFactor = ctx.services.twoFactor;
        if (twoFactor && (await twoFactor.enabled(ctx.user.id))) {
          await twoFactor.expectCode(ctx.user.id, { kind: "export", ref: walletId }, CODE_STEP_TTL_MS);
          return askForCode("show the secret key");
        }
        return revealReply(ctx, walletId);
      },
    },
    cancel: { payload: z.object({}), run: async () => reply().line("Export cancelled.").edit().build() },
  },
});
