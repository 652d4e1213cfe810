import { closest, distance } from "fastest-levenshtein";
import type { AnyCommand, CommandRegistryView } from "./command.js";

export class CommandRegistry implements CommandRegistryView {
  private readonly byName = new Map<string, AnyCommand>();
  private readonly list: AnyCommand[] = [];

  constructor(commands: Iterable<AnyCommand> = []) {
    for (const c of commands) this.add(c);
  }

  add(cmd: AnyCommand): this {
    for (const n of [cmd.name, ...(cmd.aliases ?? [])]) {
      const key = n.toLowerCase();
      if (this.byName.has(key)) throw new Error(`command name clash: ${key}`);
      this.byName.set(key, cmd);
    }
    this.list.push(cmd);
    return this;
  }

  get(name: string): AnyCommand | undefined {
    return this.byName.get(name.toLowerCase());
  }

  all(): readonly AnyCommand[] {
    return this.list;
  }

  /** The nearest known name when it is close enough to be a typo. */
  suggest(name: string): string | undefined {
    const names = [...this.byName.keys()];
    if (!names.length || !name) return undefined;
    const best = closest(name.toLowerCase(), names);
    return distance(best, name.toLowerCase()) <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
  }
}
