import { z } from "zod";
import { parseAutomation, type AutomationCommand } from "../core/domain/automation-parse.js";
import { AUTOMATION_ID, type Automation } from "../core/domain/automation.js";
import { needsRiskAck, RISK_ACK_LABEL } from "../core/domain/trade-risk.js";
import { isUserError, UserError } from "../core/errors.js";
import type { AutomationDraft, AutomationsPort } from "../core/ports/automations.port.js";
import { defineCommand, type Actions, type Command, type CommandContext } from "../core/router/command.js";
import type { Reply } from "../core/router/message.js";
import { bold, code, reply } from "../core/router/reply.js";
import { ackText, draftRiskLines, draftRows, KIND_LABEL, stateText, whatText, whenText } from "./automation.format.js";
import { notifyTarget } from "./trade.common.js";

/** The ports of the automation commands and their Confirm/Cancel buttons. */
export const AUTOMATION_NEEDS = ["automations", "clock", "audit"] as const;
type AutomationNeed = (typeof AUTOMATION_NEEDS)[number];

/** One word of an automation command (a token, an amount, "at", a level, "every", ...). */
export const wordArg = z.string().min(1).max(64);
/** The rest of the words, as typed ("at 190 50%"); the parser reads them. */
export const restArg = (description: string) => z.array(wordArg).max(12).describe(description);

/** The port, or a clear answer when this deployment has no automation engine wired. */
export function automationsOf(ctx: CommandContext<"automations">): AutomationsPort {
  const port = ctx.services.automations;
  if (!port) throw new UserError("bad_automation", "Automations are not enabled on this deployment.");
  return port;
}

/** The payload of a draft's Confirm and Cancel: the automation they act on. */
const draftRef = z.object({ automationId: z.string().regex(AUTOMATION_ID) });
type DraftButtons = { confirm: typeof draftRef; confirmRisk: typeof draftRef; cancel: typeof draftRef };

/**
 * The preview of a draft with Confirm/Cancel bound to the requester (like a trade's). A token with red
 * safety flags (TOKEN_SAFETY=warn) shows them, and "I understand the risks" takes Confirm's place.
 */
export async function draftReply(ctx: CommandContext<"clock">, d: AutomationDraft): Promise<Reply> {
  const now = ctx.services.clock.now();
  const a = d.automation;
  const ttl = Math.max(1000, d.confirmBy - now);
  const ack = needsRiskAck(d);
  const live = d.mode === "live" ? " (LIVE)" : "";
  const [confirm, cancel] = await ctx.buttons(
    [
      { label: ack ? `${RISK_ACK_LABEL}${live}` : `Confirm${live}`, action: ack ? "confirmRisk" : "confirm", payload: { automationId: a.id }, style: ack ? "danger" : "primary" },
      { label: "Cancel", action: "cancel", payload: { automationId: a.id }, style: ack ? "primary" : "danger" },
    ],
    ttl,
  );
  const r = (ack ? reply("warning") : reply()).line(bold(`${KIND_LABEL[a.rule.kind]} preview`), ` - automation ${a.id}`).table(draftRows(d, now));
  const risks = draftRiskLines(d);
  if (risks.length) {
    r.line(bold(`Safety of ${d.risk!.symbol}:`));
    for (const l of risks) r.line(l);
  }
  return r
    .line("When it fires there is no second Confirm: it gets a fresh quote and passes every trade check (token lists, limits, slippage, price impact, balance), or it does not trade.")
    .line(
      ack
        ? `Nothing is armed unless you press "${RISK_ACK_LABEL}": only if you accept these risks. If ${d.risk!.symbol} shows a red flag you did not accept here when it fires, it does not trade.`
        : "Nothing is armed until you press Confirm.",
    )
    .buttons(confirm!, cancel!)
    .private_()
    .build();
}

/** "Stop-loss a1b2c3d4e: sell all of your SOL for USDC when SOL is at or below $205.00". */
const described = (a: Automation) => `${KIND_LABEL[a.rule.kind]} ${a.id}: ${whatText(a.rule)} ${whenText(a.rule, a.high)}`;

