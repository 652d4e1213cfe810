import { UserError } from "../errors.js";
import type { ActionRecord } from "../ports/action-tokens.port.js";
import { codeCall } from "./code-paste.js";
import { PICK, readPick } from "./disambiguation.js";
import type { Reply } from "./message.js";
import { bindArgs, MAX_INPUT_CHARS, sanitize, splitCommand, tokenize } from "./parse.js";
import { pasteCall } from "./paste.js";
import type { Call, Route, RouterContext } from "./pipeline.js";
import { PROPOSAL, readProposal } from "./proposal.js";
import type { CommandRegistry } from "./registry.js";

/** A pressed button: a token pick, a proposal's Confirm/Cancel, or one of a command's actions. */
export function routeButton(registry: CommandRegistry, rec: ActionRecord): Call | { kind: "answer"; reply: Reply } {
  if (rec.command === PICK) return readPick(rec, registry);
  if (rec.command === PROPOSAL) return readProposal(rec, registry);
  const cmd = registry.get(rec.command);
  if (!cmd?.actions) throw new UserError("action_unknown", "That button no longer does anything.");
  const def = Object.hasOwn(cmd.actions, rec.action) ? cmd.actions[rec.action] : undefined;
  if (!def) throw new UserError("action_unknown", "That button is not valid.");
  return { kind: "action", action: rec.action, payload: rec.payload, command: cmd, def };
}

/**
 * Typed text: a command (ours, addressed to us), free text for the intent resolver when addressed to
 * us, or nothing (another bot's command, chatter in a group). Sets `ctx.text` to the sanitized text.
 */
export function routeText(registry: CommandRegistry, ctx: RouterContext, text: string, addressed: boolean): Route | undefined {
  const { msg } = ctx;
  if (text.length > MAX_INPUT_CHARS) {
    if (!addressed && !text.trimStart().startsWith("/")) return undefined;
    throw new UserError(
      "message_too_long",
      `That message is too long (${text.length.toLocaleString("en-US")} characters; the limit is ${MAX_INPUT_CHARS.toLocaleString("en-US")}).`,
    );
  }
  ctx.text = sanitize(text);
  const parsed = splitCommand(ctx.text);
  if (parsed.kind === "empty") return undefined;
  if (parsed.kind === "text") {
    if (!addressed) return undefined;
    const codeRoute = codeCall(registry, ctx.text, msg.chat.kind);
    if (codeRoute === "ignore") return undefined;
    return codeRoute ?? pasteCall(registry, ctx.text, msg.chat.kind) ?? { kind: "text", text: ctx.text };
  }
  if (parsed.mention && msg.botUsername && parsed.mention.toLowerCase() !== msg.botUsername.toLowerCase()) {
    return undefined; // addressed to another bot
  }
  if (parsed.mention && !msg.botUsername && msg.platform !== "console") return undefined;
  const cmd = registry.get(parsed.name);
  if (!cmd) {
    // In a group, a bare `/report` may be another bot's command: only `/report@ThisBot` is ours to correct.
    if (msg.chat.kind === "group" && !parsed.mention && !msg.directed) {
      ctx.log.debug({ command: parsed.name.slice(0, 32) }, "unknown command in a group, not addressed to us: ignored");
      return undefined;
    }
    if (!/^[a-z0-9_]{1,32}$/.test(parsed.name)) throw new UserError("unknown_command", "That is not a command I know. See /help.");
    const hint = registry.suggest(parsed.name);
    throw new UserError(
      "unknown_command",
      hint ? `I don't know /${parsed.name}. Did you mean /${hint}?` : `I don't know /${parsed.name}. See /help for what I can do.`,
      hint ? { suggestion: hint } : {},
    );
  }
  return { kind: "command", command: cmd, raw: bindArgs(cmd, tokenize(parsed.argText)), origin: "typed" };
}
