import { z } from "zod";
import { AUTOMATION_ID } from "../core/domain/automation.js";
import { UserError } from "../core/errors.js";
import { choiceArg, defineCommand, type CommandContext } from "../core/router/command.js";
import type { Reply } from "../core/router/message.js";
import { bold, code, reply } from "../core/router/reply.js";
import { automationsOf } from "./automation.common.js";
import { listRow } from "./automation.format.js";

const USAGE = "auto [cancel <id|all> | pause | resume]";
const TARGET = new RegExp(`^(${AUTOMATION_ID.source.slice(1, -1)}|all)$`);
const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;

type Ctx = CommandContext<"automations">;

async function list(ctx: Ctx): Promise<Reply> {
  const port = automationsOf(ctx);
  const [mine, halted] = await Promise.all([port.list(ctx.user.id), port.globallyPaused()]);
  const r = reply();
  if (halted) r.line(bold("All automations are paused by an admin: nothing fires until they resume."));
  if (!mine.length) return r.line("No automations yet. Try ", code("/stop SOL at 10%"), " or ", code("/dca SOL 20 every 1d times 7"), ".").build();
  return r
    .line(bold(`Your automations (${mine.length})`))
    .table(mine.map(listRow))
    .line("Remove one with ", code("/auto cancel <id>"), " (or all); stop them all at once with ", code("/auto pause"), ".")
    .build();
}

async function cancel(ctx: Ctx, target: string | undefined): Promise<Reply> {
  if (!target) throw new UserError("bad_args", `Say which: /auto cancel <id|all>. Ids are in /auto.`, { usage: USAGE });
  const port = automationsOf(ctx);
  if (target === "all") {
    const n = await port.cancelAll(ctx.user.id);
    return reply("success").line(n ? `Cancelled ${plural(n, "automation")}. Nothing else will fire.` : "You had no active automations.").build();
  }
  const ok = await port.cancel(ctx.user.id, target);
  return reply(ok ? "success" : "info").line(ok ? `Automation ${target} cancelled.` : `Automation ${target} was not active (see /auto).`).build();
}

async function pause(ctx: Ctx, on: boolean, target: string | undefined): Promise<Reply> {
  const port = automationsOf(ctx);
  if (target === "all") {
    // the global kill switch: the precondition made this admin-only
    if (on) await port.pauseAll(ctx.user.id);
    else await port.resumeAll(ctx.user.id);
    return reply(on ? "warning" : "success")
      .line(on ? bold("Global pause ON: ") : bold("Global pause OFF: "), on ? "no automation fires for anyone until /auto resume all." : "automations fire again.")
      .build();
  }
  if (target) throw new UserError("bad_args", `/auto ${on ? "pause" : "resume"} acts on all of your automations; to remove one, /auto cancel ${target}.`, { usage: USAGE });
  const n = on ? await port.pause(ctx.user.id) : await port.resume(ctx.user.id);
  if (on) return reply("success").line(n ? `Paused ${plural(n, "automation")}: none fires until /auto resume.` : "Nothing was armed, so nothing to pause.").build();
  return reply("success").line(n ? `Resumed ${plural(n, "automation")}: they watch prices again.` : "Nothing was paused.").build();
}

export default defineCommand({
  name: "auto",
  aliases: ["automations"],
  group: "Automations",
  summary: "Your automations (ids, level or schedule, state, firings); cancel one or all; pause or resume all of yours",
  usage: USAGE,
  examples: ["/auto", "/auto cancel a1b2c3d4e", "/auto cancel all", "/auto pause", "/auto resume"],
  scope: "public",
  privateReply: true,
  // proposed by the model ("cancel my stops"), a change waits for the requester's Confirm like /unalert;
  // a list ("what automations do I have?") is read-only and answers at once
  confirmFromModel: (args) => args["action"] !== "list",
  // the global kill switch is the admins'; plain pause and resume act on the caller's own
  subcommands: { action: { "pause all": "admin", "resume all": "admin" } },
  args: z.object({
    action: choiceArg(["list", "cancel", "pause", "resume"], "Say list, cancel, pause or resume").default("list"),
    target: z
      .string()
      .transform((s) => s.toLowerCase())
      .pipe(z.string().regex(TARGET, "Give an automation id from /auto, or all"))
      .optional(),
  }),
  positional: ["action", "target"],
  needs: ["automations"],
  async run(ctx, { action, target }) {
    switch (action) {
      case "list":
        if (target) throw new UserError("bad_args", `Did you mean /auto cancel ${target}?`, { usage: USAGE });
        return list(ctx);
      case "cancel":
        return cancel(ctx, target);
      case "pause":
        return pause(ctx, true, target);
      case "resume":
        return pause(ctx, false, target);
    }
  },
});
