import { z } from "zod";
import type { Token } from "../domain/token.js";
import { isUserError, UserError } from "../errors.js";
import type { ActionRecord } from "../ports/action-tokens.port.js";
import type { ActionsPort } from "../ports/actions.port.js";
import { AmbiguousTokenError, choiceLabel } from "../services/token-registry.service.js";
import { readPayload, type AnyCommand, type CommandRegistryView } from "./command.js";
import type { Reply } from "./message.js";
import type { CommandCall } from "./pipeline.js";
import { storedCall } from "./proposal.js";
import { bold, reply, type ReplyBuilder } from "./reply.js";

/**
 * A symbol several tokens share is never guessed. The token registry says so (AmbiguousTokenError,
 * with the candidates); this module decides what the user sees and how they choose: for a typed
 * command, one button per candidate (`pickReply`), whose press is the same command call with the
 * chosen mint in place of the symbol (`readPick`), validated again like a typed one; for a command
 * that takes several tokens, the candidates listed under its answer (`resolveEach`, `listCandidates`).
 */

/** Pseudo-command of the pick buttons. */
export const PICK = "__pick";

const PICK_TTL_MS = 10 * 60_000;
const pickPayload = z.object({ ...storedCall, query: z.string().min(1).max(64), mint: z.string().min(1).max(64) });

/** Candidates listed per ambiguous token in an answer about several (the pick list shows all). */
const MAX_LISTED = 5;

/** `$moon`, `MOON` and ` moon ` all name the query `moon`. */
const names = (word: unknown, query: string): word is string =>
  typeof word === "string" && word.trim().replace(/^\$/, "").toLowerCase() === query.toLowerCase();

/**
 * The call's arguments with `mint` in place of the first word naming `query` (in the order the words
 * were typed), or undefined when no argument names it.
 */
function withMint(cmd: AnyCommand, args: Record<string, unknown>, query: string, mint: string): Record<string, unknown> | undefined {
  const out = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(args)) out[key] = args[key];
  const keys = [...new Set([...(cmd.positional as string[]), ...Object.keys(out)])];
  for (const key of keys) {
    const v = Object.hasOwn(out, key) ? out[key] : undefined;
    if (names(v, query)) {
      out[key] = mint;
      return out;
    }
    const i = Array.isArray(v) ? v.findIndex((w) => names(w, query)) : -1;
    if (Array.isArray(v) && i >= 0) {
      out[key] = v.map((w: unknown, j) => (j === i ? mint : w));
      return out;
    }
  }
  return undefined;
}

/**
 * The answer to an ambiguous symbol in a command the user typed (or picked): one button per
 * candidate. Undefined when the call cannot be re-run with a mint (the symbol is none of its words).
 */
export async function pickReply(actions: ActionsPort, userId: string, call: CommandCall, err: AmbiguousTokenError): Promise<Reply | undefined> {
  if (call.origin !== "typed" && call.origin !== "picked") return undefined;
  const q = err.query;
  if (!withMint(call.command, call.raw, q, "")) return undefined;
  const args = { ...call.raw };
  const buttons = await actions.issue(
    userId,
    PICK,
    err.candidates.map((t) => ({ label: choiceLabel(t), action: "pick", payload: { command: call.command.name, args, query: q, mint: t.mint } })),
    PICK_TTL_MS,
  );
  const r = reply("warning").line(`"${q.slice(0, 20)}" matches ${err.candidates.length} tokens. Which one do you mean?`);
  for (const b of buttons) r.buttons(b);
  return r.build();
}

/** A pressed pick button: the command call it stands for, the chosen mint in place of the symbol. */
export function readPick(rec: ActionRecord, registry: CommandRegistryView): CommandCall {
  const p = readPayload(pickPayload, { action: rec.action, payload: rec.payload });
  const cmd = registry.get(p.command);
  const raw = cmd && rec.action === "pick" ? withMint(cmd, p.args, p.query, p.mint) : undefined;
  if (!cmd || !raw) throw new UserError("action_unknown", "That button no longer does anything.");
  return { kind: "command", command: cmd, raw, origin: "picked" };
}

export type Resolution = { query: string; token: Token } | { query: string; ambiguous: AmbiguousTokenError } | { query: string; error: UserError };

/**
 * Several symbols at once (`/price SOL MOON`): each resolved; an ambiguous or unknown one is kept as
 * such, never guessed. A single symbol's failure is thrown instead, so the router can offer the pick list.
 */
export async function resolveEach(queries: readonly string[], resolve: (q: string) => Promise<Token>): Promise<Resolution[]> {
  const out: Resolution[] = [];
  for (const query of queries) {
    try {
      out.push({ query, token: await resolve(query) });
    } catch (err) {
      if (queries.length === 1 || !isUserError(err)) throw err;
      out.push(err instanceof AmbiguousTokenError ? { query, ambiguous: err } : { query, error: err });
    }
  }
  return out;
}

/** The table cell of a symbol that was not resolved. */
export const unresolvedText = (r: Exclude<Resolution, { token: Token }>): string =>
  "ambiguous" in r ? `${r.ambiguous.candidates.length} tokens match, listed below; not priced` : r.error.message;

/** Under an answer about several tokens: the candidates of each ambiguous one, and how to choose. */
export function listCandidates(out: ReplyBuilder, resolutions: readonly Resolution[], command: string): void {
  for (const r of resolutions) {
    if (!("ambiguous" in r)) continue;
    const a = r.ambiguous;
    const name = a.query.slice(0, 20).toUpperCase();
    out.line(bold(`${name} matches ${a.candidates.length} tokens:`));
    for (const t of a.candidates.slice(0, MAX_LISTED)) out.line(`- ${choiceLabel(t)}`);
    if (a.candidates.length > MAX_LISTED) out.line(`- and ${a.candidates.length - MAX_LISTED} more`);
    out.line(`Use /${command} <mint> for the one you mean, or /${command} ${name} on its own to pick from a list.`);
  }
}
