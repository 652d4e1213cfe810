import type { z } from "zod";
import type { PortName, PortsOf } from "../../core/ports/commands.port.js";
import { silentLogger } from "../../core/ports/logger.port.js";
import { readPayload, type ActionInvocation, type ActionSchemas, type Command, type CommandContext } from "../../core/router/command.js";
import type { Reply } from "../../core/router/message.js";
import { CommandRegistry } from "../../core/router/registry.js";

/** Buttons a command issued in a context built here: their specs, in order (tokens are `t1`, `t2`, ...). */
export interface IssuedButtons {
  specs: Array<{ label: string; action: string; payload?: unknown }>;
}

/**
 * A command's context from just the ports it declares: a user `u1` on telegram in a private chat, no
 * registry, a button issuer that records what it issued. Override anything (msg, isAdmin, ...).
 */
export function commandContext<N extends PortName>(
  services: PortsOf<N>,
  over: Partial<Omit<CommandContext<N>, "services">> = {},
): CommandContext<N> & { issued: IssuedButtons } {
  const issued: IssuedButtons = { specs: [] };
  const user = { id: "u1", displayName: "alice", role: "user" as const, createdAt: 0 };
  const identity = { platform: "telegram" as const, platformUserId: "5", userId: "u1", displayName: "alice", linkedAt: 0 };
  return {
    msg: { platform: "telegram", updateId: "1", chat: { id: "5", kind: "private" }, sender: { id: "5", name: "alice" }, text: "" },
    user,
    identity,
    identities: [identity],
    isAdmin: false,
    registry: new CommandRegistry([]),
    log: silentLogger,
    corr: "test",
    buttons: async (specs) => {
      issued.specs.push(...specs);
      return specs.map((s, i) => ({ label: s.label, action: `t${issued.specs.length - specs.length + i + 1}`, ...(s.style ? { style: s.style } : {}) }));
    },
    ...over,
    services,
    issued,
  };
}

/** Runs a command on just the ports it declares, with raw args parsed by its own schema. */
export function runCommand<S extends z.ZodObject, N extends PortName>(
  cmd: Command<S, ActionSchemas, N>,
  services: PortsOf<N>,
  args: z.input<S>,
  over: Partial<Omit<CommandContext<N>, "services">> = {},
): Promise<Reply> {
  return cmd.run(commandContext(services, over), cmd.args.parse(args));
}

/** Presses one of a command's buttons on just the ports it declares. */
export function pressCommand<S extends z.ZodObject, N extends PortName>(
  cmd: Command<S, ActionSchemas, N>,
  services: PortsOf<N>,
  invocation: ActionInvocation,
  over: Partial<Omit<CommandContext<N>, "services">> = {},
): Promise<Reply> {
  const ctx = commandContext(services, over);
  const action = cmd.actions && Object.hasOwn(cmd.actions, invocation.action) ? cmd.actions[invocation.action] : undefined;
  if (!action) throw new Error(`/${cmd.name} has no button "${invocation.action}"`);
  return action.run(ctx, readPayload(action.payload, invocation));
}
