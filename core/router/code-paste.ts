import type { ChatKind } from "../domain/identity.js";
import { looksLikeOneTimeCode } from "../domain/one-time-code.js";
import type { CommandRegistryView } from "./command.js";
import type { CommandCall } from "./pipeline.js";

/** The command a message that is just a 2FA code runs (issue 19). */
export const CODE_COMMAND = "code";

/**
 * A message that is only a 2FA code (six digits, or a recovery code as xxxx-xxxx-xx): in a private chat
 * it is `/code <it>`, as if typed, and never reaches a model (a code is a secret for 30 seconds, and
 * model providers keep what they are sent). In a group it is ignored altogether: codes are never taken
 * there, and never sent to a model either. Undefined: not a code (or no /code here).
 */
export function codeCall(registry: CommandRegistryView, text: string, chat: ChatKind): CommandCall | "ignore" | undefined {
  const cmd = registry.get(CODE_COMMAND);
  if (!cmd) return undefined;
  // In a group the bot is addressed by @name: "@PurserBot 123456" is a code too.
  if (chat !== "private") return looksLikeOneTimeCode(text.replace(/@[A-Za-z0-9_]{1,64}/g, " ")) ? "ignore" : undefined;
  if (!looksLikeOneTimeCode(text)) return undefined;
  const raw = Object.create(null) as Record<string, unknown>;
  raw[cmd.positional[0] ?? "code"] = text.trim();
  return { kind: "command", command: cmd, raw, origin: "typed" };
}
