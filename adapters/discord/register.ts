import { Routes, type REST } from "discord.js";
import type { KvStore } from "../../core/ports/kv.port.js";
import type { Logger } from "../../core/ports/logger.port.js";
import type { AnyCommand } from "../../core/router/command.js";
import { definitionsHash, slashCommands } from "./commands.js";
import { errorInfo } from "./flow.js";

export interface RegisterOptions {
  rest: REST;
  kv: KvStore;
  log: Logger;
  applicationId: string;
  commands: readonly AnyCommand[];
  /** Guild-scoped registration (instant, for development); otherwise global. */
  guildId?: string;
  now: () => number;
  /** Aborts the PUT when the start-up attempt is abandoned, so it does not hold the route's queue for the next one. */
  signal?: AbortSignal;
}

/** The kv key holding the hash of what was last registered for this scope. */
export const registrationKey = (guildId?: string) => `discord:commands:${guildId ? `guild:${guildId}` : "global"}`;

/**
 * Bulk-overwrites the slash commands (`PUT /applications/{app}[/guilds/{guild}]/commands`) only when the
 * definitions changed since the last successful registration: a sha256 of the JSON is kept in the kv store,
 * shared by every process on the database. Returns whether a PUT was sent.
 */
export async function registerCommands(o: RegisterOptions): Promise<"registered" | "unchanged" | "failed"> {
  const defs = slashCommands(o.commands, o.guildId ? "guild" : "global");
  const hash = definitionsHash(o.applicationId, defs);
  const key = registrationKey(o.guildId);
  if ((await o.kv.get(key)) === hash) {
    o.log.debug({ scope: key, commands: defs.length }, "discord commands unchanged");
    return "unchanged";
  }
  const route = o.guildId ? Routes.applicationGuildCommands(o.applicationId, o.guildId) : Routes.applicationCommands(o.applicationId);
  try {
    await o.rest.put(route, o.signal ? { body: defs, signal: o.signal } : { body: defs });
  } catch (err) {
    o.log.warn({ err: errorInfo(err), scope: key }, "discord command registration failed; will try again at the next start");
    return "failed";
  }
  await o.kv.set(key, hash, o.now());
  o.log.info({ scope: key, commands: defs.length }, "discord commands registered");
  return "registered";
}
