// Placeholder (s28-book): the s28-send helper owns this file and replaces it with the real preview,
// Confirm/Cancel buttons and the "withdraw" code handler. Kept minimal so /withdraw compiles.
import { UserError } from "../core/errors.js";
import type { WithdrawRequest } from "../core/ports/withdrawals.port.js";
import { defineActions, type CommandContext } from "../core/router/command.js";
import type { Reply } from "../core/router/message.js";

/** The preview of a withdrawal with Confirm / Cancel; nothing moves. */
export async function previewWithdrawal(_ctx: CommandContext<"withdrawals">, _req: WithdrawRequest): Promise<Reply> {
  throw new UserError("withdrawals_off", "Withdrawals are off here.");
}

/** The preview's buttons (Confirm, Cancel). */
export const withdrawSendActions = defineActions<Record<never, never>, "withdrawals">({});
