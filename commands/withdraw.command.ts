import { z } from "zod";
import { LABEL_PATTERN } from "../core/domain/withdraw-address.js";
import { UserError } from "../core/errors.js";
import { defineCommand, type CommandContext } from "../core/router/command.js";
import { bold, code, reply } from "../core/router/reply.js";
import { addedReply, bookOf, bookReply } from "./withdraw.book.js";
import { previewWithdrawal, withdrawSendActions } from "./withdraw.send.js";

const word = z.string().min(1).max(64);
/** A 2FA code: six digits, or a recovery code. */
const twoFaCode = z.string().regex(/^[A-Za-z0-9-]{6,32}$/, "That is not a 2FA code (6 digits, or a recovery code).");
const label = z.string().regex(LABEL_PATTERN, "A label is 1-32 characters: letters, digits, _ and -.");

/** `/withdraw <amount|all> <token> [to] <label>`. */
const sendForm = z.object({
  amount: z.string().regex(/^(all|\d+(\.\d+)?|\.\d+)$/i, "Give an amount (like 1.5) or all.").transform((s) => s.toLowerCase()),
  token: word,
  label,
});

const USAGE = "Use /withdraw <amount|all> <token> to <label>, /withdraw add <label> <address>, /withdraw addresses, /withdraw remove <label> or /withdraw unfreeze <2FA code>.";

const parse = <S extends z.ZodType>(schema: S, v: unknown): z.infer<S> => {
  const r = schema.safeParse(v);
  if (!r.success) throw new UserError("bad_args", `${r.error.issues[0]?.message ?? "Not understood."} ${USAGE}`);
  return r.data;
};

const adminOnly = (ctx: CommandContext<never>, what: string) => {
  if (!ctx.isAdmin) throw new UserError("admin_only", `/withdraw ${what} is for admins only.`);
};

export default defineCommand({
  name: "withdraw",
  aliases: ["withdrawal"],
  group: "Account",
  summary: "Withdraw to your own addresses: an address book with 2FA and a delay, freezes",
  usage: "withdraw [<amount|all> <token> to <label> | add <label> <address> [code] | addresses | remove <label> | unfreeze <code>]",
  examples: ["/withdraw add cold 9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM", "/withdraw addresses", "/withdraw 1.5 SOL to cold", "/withdraw all USDC to cold"],
  scope: "private",
  privateReply: true,
  llmTool: false,
  args: z.object({
    action: z.string().max(64).transform((s) => s.toLowerCase()).optional().describe("add, addresses, remove, unfreeze, or an amount (1.5, all)"),
    arg1: word.optional().describe("A label (add, remove), a 2FA code (unfreeze), or the token to withdraw"),
    arg2: word.optional().describe("The address (add), or to (withdraw)"),
    arg3: word.optional().describe("A 2FA code (add), or the label to withdraw to"),
    arg4: word.optional().describe("The label to withdraw to"),
  }),
  positional: ["action", "arg1", "arg2", "arg3", "arg4"],
  subcommands: { action: { freeze: "admin", "unfreeze all": "admin" } },
  needs: ["addressBook", "withdrawals", "twoFactor", "clock", "info"],
  async run(ctx, { action, arg1: a, arg2: b, arg3: c, arg4: d }) {
    if (action === undefined || action === "addresses" || action === "list") return bookReply(ctx);
    if (action === "add") {
      const l = parse(label, a);
      if (!b) throw new UserError("bad_args", "Give the address. Usage: /withdraw add <label> <address>");
      const book = bookOf(ctx);
      if (c) return addedReply(ctx, await book.add(ctx.user.id, l, b, parse(twoFaCode, c)));
      const p = await book.prepareAdd(ctx.user.id, l, b);
      const r = reply("warning")
        .line(bold("Add "), code(p.label), ": ", code(p.address), "?")
        .line("Send your 2FA code now to confirm (just the code, or /code <code>). It is usable ", `${Math.round(book.delayMs / 3_600_000)} h after it is added.`);
      if (p.warning) r.line("Warning: ", p.warning);
      return r.private_().build();
    }
    if (action === "remove" || action === "delete") {
      const gone = await bookOf(ctx).remove(ctx.user.id, parse(label, a));
      return reply("success").line("Removed ", code(gone.label), ": ", code(gone.address), ". Every platform you linked was told.").private_().build();
    }
    if (action === "freeze") {
      adminOnly(ctx, "freeze");
      await bookOf(ctx).setGlobalFreeze(true, ctx.user.id);
      return reply("warning").line(bold("All withdrawals are frozen"), " for every user until /withdraw unfreeze all.").build();
    }
    if (action === "unfreeze") {
      if (a?.toLowerCase() === "all") {
        adminOnly(ctx, "unfreeze all");
        await bookOf(ctx).setGlobalFreeze(false, ctx.user.id);
        return reply("success").line(bold("The global withdrawal freeze is lifted.")).build();
      }
      const { removed } = await bookOf(ctx).unfreeze(ctx.user.id, parse(twoFaCode, a));
      const r = reply("success").line(bold("Withdrawals unfrozen."));
      if (removed.length) r.line("Removed, because they were still waiting out their delay when the freeze began: ", removed.map((x) => x.label).join(", "), ". Add them again if they are yours.");
      return r.private_().build();
    }
    // The send form: /withdraw <amount|all> <token> [to] <label>
    const words = [action, a, b, c, d].filter((w): w is string => w !== undefined);
    const to = words[2]?.toLowerCase() === "to";
    if (words.length !== (to ? 4 : 3)) throw new UserError("bad_args", USAGE);
    const req = parse(sendForm, { amount: words[0], token: words[1], label: words[to ? 3 : 2] });
    return previewWithdrawal(ctx, req);
  },
  actions: {
    ...withdrawSendActions,
    /** "This wasn't me" on an address-added announcement: freezes every withdrawal of the user at once. */
    notme: {
      payload: z.object({ id: z.string().min(1).max(64) }),
      async run(ctx, { id }) {
        await bookOf(ctx).freeze(ctx.user.id, `"This wasn't me" was pressed for an address addition (${id})`);
        return reply("warning")
          .line(bold("Withdrawals frozen."), " Nothing can be withdrawn until you unfreeze.")
          .line("Secure your accounts and your 2FA app, then /withdraw unfreeze <2FA code>: addresses added shortly before the freeze are removed then.")
          .private_()
          .build();
      },
    },
  },
});
