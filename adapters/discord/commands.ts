import { createHash } from "node:crypto";
import type { z } from "zod";
import type { AnyCommand } from "../../core/router/command.js";

/** Discord application command option types we use (STRING, INTEGER, NUMBER). */
export const OPTION = { string: 3, integer: 4, number: 10 } as const;
type OptionKind = keyof typeof OPTION;

/** Option names whose values are tokens: answered by autocomplete from the built-in registry. */
export const TOKEN_OPTIONS: ReadonlySet<string> = new Set(["token", "from", "to", "pay", "receive", "tokens"]);

const NAME = /^[-_\p{L}\p{N}]{1,32}$/u;
const MAX_CHOICES = 25;
const MAX_OPTIONS = 25;

/** One positional argument of a command, as a Discord option. */
export interface OptionSpec {
  key: string;
  kind: OptionKind;
  required: boolean;
  variadic: boolean;
  autocomplete: boolean;
  choices?: string[];
  min?: number;
  max?: number;
  description: string;
  /** Text the router would read when the option is left empty but a later one is given (its zod default). */
  fill?: string;
}

export interface DiscordCommandOption {
  type: number;
  name: string;
  description: string;
  required?: boolean;
  autocomplete?: boolean;
  choices?: Array<{ name: string; value: string }>;
  min_value?: number;
  max_value?: number;
}

export interface DiscordCommandDefinition {
  type: 1;
  name: string;
  description: string;
  options: DiscordCommandOption[];
  default_member_permissions?: string;
  contexts?: number[];
  integration_types?: number[];
}

interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  entries?: Record<string, string | number>;
}
const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** Looks through optional/default/pipe wrappers for what Discord can express: kind, choices, bounds. */
function shapeOf(schema: z.ZodType): { kind: OptionKind; choices?: string[]; min?: number; max?: number } {
  let s = schema;
  for (let i = 0; i < 12; i++) {
    const d = defOf(s);
    if (["optional", "default", "prefault", "nullable", "catch", "readonly", "nonoptional"].includes(d.type) && d.innerType) {
      s = d.innerType;
      continue;
    }
    if (d.type === "pipe" && d.in && d.out) {
      const out = defOf(d.out).type;
      s = out === "enum" || out === "number" ? d.out : d.in;
      continue;
    }
    if (d.type === "enum" && d.entries) {
      const values = Object.values(d.entries).map(String);
      return values.length <= MAX_CHOICES ? { kind: "string", choices: values } : { kind: "string" };
    }
    if (d.type === "number") {
      const n = s as unknown as { isInt?: boolean; minValue?: number | null; maxValue?: number | null };
      const out: { kind: OptionKind; min?: number; max?: number } = { kind: n.isInt ? "integer" : "number" };
      if (typeof n.minValue === "number" && Number.isFinite(n.minValue)) out.min = n.minValue;
      if (typeof n.maxValue === "number" && Number.isFinite(n.maxValue)) out.max = n.maxValue;
      return out;
    }
    break;
  }
  return { kind: "string" };
}

const clip = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);
const humanize = (key: string) => key.replace(/[_-]+/g, " ").replace(/^./, (c) => c.toUpperCase());

/** "Token (e.g. SOL)" from the command's own examples, so descriptions stay true to the command. */
function describe(cmd: AnyCommand, index: number, variadic: boolean, schema: z.ZodType): string {
  const own = (schema as { description?: string }).description;
  if (own) return clip(own, 100);
  let example: string | undefined;
  for (const e of cmd.examples ?? []) {
    const words = e.trim().split(/\s+/).slice(1);
    if (words.length <= index) continue;
    // A variadic option shows the example with the most words; others the first that has one.
    const candidate = variadic ? words.slice(index).join(" ") : words[index];
    if (!variadic) {
      example = candidate;
      break;
    }
    const count = (x: string) => x.split(" ").length;
    if (!example || count(candidate ?? "") > count(example)) example = candidate;
  }
  const base = variadic ? `${humanize(cmd.positional[index] as string)}, space-separated` : humanize(cmd.positional[index] as string);
  return clip(example ? `${base} (e.g. ${example})` : base, 100);
}

