import { UserError } from "../errors.js";
import { parseOwn, type AnyCommand } from "./command.js";

export type ParsedText =
  | { kind: "command"; name: string; mention?: string; argText: string }
  | { kind: "text"; text: string }
  | { kind: "empty" };

/** Longest message we read; longer ones get a clear refusal (Telegram's own limit is 4,096). */
export const MAX_INPUT_CHARS = 4096;

// C0/C1 controls except tab and newline; bidi overrides and isolates (spoofing); zero-width joiners kept for emoji.
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;

export function sanitize(text: string): string {
  return text.replace(CONTROL, "").trim();
}

const COMMAND = /^\/([^\s@]{1,64})(?:@(\S{1,64}))?(?:\s+([\s\S]*))?$/;

export function splitCommand(text: string): ParsedText {
  const t = text.trim();
  if (!t) return { kind: "empty" };
  if (!t.startsWith("/")) return { kind: "text", text: t };
  const m = COMMAND.exec(t);
  if (!m) return { kind: "text", text: t };
  const out: ParsedText = { kind: "command", name: (m[1] ?? "").toLowerCase(), argText: (m[3] ?? "").trim() };
  if (m[2]) out.mention = m[2];
  return out;
}

const QUOTES: Record<string, string> = { '"': '"', "'": "'", "\u201C": "\u201D", "\u2018": "\u2019", "\u00AB": "\u00BB" };

/** Splits on whitespace; "quoted words" stay together. An unclosed quote is a UserError. */
export function tokenize(argText: string): string[] {
  const out: string[] = [];
  let cur = "";
  let has = false;
  let close: string | undefined;
  for (const ch of argText) {
    if (close !== undefined) {
      if (ch === close) close = undefined;
      else cur += ch;
      continue;
    }
    if (/\s/.test(ch)) {
      if (has) out.push(cur);
      cur = "";
      has = false;
    } else if (ch in QUOTES && !has) {
      close = QUOTES[ch];
      has = true;
    } else {
      cur += ch;
      has = true;
    }
  }
  if (close !== undefined) {
    throw new UserError("unbalanced_quotes", `A quote is not closed: add the missing ${close} and try again.`);
  }
  if (has) out.push(cur);
  return out;
}

/** Maps positional words onto the command's named args (before zod validates them). */
export function bindArgs(cmd: AnyCommand, words: string[]): Record<string, unknown> {
  // null prototype: words land in own properties only (the keys are the command's declared positionals)
  const out = Object.create(null) as Record<string, unknown>;
  const keys = cmd.positional as string[];
  if (words.length > keys.length && !cmd.variadic) {
    throw new UserError("bad_args", `Too many arguments. Usage: /${cmd.usage}`, { usage: cmd.usage });
  }
  keys.forEach((k, i) => {
    if (cmd.variadic && i === keys.length - 1) {
      const rest = words.slice(i);
      if (rest.length) out[k] = rest;
    } else if (words[i] !== undefined) out[k] = words[i];
  });
  return out;
}

/** A command call's arguments through its zod schema; a refusal names what is wrong and the usage line. */
export function validArgs(cmd: AnyCommand, raw: Record<string, unknown>): unknown {
  const parsed = parseOwn(cmd.args, raw);
  if (parsed.ok) return parsed.data;
  if (parsed.why !== "invalid") throw new UserError("bad_args", `Unexpected argument. Usage: /${cmd.usage}`, { usage: cmd.usage });
  const first = parsed.issue;
  const key = String(first?.path[0]);
  const missing = first?.code === "invalid_type" && first.path.length > 0 && (!Object.hasOwn(raw, key) || raw[key] === undefined);
  const why = missing ? `Missing ${key}. ` : first?.message && !/^Invalid input|^Required$/i.test(first.message) ? `${first.message}. ` : "";
  throw new UserError("bad_args", `${why}Usage: /${cmd.usage}`, { usage: cmd.usage });
}
