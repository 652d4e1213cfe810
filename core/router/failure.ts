import { randomBytes } from "node:crypto";
import { isUnavailable, isUserError, type UnavailableError, type UserError } from "../errors.js";
import type { AnyCommand } from "./command.js";
import type { Reply } from "./message.js";
import type { RouterContext } from "./pipeline.js";
import { reply, textReply } from "./reply.js";

/** Random bytes drawn 4 KiB at a time: one system call per 1,024 correlation ids, not one each. */
let corrPool = Buffer.alloc(0);
let corrAt = 0;
export const newCorrelationId = (): string => {
  if (corrAt + 4 > corrPool.length) {
    corrPool = randomBytes(4096);
    corrAt = 0;
  }
  corrAt += 4;
  return corrPool.toString("hex", corrAt - 4, corrAt);
};

/**
 * The error boundary's answer to a failed message: a user error's own sentence, "temporarily
 * unavailable" for an unreachable dependency, else an apology with the correlation id. Logs it and
 * sets the context's error code and outcome.
 */
export function failureReply(ctx: RouterContext, err: unknown): Reply {
  ctx.outcome = "error";
  if (isUserError(err)) {
    ctx.errorCode = err.code;
    ctx.log.info({ code: err.code, command: ctx.command?.name }, "user error");
    return userErrorReply(err);
  }
  if (isUnavailable(err)) {
    ctx.errorCode = "unavailable";
    ctx.log.warn({ err, service: err.service, reason: err.reason, command: ctx.command?.name, ran: ctx.ran === true }, "dependency unavailable");
    return unavailableReply(err, ctx.ran ? ctx.command?.name : undefined);
  }
  ctx.errorCode = "internal";
  ctx.log.error({ err, command: ctx.command?.name }, "command failed");
  return textReply(`Sorry, something went wrong on our side. Reference: ${ctx.corr}`, "error");
}

/**
 * A dependency was unreachable. Before the command ran nothing was done, and the user may simply
 * send it again; once it ran (`ranCommand`), part of it may have happened, so they check first.
 */
export function unavailableReply(err: UnavailableError, ranCommand?: string): Reply {
  const what = err.service === "database" ? "its database cannot be reached" : `${err.service} cannot be reached`;
  return ranCommand === undefined
    ? textReply(`Purser is temporarily unavailable (${what}). Nothing was done: please try again in a minute.`, "error")
    : textReply(
        `Purser is temporarily unavailable (${what}), so /${ranCommand} may not have finished. Check in a minute before you repeat it.`,
        "error",
      );
}

export function userErrorReply(err: UserError): Reply {
  const r = reply("error").line(err.message);
  return r.build();
}

/** Whether a command the model proposed waits for the requester's Confirm (see `confirmFromModel`). */
export function needsModelConfirm(rule: AnyCommand["confirmFromModel"], args: unknown): boolean {
  if (typeof rule === "function") return rule((args ?? {}) as Record<string, unknown>);
  return rule === true;
}
