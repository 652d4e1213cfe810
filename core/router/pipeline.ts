import type { Logger } from "../ports/logger.port.js";
import type { ResolvedUser } from "../services/identity.service.js";
import type { ActionInvocation, AnyCommand } from "./command.js";
import type { InboundMessage, Reply } from "./message.js";

/** What the router tells the adapter beside the reply (e.g. the error code, so a refused button becomes an alert). */
export interface ReplyMeta {
  code?: string;
}

export type Responder = (reply: Reply, meta?: ReplyMeta) => Promise<void>;

export type Outcome = "replied" | "duplicate" | "ignored" | "error";

/** One context object flows through every step, as in grammY. */
export interface RouterContext {
  msg: InboundMessage;
  respond: Responder;
  corr: string;
  log: Logger;
  startedAt: number;
  text: string;
  resolved?: ResolvedUser;
  command?: AnyCommand;
  rawArgs?: Record<string, unknown>;
  invocation?: ActionInvocation;
  args?: unknown;
  reply?: Reply;
  outcome: Outcome;
  errorCode?: string;
  /** The reply should replace the message whose button was pressed. */
  editsOriginal?: boolean;
  /** This message has spent its per-user rate-limit point (free text spends it before any model call). */
  admitted?: boolean;
  /** This process claimed the update (dedupe): it is marked done once handling ends. */
  claimed?: boolean;
  /** The command (or button action) started running: from here on a failure may have done part of it. */
  ran?: boolean;
  /** A note from the intent resolver, shown under the command's reply. */
  note?: string;
  /**
   * The command came from free text ("proposed": a state-changing one is previewed, not run) or from
   * the requester's Confirm of such a preview ("confirmed").
   */
  proposal?: "proposed" | "confirmed";
}

export type Middleware = (ctx: RouterContext, next: () => Promise<void>) => Promise<void>;

/** Koa/grammY-style composition: each step decides whether to call the rest. */
export function compose(steps: readonly Middleware[]): (ctx: RouterContext) => Promise<void> {
  return (ctx) => {
    const run = (i: number): Promise<void> => {
      const step = steps[i];
      if (!step) return Promise.resolve();
      let called = false;
      return step(ctx, () => {
        if (called) return Promise.reject(new Error(`step ${i} called next() twice`));
        called = true;
        return run(i + 1);
      });
    };
    return run(0);
  };
}