/** The positional args of a command in order, as Discord options (required ones first, as Discord demands). */
export function optionSpecs(cmd: AnyCommand): OptionSpec[] {
  const shape = (cmd.args as z.ZodObject).shape as Record<string, z.ZodType>;
  const keys = cmd.positional as string[];
  const specs: OptionSpec[] = [];
  let optionalSeen = false;
  keys.forEach((key, i) => {
    const schema = shape[key];
    if (!schema) return;
    const variadic = cmd.variadic === true && i === keys.length - 1;
    const optional = schema.safeParse(undefined).success;
    optionalSeen ||= optional;
    const s = variadic ? { kind: "string" as const } : shapeOf(schema);
    const autocomplete = TOKEN_OPTIONS.has(key) && !s.choices;
    const spec: OptionSpec = {
      key,
      kind: s.kind,
      // A required option after an optional one is not allowed by Discord: the router still checks.
      required: !optional && !optionalSeen,
      variadic,
      autocomplete,
      description: describe(cmd, i, variadic, schema),
    };
    if ("choices" in s && s.choices) spec.choices = s.choices;
    if ("min" in s && s.min !== undefined) spec.min = s.min;
    if ("max" in s && s.max !== undefined) spec.max = s.max;
    const dflt = schema.safeParse(undefined);
    if (dflt.success && dflt.data !== undefined && !Array.isArray(dflt.data)) spec.fill = String(dflt.data);
    specs.push(spec);
  });
  return specs.slice(0, MAX_OPTIONS);
}

/** One slash command per registry command (aliases are not registered). */
export function slashCommands(commands: readonly AnyCommand[], scope: "global" | "guild"): DiscordCommandDefinition[] {
  const out: DiscordCommandDefinition[] = [];
  for (const cmd of commands) {
    if (!NAME.test(cmd.name) || cmd.name !== cmd.name.toLowerCase()) continue;
    const def: DiscordCommandDefinition = {
      type: 1,
      name: cmd.name,
      description: clip(cmd.summary || cmd.name, 100),
      options: optionSpecs(cmd).map((o) => {
        const opt: DiscordCommandOption = { type: OPTION[o.kind], name: o.key.toLowerCase(), description: o.description };
        if (o.required) opt.required = true;
        if (o.choices) opt.choices = o.choices.map((c) => ({ name: clip(c, 100), value: c }));
        if (o.autocomplete) opt.autocomplete = true;
        if (o.min !== undefined) opt.min_value = o.min;
        if (o.max !== undefined) opt.max_value = o.max;
        return opt;
      }),
    };
    if (cmd.scope === "admin") def.default_member_permissions = "0";
    if (scope === "global") {
      def.contexts = [0, 1]; // guilds and the bot's DMs
      def.integration_types = [0];
    }
    out.push(def);
  }
  return out;
}

/** Stable fingerprint of what we would register, so unchanged definitions are not PUT again. */
export function definitionsHash(applicationId: string, defs: readonly DiscordCommandDefinition[]): string {
  return createHash("sha256").update(JSON.stringify({ applicationId, defs })).digest("hex");
}

const QUOTE_PAIRS: Array<[string, string]> = [
  ['"', '"'],
  ["'", "'"],
  ["\u201C", "\u201D"],
  ["\u00AB", "\u00BB"],
];

/** Quotes a value for the router's tokenizer when it holds spaces (or is empty). */
export function quoteArg(value: string): string {
  if (value !== "" && !/\s/.test(value) && !/^["'\u201C\u2018\u00AB]/.test(value)) return value;
  const pair = QUOTE_PAIRS.find(([, close]) => !value.includes(close));
  return pair ? `${pair[0]}${value}${pair[1]}` : value.replace(/\s+/g, "_");
}

/**
 * `/name arg1 arg2 ...` from a slash command's options, in the command's positional order. A variadic
 * last option is passed through as typed (space-separated words); a gap before a given option is filled
 * with the earlier option's default so positions stay right.
 */
export function commandText(name: string, cmd: AnyCommand | undefined, options: ReadonlyArray<{ name: string; value?: unknown }>): string {
  const given = new Map(options.filter((o) => o.value !== undefined && o.value !== null).map((o) => [o.name.toLowerCase(), String(o.value)]));
  const words: string[] = [];
  if (!cmd) {
    for (const v of given.values()) words.push(quoteArg(v));
    return [`/${name}`, ...words].join(" ");
  }
  const specs = optionSpecs(cmd);
  const lastGiven = specs.reduce((acc, s, i) => (given.has(s.key.toLowerCase()) ? i : acc), -1);
  for (let i = 0; i <= lastGiven; i++) {
    const s = specs[i]!;
    const v = given.get(s.key.toLowerCase());
    if (v === undefined) {
      if (s.fill === undefined) break; // cannot keep later positions right: the router reports the usage
      words.push(quoteArg(s.fill));
    } else if (s.variadic) words.push(v.trim());
    else words.push(quoteArg(v));
  }
  return [`/${cmd.name}`, ...words.filter((w) => w !== "")].join(" ");
}
