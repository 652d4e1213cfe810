import { formatUtc } from "../core/domain/format.js";
import { shortAddress, untilText } from "../core/domain/withdraw-address.js";
import { UserError } from "../core/errors.js";
import type { AddressBookPort } from "../core/ports/address-book.port.js";
import type { PendingCodeStep } from "../core/ports/two-factor.port.js";
import type { WithdrawAddress } from "../core/ports/withdrawals.port.js";
import type { CommandContext } from "../core/router/command.js";
import type { Reply } from "../core/router/message.js";
import { bold, code, reply } from "../core/router/reply.js";

/** The /withdraw address book's replies, and the code step that completes an addition. */

export type BookPorts = "addressBook" | "clock";

export const bookOf = (ctx: CommandContext<"addressBook">): AddressBookPort => {
  const b = ctx.services.addressBook;
  if (!b) throw new UserError("withdrawals_off", "Withdrawals are not set up here.");
  return b;
};

const hours = (ms: number) => `${Math.round(ms / 3_600_000)} h`;

/** An address just added: when it becomes usable, and that every linked platform was told. */
export function addedReply(ctx: CommandContext<BookPorts>, a: WithdrawAddress): Reply {
  const now = ctx.services.clock.now();
  const r = reply("success")
    .line(bold("Added "), code(a.label), ": ", code(a.address))
    .line(`Usable from ${formatUtc(a.usableAt)} (in ${untilText(a.usableAt - now)}): a new address always waits ${hours(a.usableAt - a.addedAt)}.`)
    .line("Every platform you linked was told at once, with a \"This wasn't me\" button that freezes withdrawals.");
  if (a.warning) r.line("Warning: ", a.warning);
  return r.private_().build();
}

/**
 * `/code <code>` (or a bare code in a private chat) for a pending `/withdraw add` (kind "address_add"):
 * registered in commands/code.handlers.ts.
 */
export async function addressAddCodeHandler(ctx: CommandContext<BookPorts>, step: PendingCodeStep, codeText: string): Promise<Reply> {
  const a = await bookOf(ctx).completeAdd(ctx.user.id, step.ref, codeText);
  return addedReply(ctx, a);
}

/** The book as a list: label, short address, usable now or from when, any warning; the freeze state. */
export async function bookReply(ctx: CommandContext<BookPorts>): Promise<Reply> {
  const book = bookOf(ctx);
  const [list, state] = await Promise.all([book.list(ctx.user.id), book.freezeState(ctx.user.id)]);
  const now = ctx.services.clock.now();
  const r = reply().line(bold("Your withdrawal addresses"));
  if (state.frozen) {
    r.line(
      bold("Frozen: "),
      state.by === "global" ? "the operator froze all withdrawals." : `since ${state.at ? formatUtc(state.at) : "earlier"}; unfreeze with /withdraw unfreeze <2FA code>.`,
    );
  }
  if (!list.length) return r.line("None yet. Add one with /withdraw add <label> <address> (needs 2FA).").private_().build();
  r.table(
    list.map((a): [string, string] => [
      a.label,
      `${shortAddress(a.address)}: ${a.usableAt <= now ? "usable now" : `usable at ${formatUtc(a.usableAt)} (in ${untilText(a.usableAt - now)})`}${a.warning ? `; warning: ${a.warning}` : ""}`,
    ]),
  );
  return r.private_().build();
}