async function confirmDraft(ctx: CommandContext<AutomationNeed>, { automationId }: z.infer<typeof draftRef>, acknowledgeRisk = false): Promise<Reply> {
  const r = await automationsOf(ctx).confirm(ctx.user.id, automationId, acknowledgeRisk ? { acknowledgeRisk } : {});
  const a = r.automation;
  switch (r.kind) {
    case "armed": {
      const armed = reply("success").line(bold("Armed. "), described(a), ".");
      if (a.acknowledgedRisk) {
        // as a trade's acknowledgement is: who accepted which flags, on what
        await ctx.services.audit.record({
          at: ctx.services.clock.now(),
          userId: ctx.user.id,
          platform: ctx.msg.platform,
          action: "automation.risk_acknowledged",
          detail: { automation: a.id, mint: r.automation.rule.token?.mint ?? null, flags: a.acknowledgedRisk },
        });
      }
      if (a.acknowledgedRisk) armed.line(`Risk acknowledged (${ackText(a.acknowledgedRisk)}): a firing still does not trade if a flag you did not accept appears.`);
      return armed
        .line("I'll tell you here when it fires. See it with ", code("/auto"), "; remove it with ", code(`/auto cancel ${a.id}`), ".")
        .private_()
        .edit()
        .build();
    }
    case "already":
      return reply().line(`Already armed: automation ${a.id} is ${stateText(a.state)}.`).private_().build();
    case "cancelled":
      return reply().line(`That draft was cancelled, so nothing was armed. Send the command again to set it up.`).private_().edit().build();
  }
}

async function discardDraft(ctx: CommandContext<AutomationNeed>, { automationId }: z.infer<typeof draftRef>): Promise<Reply> {
  const a = await automationsOf(ctx).discard(ctx.user.id, automationId);
  if (a.state === "cancelled" || a.state === "proposed") return reply().line("Cancelled. Nothing was armed.").private_().edit().build();
  return reply().line(`Not cancelled: automation ${a.id} is already ${stateText(a.state)}. Remove it with `, code(`/auto cancel ${a.id}`), ".").private_().build();
}

/** Confirm and Cancel on every draft's preview. */
export const automationActions: Actions<DraftButtons, AutomationNeed> = {
  confirm: { payload: draftRef, run: (ctx, ref) => confirmDraft(ctx, ref) },
  // "I understand the risks": the Confirm of a draft whose token has red flags
  confirmRisk: { payload: draftRef, run: (ctx, ref) => confirmDraft(ctx, ref, true) },
  cancel: { payload: draftRef, run: discardDraft },
};

/**
 * /limit, /stop, /tp, /trail and /dca: public, answered in private, never armed without the requester's
 * Confirm (so the model may propose them: what it proposes is this same preview). They differ only in
 * how their args become the words the parser reads.
 */
export function defineAutomationCommand<S extends z.ZodObject>(c: {
  name: AutomationCommand;
  aliases?: string[];
  summary: string;
  usage: string;
  examples: string[];
  args: S;
  positional: Array<keyof z.infer<S> & string>;
  words: (args: z.infer<S>) => string[];
}): Command<S, DraftButtons, AutomationNeed> {
  return defineCommand({
    name: c.name,
    ...(c.aliases ? { aliases: c.aliases } : {}),
    group: "Automations",
    summary: c.summary,
    usage: c.usage,
    examples: c.examples,
    scope: "public",
    privateReply: true,
    args: c.args,
    positional: c.positional,
    variadic: true,
    needs: AUTOMATION_NEEDS,
    async run(ctx, args) {
      const port = automationsOf(ctx);
      // a model may send "at 190" as one array item: the parser reads single words
      const req = parseAutomation(c.name, c.words(args).flatMap((w) => w.split(/\s+/)));
      const draft = await port.propose(ctx.user.id, req, notifyTarget(ctx));
      return draftReply(ctx, draft);
    },
    actions: automationActions,
  });
}
