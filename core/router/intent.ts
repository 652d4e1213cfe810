import type { RouterContext } from "./pipeline.js";
import type { Reply } from "./message.js";

/** What free text means: a command to route exactly as if typed, a direct answer, or nothing. */
export type IntentResult =
  | { kind: "command"; name: string; args: Record<string, unknown> }
  | { kind: "reply"; reply: Reply }
  | { kind: "none" };

export interface IntentResolver {
  resolve(ctx: RouterContext): Promise<IntentResult>;
}
