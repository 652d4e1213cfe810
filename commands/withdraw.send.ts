import { z } from "zod";
import { formatUtc } from "../core/domain/format.js";
import type { Order } from "../core/domain/order.js";
import { UserError, isUserError } from "../core/errors.js";
import type { ConfirmResult } from "../core/ports/trading.port.js";
import type { PendingCodeStep } from "../core/ports/two-factor.port.js";
import type { WithdrawalsPort, WithdrawRequest } from "../core/ports/withdrawals.port.js";
import { defineActions, type CommandContext } from "../core/router/command.js";
import type { Reply } from "../core/router/message.js";
import { bold, reply } from "../core/router/reply.js";
import { statusText } from "../core/services/trade-format.js";
import { withdrawalRows, withdrawalWhat } from "../core/services/withdrawals/withdraw-format.js";
import { notifyTarget } from "./trade.common.js";

/**
 * Sending a withdrawal (issue 19), for /withdraw <amount|all> <token> to <label> (commands/withdraw.command.ts):
 * a preview with the exact amount, costs and destination and Confirm / Cancel bound to the user; Confirm
 * asks for a fresh 2FA code, and the code (commands/code.handlers.ts, kind "withdraw") completes it.
 * Private chats only, never a tool of the model: the command that uses these declares both.
 */

/** The ports these need besides the command's own: a command spreading `withdrawSendActions` declares them. */
export const WITHDRAW_SEND_NEEDS = ["withdrawals", "twoFactor", "clock", "info"] as const;
/** The kind of the 2FA step a Confirm opens (TwoFactorPort.expectCode). */
export const WITHDRAW_CODE_KIND = "withdraw";

const withdrawalsOf = (ctx: CommandContext<"withdrawals">): WithdrawalsPort => {
  const w = ctx.services.withdrawals;
  if (!w?.enabled) throw new UserError("withdrawals_off", "Withdrawals are off on this bot (the operator's WITHDRAWALS setting).");
  return w;
};

/** The preview: nothing moves until Confirm and a code. */
export async function previewWithdrawal(ctx: CommandContext<"withdrawals" | "clock">, req: WithdrawRequest): Promise<Reply> {
  const o = await withdrawalsOf(ctx).preview(ctx.user.id, { ...req, notify: notifyTarget(ctx) });
  const secs = Math.max(0, Math.round((o.quoteExpiresAt - ctx.services.clock.now()) / 1000));
  const [confirm, cancel] = await ctx.buttons(
    [
      { label: o.mode === "live" ? "Confirm (LIVE)" : "Confirm", action: "withdrawConfirm", payload: { orderId: o.id }, style: "danger" },
      { label: "Cancel", action: "withdrawCancel", payload: { orderId: o.id }, style: "primary" },
    ],
    secs * 1000 + 60_000,
  );
  return reply("warning")
    .line(bold("Withdrawal preview"), ` - order ${o.id}`)
    .table([...withdrawalRows(o).filter(([k]) => k !== "Order"), ["Expires", `in ${secs} s (${formatUtc(o.quoteExpiresAt).slice(11)})`]])
    .line("Check the address character by character. Funds sent to the wrong address cannot be recovered.")
    .line("Nothing is sent until you press Confirm and then send a fresh code from your authenticator app.")
    .buttons(confirm!, cancel!)
    .private_()
    .build();
}

/** The payload of both buttons: the withdrawal they act on. */
const orderRef = z.object({ orderId: z.string().regex(/^o_[0-9a-f]{16}$/) });

/** Confirm asks for the code (the order stays previewed until the code arrives); Cancel ends it. */
export const withdrawSendActions = defineActions<{ withdrawConfirm: typeof orderRef; withdrawCancel: typeof orderRef }, "withdrawals" | "twoFactor" | "clock">({
  withdrawConfirm: { payload: orderRef, scope: "private", run: askForCode },
  withdrawCancel: { payload: orderRef, scope: "private", run: cancelWithdrawal },
});

