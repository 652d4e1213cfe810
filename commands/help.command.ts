import { z } from "zod";
import type { AnyCommand, CommandContext, CommandGroup } from "../core/router/command.js";
import { defineCommand } from "../core/router/command.js";
import { bold, code, reply } from "../core/router/reply.js";
import { UserError } from "../core/errors.js";

const ORDER: CommandGroup[] = ["General", "Account", "Market", "Trading", "Automations", "Alerts", "Assistant", "Treasury", "Admin"];

const visible = (ctx: CommandContext, c: AnyCommand) => c.scope !== "admin" || ctx.isAdmin;

export default defineCommand({
  name: "help",
  aliases: ["commands"],
  group: "General",
  summary: "List commands, or explain one",
  usage: "help [command]",
  examples: ["/help", "/help price"],
  scope: "public",
  args: z.object({ command: z.string().max(64).optional() }),
  positional: ["command"],
  async run(ctx, { command }) {
    if (command) {
      const name = command.replace(/^\//, "").toLowerCase();
      const cmd = ctx.registry.get(name);
      if (!cmd || !visible(ctx, cmd)) {
        const hint = ctx.registry.suggest(name);
        throw new UserError("unknown_command", hint ? `No command /${name}. Did you mean /${hint}?` : `No command /${name}.`);
      }
      const r = reply().line(code(`/${cmd.usage}`)).line(cmd.summary);
      if (cmd.aliases?.length) r.line("Also: ", cmd.aliases.map((a) => `/${a}`).join(", "));
      if (cmd.examples?.length) r.line(bold("Examples: "), ...cmd.examples.flatMap((e, i) => (i ? [", ", code(e)] : [code(e)])));
      if (cmd.scope === "admin") r.line("Admins only.");
      if (cmd.scope === "private") r.line("Works in a private chat only.");
      return r.build();
    }
    const r = reply().line(bold("Purser commands"));
    for (const group of ORDER) {
      const cmds = ctx.registry.all().filter((c) => c.group === group && visible(ctx, c));
      if (!cmds.length) continue;
      r.line("");
      r.line(bold(group));
      for (const c of cmds) r.line(code(`/${c.usage}`), ` - ${c.summary}`);
    }
    r.line("").line("Details: ", code("/help <command>"));
    if (ctx.registry.get("token")) r.line("Paste a mint address or a token link in a private chat with me to see its card (", code("/token"), ").");
    return r.build();
  },
});
