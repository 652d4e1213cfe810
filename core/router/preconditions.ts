import type { ChatKind } from "../domain/identity.js";
import type { RefusalCode } from "../errors.js";
import type { AnyCommand, Scope, ScopeRule } from "./command.js";
import type { Call } from "./pipeline.js";

/**
 * Preconditions, as Sapphire has them: each command declares its scope, and may narrow it for some
 * subcommands (`subcommands`) and buttons (`actions.<name>.scope`). They are judged here and nowhere
 * else, before the arguments are validated; the router audit-logs every refusal in one step.
 */

/** Who is asking, and where. */
export interface Caller {
  isAdmin: boolean;
  chat: ChatKind;
}

/** Why a call was refused: the user error's code and sentence, and the audit record's detail. */
export interface Refusal {
  code: RefusalCode;
  message: string;
  detail: Record<string, unknown>;
}

type Check = (caller: Caller, label: string) => { code: RefusalCode; message: string; where?: Record<string, unknown> } | undefined;

const CHECKS: Record<Exclude<Scope, "public">, Check> = {
  admin: (c, label) => (c.isAdmin ? undefined : { code: "admin_only", message: `/${label} is for admins only.` }),
  private: (c, label) =>
    c.chat === "private" ? undefined : { code: "private_only", message: `/${label} only works in a private chat with me.`, where: { chat: c.chat } },
};

/** One rule a call must pass: the scope, how the refusal names what was asked for, what the audit adds. */
interface Rule {
  rule: ScopeRule | undefined;
  label: string;
  about: Record<string, unknown>;
}

/** The first precondition the call fails, widest first (the command's scope, then its subcommand's or button's). */
export function refusalOf(call: Call, caller: Caller): Refusal | undefined {
  const cmd = call.command;
  const own = judge(cmd, { rule: cmd.scope, label: cmd.name, about: NOTHING }, caller);
  if (own) return own;
  for (const r of narrower(call)) {
    const refused = judge(cmd, r, caller);
    if (refused) return refused;
  }
  return undefined;
}

const NOTHING: Record<string, unknown> = Object.freeze({});
const NO_RULES: readonly Rule[] = [];

function judge(cmd: AnyCommand, { rule, label, about }: Rule, caller: Caller): Refusal | undefined {
  if (rule === undefined) return undefined;
  const scope = typeof rule === "string" ? rule : rule.scope;
  const failed = scope === "public" ? undefined : CHECKS[scope](caller, label);
  if (!failed) return undefined;
  return {
    code: failed.code,
    message: typeof rule === "string" ? failed.message : rule.refusal,
    detail: { command: cmd.name, reason: failed.code, ...failed.where, ...about },
  };
}

/** The subcommand's or button's rules (none for a command without subcommands: the common case). */
function narrower(call: Call): readonly Rule[] {
  if (call.kind === "action") {
    return [{ rule: call.def.scope, label: call.command.name, about: { action: call.action } }];
  }
  return call.command.subcommands ? subcommandRules(call.command, call.raw) : NO_RULES;
}

/**
 * The subcommand rules that apply to not-yet-validated arguments: each declared arg is read with its
 * own schema (own properties only; a default counts), and a value with a rule adds it. An arg that
 * does not parse adds nothing: validation refuses the call next.
 */
function subcommandRules(cmd: AnyCommand, raw: Record<string, unknown>): Rule[] {
  const declared = (cmd.subcommands ?? {}) as Record<string, Record<string, ScopeRule> | undefined>;
  const shape = cmd.args.shape as Record<string, { safeParse(v: unknown): { success: boolean; data?: unknown } } | undefined>;
  const read = (key: string | undefined): unknown => {
    const schema = key !== undefined && Object.hasOwn(shape, key) ? shape[key] : undefined;
    if (!schema || key === undefined) return undefined;
    const parsed = schema.safeParse(Object.hasOwn(raw, key) ? raw[key] : undefined);
    return parsed.success ? parsed.data : undefined;
  };
  const positional = cmd.positional as string[];
  const rules: Rule[] = [];
  for (const key of Object.keys(declared)) {
    const byValue = declared[key];
    const value = read(key);
    if (!byValue || typeof value !== "string") continue;
    // "pause all": the value and the next positional arg's, when a rule names both
    const at = positional.indexOf(key);
    const next = at < 0 ? undefined : read(positional[at + 1]);
    for (const sub of typeof next === "string" ? [value, `${value} ${next}`] : [value]) {
      if (Object.hasOwn(byValue, sub)) rules.push({ rule: byValue[sub], label: `${cmd.name} ${sub}`, about: { subcommand: sub } });
    }
  }
  return rules;
}

/**
 * Whether the model may be offered a command as a tool: the one place this is decided. Admin commands
 * never are; any other command is unless it says `llmTool: false` (anything that moves funds out,
 * reveals secrets, links accounts or spends the model's budget itself).
 */
export const isLlmTool = (cmd: Pick<AnyCommand, "scope" | "llmTool">): boolean => cmd.scope !== "admin" && cmd.llmTool !== false;