async function askForCode(ctx: CommandContext<"withdrawals" | "twoFactor" | "clock">, { orderId }: z.infer<typeof orderRef>): Promise<Reply> {
  const o = await withdrawalsOf(ctx).order(ctx.user.id, orderId);
  if (o.status !== "previewed") return already(o);
  const ttl = o.quoteExpiresAt - ctx.services.clock.now();
  if (ttl <= 0) return reply("warning").line("That preview expired; nothing was sent. Ask again with /withdraw.").private_().build();
  const twoFactor = ctx.services.twoFactor;
  if (!twoFactor) throw new UserError("twofa_off", "Withdrawals need two-factor authentication, which is not available here.");
  await twoFactor.expectCode(ctx.user.id, { kind: WITHDRAW_CODE_KIND, ref: o.id }, ttl);
  return reply()
    .line(bold("Send the code"), ` from your authenticator app (or a recovery code) to withdraw ${withdrawalWhat(o)}.`)
    .line(`Just the code, in this chat, within ${Math.ceil(ttl / 60_000)} min. Nothing is sent without it.`)
    .private_()
    .edit()
    .build();
}

async function cancelWithdrawal(ctx: CommandContext<"withdrawals">, { orderId }: z.infer<typeof orderRef>): Promise<Reply> {
  const o = await withdrawalsOf(ctx).cancel(ctx.user.id, orderId);
  return reply().line(o.status === "cancelled" ? "Cancelled. Nothing was sent." : `Already done: this withdrawal is ${statusText(o)}.`).private_().edit().build();
}

/** Codes that may simply be typed again: the step waits for the next one (until the preview expires). */
const RETRY_CODES = new Set(["twofa_bad_code", "twofa_reused"]);

/**
 * The "withdraw" step of commands/code.handlers.ts: the code confirms the withdrawal (checked before the
 * order is claimed; wrong or reused: the step keeps waiting for the right one until the preview expires).
 */
export async function withdrawCodeHandler(
  ctx: CommandContext<"withdrawals" | "twoFactor" | "info" | "clock">,
  step: PendingCodeStep | string,
  code: string,
): Promise<Reply> {
  const orderId = typeof step === "string" ? step : step.ref;
  const withdrawals = withdrawalsOf(ctx);
  let r: ConfirmResult;
  try {
    r = await withdrawals.confirmWithCode(ctx.user.id, orderId, code, { toldByReply: true });
  } catch (err) {
    if (isUserError(err) && RETRY_CODES.has(err.code) && ctx.services.twoFactor) {
      const o = await withdrawals.order(ctx.user.id, orderId).catch(() => undefined);
      const ttl = o && o.status === "previewed" ? o.quoteExpiresAt - ctx.services.clock.now() : 0;
      if (ttl > 0) await ctx.services.twoFactor.expectCode(ctx.user.id, { kind: WITHDRAW_CODE_KIND, ref: orderId }, ttl);
    }
    throw err;
  }
  const told = outcomeReply(ctx, r);
  // Delivered, this reply tells the outcome; if the process dies first, reconciliation pushes it.
  return r.kind === "already" || r.kind === "pending" ? told : { ...told, tellsOrder: r.order.id };
}

function already(o: Order): Reply {
  return reply().line(`Already done: this withdrawal is ${statusText(o)}.`).private_().build();
}

function outcomeReply(ctx: CommandContext<"info">, r: ConfirmResult): Reply {
  const o = r.order;
  const rows = withdrawalRows(o, ctx.services.info.explorerTx);
  switch (r.kind) {
    case "filled":
      return reply("success").line(bold(o.mode === "paper" ? "Withdrawn (paper, simulated)" : "Withdrawal landed"), `: ${withdrawalWhat(o)}`).table(rows).private_().build();
    case "pending":
      return reply()
        .line(bold("Sent to Solana"), ` - ${withdrawalWhat(o)}, waiting for it to land. I'll tell you on every platform you linked.`)
        .table(rows)
        .private_()
        .build();
    case "expired":
      return reply("warning").line("That preview expired, so nothing was sent. Ask again with /withdraw.").private_().build();
    case "refused":
      return reply("error").line(bold("Refused: "), `the withdrawal transaction was unsafe (${o.error}). Nothing was signed or sent.`).private_().build();
    case "failed":
      return reply("error")
        .line(bold("Withdrawal failed: "), o.error ?? "failed", o.signature ? ". Check /balance." : ". Nothing was sent.")
        .private_()
        .build();
    case "already":
      return already(o);
  }
}
