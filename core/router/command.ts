import { z } from "zod";
import type { Identity, User } from "../domain/identity.js";
import type { Logger } from "../ports/logger.port.js";
import type { ButtonSpec } from "../services/actions.service.js";
import type { Services } from "../services/index.js";
import type { Button, InboundMessage, Reply } from "./message.js";

/** public: anyone, anywhere; private: only in a private chat; admin: admins only. */
export type Scope = "public" | "private" | "admin";

export type CommandGroup = "General" | "Account" | "Market" | "Trading" | "Alerts" | "Assistant" | "Treasury" | "Admin";

export interface CommandContext {
  msg: InboundMessage;
  user: User;
  identity: Identity;
  identities: Identity[];
  isAdmin: boolean;
  services: Services;
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

// The args schema is any zod object; positional tokens map onto its keys in order.
export interface Command<S extends z.ZodObject = z.ZodObject> {
  name: string;
  aliases?: string[];
  group: CommandGroup;
  summary: string;
  /** Usage line without the leading slash, e.g. `price <token> [more tokens]`. */
  usage: string;
  examples?: string[];
  scope: Scope;
  args: S;
  /** Keys of `args` filled by positional words, in order. */
  positional: Array<keyof z.infer<S> & string>;
  /** When true the last positional key receives an array of every remaining word. */
  variadic?: boolean;
  /** Replies are private data (balances, wallets, trades): never shown in a group. */
  privateReply?: boolean;
  /** Offered to the LLM as a tool (default: not for admin scope). Anything moving funds out must say false. */
  llmTool?: boolean;
  run(ctx: CommandContext, args: z.infer<S>): Promise<Reply>;
  onAction?(ctx: CommandContext, invocation: ActionInvocation): Promise<Reply>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCommand = Command<any>;

/** A word from a fixed list, any case ("Above", "7D"); slash-command adapters show the list as choices. */
export const choiceArg = <const V extends readonly [string, ...string[]]>(values: V, message: string) =>
  z
    .string()
    .transform((s) => s.toLowerCase())
    .pipe(z.enum(values, { message }));

/** Identity function that keeps a command's arg types (`export default defineCommand({...})`). */
export const defineCommand = <S extends z.ZodObject>(c: Command<S>): Command<S> => c;

export interface CommandRegistryView {
  get(name: string): AnyCommand | undefined;
  all(): readonly AnyCommand[];
  suggest(name: string): string | undefined;
}
