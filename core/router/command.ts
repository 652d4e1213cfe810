import { z } from "zod";
import { UserError } from "../errors.js";
import type { Identity, User } from "../domain/identity.js";
import type { Logger } from "../ports/logger.port.js";
import type { ButtonSpec } from "../ports/actions.port.js";
import type { CommandPorts, PortName, PortsOf } from "../ports/commands.port.js";
import type { Button, InboundMessage, Reply } from "./message.js";

/**
 * Who may run something, where: public (anyone, anywhere), private (only in a private chat), admin
 * (admins only). Declared for a command, for a subcommand and for a button; core/router/preconditions.ts
 * judges them all in one place, and every refusal is audit-logged there.
 */
export type Scope = "public" | "private" | "admin";

/** A scope, optionally with the sentence a refused user sees instead of the default one. */
export type ScopeRule = Scope | { scope: Scope; refusal: string };

/**
 * Scopes of subcommands: for an arg (e.g. `action`), the scope of some of its values.
 * `{ action: { export: "private" } }`: `/wallet export` only in a private chat. A key of two words names
 * the value followed by the next positional arg's: `{ action: { "pause all": "admin" } }` makes
 * `/auto pause all` admin-only while `/auto pause` stays the user's own.
 */
export type SubcommandScopes<A> = { [K in keyof A]?: Partial<Record<Extract<A[K], string> | `${Extract<A[K], string>} ${string}`, ScopeRule>> };

export type CommandGroup = "General" | "Account" | "Market" | "Trading" | "Automations" | "Alerts" | "Assistant" | "Treasury" | "Admin";

/** What a command's run() and onAction() get; `services` holds only the ports it declared in `needs`. */
export interface CommandContext<N extends PortName = never> {
  msg: InboundMessage;
  user: User;
  identity: Identity;
  identities: Identity[];
  isAdmin: boolean;
  services: PortsOf<N>;
  registry: CommandRegistryView;
  log: Logger;
  /** Correlation id, quoted to the user when something unexpected happens. */
  corr: string;
  /** Buttons bound to this user, persisted before the reply goes out. */
  buttons(specs: ButtonSpec[], ttlMs?: number): Promise<Button[]>;
}

export interface ActionInvocation {
  action: string;
  payload: unknown;
}

/**
 * One of a command's buttons: the zod schema of the payload it was issued with, who may press it
 * where, and what pressing it does. The router reads the stored payload with the schema (own keys
 * only, nothing undeclared; a missing payload reads as `{}`) and calls `run` with the typed result:
 * a forged or stale payload never reaches the command.
 */
export interface Action<P extends z.ZodObject = z.ZodObject, N extends PortName = never> {
  payload: P;
  scope?: ScopeRule;
  // A function property (not a method): checked strictly against the ports the command declared.
  run: (ctx: CommandContext<N>, payload: z.infer<P>) => Promise<Reply>;
}

/** Payload schemas of a command's buttons, by action name. */
export type ActionSchemas = Record<string, z.ZodObject>;
export type Actions<A extends ActionSchemas, N extends PortName = never> = { [K in keyof A]: Action<A[K], N> };

