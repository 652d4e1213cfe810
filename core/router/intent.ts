import type { Identified } from "./pipeline.js";
import type { Reply } from "./message.js";

/** What free text means: a command to route exactly as if typed, a direct answer, or nothing. */
export type IntentResult =
  /** `note`: what the command does that the words did not say, shown under its reply (never changes what runs). */
  | { kind: "command"; name: string; args: Record<string, unknown>; note?: string }
  | { kind: "reply"; reply: Reply }
  | { kind: "none" };

/** Called with free text addressed to the bot (`ctx.text`), from a known sender. */
export interface IntentResolver {
  resolve(ctx: Identified): Promise<IntentResult>;
}
