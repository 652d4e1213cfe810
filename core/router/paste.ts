import type { ChatKind } from "../domain/identity.js";
import { mintFromPaste } from "../domain/mint-paste.js";
import type { CommandRegistryView } from "./command.js";
import type { CommandCall } from "./pipeline.js";

/** The command a pasted mint or token link runs (issue 18). */
export const PASTE_COMMAND = "token";

/**
 * "Paste to look": in a private chat, a message that is just a mint address or a token link is
 * `/token <mint>`, as if typed, without asking a model. In a group a paste is left alone (people share
 * links there, and Purser speaks only when spoken to).
 */
export function pasteCall(registry: CommandRegistryView, text: string, chat: ChatKind): CommandCall | undefined {
  if (chat !== "private") return undefined;
  const mint = mintFromPaste(text);
  const cmd = mint ? registry.get(PASTE_COMMAND) : undefined;
  if (!mint || !cmd) return undefined;
  const raw = Object.create(null) as Record<string, unknown>;
  raw[cmd.positional[0] ?? "query"] = mint;
  return { kind: "command", command: cmd, raw, origin: "typed" };
}