// The args schema is any zod object; positional tokens map onto its keys in order. N: the ports it needs.
export interface Command<S extends z.ZodObject = z.ZodObject, A extends ActionSchemas = ActionSchemas, N extends PortName = never> {
  name: string;
  aliases?: string[];
  group: CommandGroup;
  summary: string;
  /** Usage line without the leading slash, e.g. `price <token> [more tokens]`. */
  usage: string;
  examples?: string[];
  scope: Scope;
  /** Narrower scopes of some subcommands (`/wallet export`: private chat only). */
  subcommands?: SubcommandScopes<z.infer<S>>;
  args: S;
  /** Keys of `args` filled by positional words, in order. */
  positional: Array<keyof z.infer<S> & string>;
  /** When true the last positional key receives an array of every remaining word. */
  variadic?: boolean;
  /**
   * Replies are private data (balances, wallets, trades): never shown in a group. Not a precondition:
   * the command runs anywhere and its answer goes to the requester alone (`scope: "private"` refuses).
   */
  privateReply?: boolean;
  /** Offered to the LLM as a tool (default: yes, unless admin scope; see isLlmTool). Anything moving funds out must say false. */
  llmTool?: boolean;
  /**
   * Removes, cancels or pauses something of the user's. Typed, it runs at once; proposed from free text
   * (the model), it becomes a preview with Confirm/Cancel bound to the requester and runs only on their
   * Confirm. Trades need not say it: their run() is already a preview. A function decides from the
   * parsed args (e.g. /auto: listing runs at once, cancel and pause wait for Confirm).
   */
  confirmFromModel?: boolean | ((args: Record<string, unknown>) => boolean);
  /**
   * The ports run() and the actions use, by name (`needs: ["market", "tokens"]`); the router passes exactly
   * these and `ctx.services` offers nothing else. None declared: none passed.
   */
  needs?: readonly N[];
  // Function properties, not methods: checked strictly, so a handler that needs an undeclared port does not fit.
  run: (ctx: CommandContext<NoInfer<N>>, args: z.infer<S>) => Promise<Reply>;
  /** The command's buttons, each with its payload schema (`ctx.buttons` may issue only these). */
  actions?: Actions<A, NoInfer<N>>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCommand = Command<any, any, any>;

/** A word from a fixed list, any case ("Above", "7D"); slash-command adapters show the list as choices. */
export const choiceArg = <const V extends readonly [string, ...string[]]>(values: V, message: string) =>
  z
    .string()
    .transform((s) => s.toLowerCase())
    .pipe(z.enum(values, { message }));

/** Identity function that keeps a command's arg types, buttons and needs (`export default defineCommand({...})`). */
export const defineCommand = <S extends z.ZodObject, A extends ActionSchemas = ActionSchemas, const N extends PortName = never>(
  c: Command<S, A, N>,
): Command<S, A, N> => c;

/** Identity function that types buttons shared by several commands (each `run` gets its payload's type). */
export const defineActions = <A extends ActionSchemas, const N extends PortName = never>(a: Actions<A, N>): Actions<A, N> => a;

/** The ports a command declared, and only those: one it did not name is not there to reach. */
export function portsFor<N extends PortName>(all: CommandPorts, needs: readonly N[] = []): PortsOf<N> {
  const out: Partial<Record<PortName, unknown>> = {};
  for (const n of needs) if (all[n] !== undefined) out[n] = all[n];
  return out as PortsOf<N>;
}

export interface CommandRegistryView {
  get(name: string): AnyCommand | undefined;
  all(): readonly AnyCommand[];
  suggest(name: string): string | undefined;
}

/** Why untrusted JSON was refused before its schema saw it. */
export type OwnRefusal = { ok: false; why: "not_an_object" | "unexpected_key"; key?: string };

/**
 * Untrusted JSON (a model's tool call, a stored button payload, words bound to args) as a null-prototype
 * copy of its own properties, refused when it is not a plain object or has a key the schema does not
 * declare. Own-property checks only: `constructor`, `__proto__`, `toString` are "in" every object and
 * never in a shape, and nothing is ever read through a prototype.
 */
export function ownFields(value: unknown, schema: z.ZodObject): { ok: true; value: Record<string, unknown> } | OwnRefusal {
  if (!value || typeof value !== "object" || Array.isArray(value)) return { ok: false, why: "not_an_object" };
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return { ok: false, why: "not_an_object" };
  const shape = schema.shape as Record<string, unknown>;
  const out = Object.create(null) as Record<string, unknown>;
  for (const key of Reflect.ownKeys(value)) {
    if (typeof key !== "string" || !Object.hasOwn(shape, key)) return { ok: false, why: "unexpected_key", key: String(key).slice(0, 40) };
    out[key] = (value as Record<string, unknown>)[key];
  }
  return { ok: true, value: out };
}

const strictSchemas = new WeakMap<z.ZodObject, z.ZodObject>();
const strictOf = (schema: z.ZodObject): z.ZodObject => {
  let s = strictSchemas.get(schema);
  if (!s) strictSchemas.set(schema, (s = schema.strict()));
  return s;
};

/** A zod object parse of untrusted JSON: own keys only (ownFields), then the schema made strict. */
export function parseOwn<S extends z.ZodObject>(schema: S, value: unknown): { ok: true; data: z.infer<S> } | OwnRefusal | { ok: false; why: "invalid"; issue: z.core.$ZodIssue | undefined } {
  const own = ownFields(value, schema);
  if (!own.ok) return own;
  const r = strictOf(schema).safeParse(own.value);
  return r.success ? { ok: true, data: r.data as z.infer<S> } : { ok: false, why: "invalid", issue: r.error.issues[0] };
}

/** A button's payload through the schema its command declares; anything else is a forged or stale button. */
export function readPayload<S extends z.ZodObject>(schema: S, invocation: ActionInvocation): z.infer<S> {
  const r = parseOwn(schema, invocation.payload);
  if (!r.ok) throw new UserError("action_unknown", "That button is not valid.");
  return r.data;
}
