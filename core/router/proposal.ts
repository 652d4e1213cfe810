import { z } from "zod";
import { UserError } from "../errors.js";
import type { ActionRecord } from "../ports/action-tokens.port.js";
import type { ActionsPort } from "../ports/actions.port.js";
import { readPayload, type AnyCommand, type CommandRegistryView } from "./command.js";
import type { Reply } from "./message.js";
import type { CommandCall } from "./pipeline.js";
import { bold, code, reply } from "./reply.js";

/**
 * A state-changing command (`confirmFromModel`) proposed from free text is not run: the requester
 * gets a preview with Confirm/Cancel bound to them, and only their Confirm runs it, through the same
 * authorize -> validate -> run steps as a typed command. The pseudo-command of those buttons:
 */
export const PROPOSAL = "__proposal";

/** How long a proposal's buttons stay valid. */
const PROPOSAL_TTL_MS = 10 * 60_000;

/**
 * A command and its arguments stored in a button (a proposal, a token pick). The arguments are kept
 * as stored (z.record would copy them, and a copied `__proto__` key becomes a prototype): the
 * validate step reads them with the command's own schema, own properties only.
 */
export const storedCall = {
  command: z.string().min(1).max(64),
  args: z.custom<Record<string, unknown>>((v) => !!v && typeof v === "object" && !Array.isArray(v)),
};

const proposalPayload = z.object(storedCall);

export interface Proposal {
  command: string;
  args: Record<string, unknown>;
}

/** The command line the proposal runs, as the user could have typed it (`/unalert all`). */
export function commandLine(cmd: AnyCommand, args: Record<string, unknown>): string {
  const words: string[] = [];
  for (const key of cmd.positional as string[]) {
    const v = Object.hasOwn(args, key) ? args[key] : undefined;
    if (v === undefined || v === null) continue;
    for (const w of Array.isArray(v) ? v : [v]) {
      const s = String(w).slice(0, 64);
      words.push(/\s/.test(s) ? `"${s.replace(/"/g, "")}"` : s);
    }
  }
  return [`/${cmd.name}`, ...words].join(" ").slice(0, 200);
}

/** The preview of a proposed command, its buttons bound to `userId`. */
export async function proposalReply(actions: ActionsPort, userId: string, cmd: AnyCommand, args: Record<string, unknown>): Promise<Reply> {
  const payload: Proposal = { command: cmd.name, args: { ...args } };
  const confirmCancel = await actions.issue(
    userId,
    PROPOSAL,
    [
      { label: "Confirm", action: "confirm", payload, style: "primary" },
      { label: "Cancel", action: "cancel", payload, style: "danger" },
    ],
    PROPOSAL_TTL_MS,
  );
  return reply("warning")
    .line(bold("Confirm: "), code(commandLine(cmd, args)))
    .line(`${cmd.summary}.`)
    .line("Nothing changes until you press Confirm (or type the command yourself).")
    .buttons(...confirmCancel)
    .build();
}

/**
 * A pressed proposal button (a forged or stale payload is refused): Cancel is answered at once;
 * Confirm is the proposed call, authorized and validated next like a typed one.
 */
export function readProposal(rec: ActionRecord, registry: CommandRegistryView): { kind: "answer"; reply: Reply } | CommandCall {
  const p = readPayload(proposalPayload, { action: rec.action, payload: rec.payload });
  const cmd = registry.get(p.command);
  if (rec.action === "cancel") return { kind: "answer", reply: cancelledReply(cmd ? commandLine(cmd, p.args) : `/${p.command}`) };
  if (rec.action !== "confirm" || !cmd) throw new UserError("action_unknown", "That button no longer does anything.");
  return { kind: "command", command: cmd, raw: p.args, origin: "confirmed" };
}

export const cancelledReply = (line: string): Reply =>
  reply().line("Cancelled: ", code(line), ". Nothing was changed.").edit().build();
