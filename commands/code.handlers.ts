import type { PortName } from "../core/ports/commands.port.js";
import type { PendingCodeStep } from "../core/ports/two-factor.port.js";
import type { CommandContext } from "../core/router/command.js";
import type { Reply } from "../core/router/message.js";
import { bold, reply } from "../core/router/reply.js";
import { requireTwoFactor, TWOFA_SECRET_DELETE_S } from "./twofa.common.js";
import { revealReply } from "./wallet.reveal.js";
import { addressAddCodeHandler } from "./withdraw.book.js";
import { withdrawCodeHandler } from "./withdraw.send.js";

/**
 * What a code completes, by the kind of step waiting for it (TwoFactorPort.expectCode). /code takes the
 * step (once) and runs its handler with the code; every handler checks the code through the 2FA service.
 * Other steps add theirs here ("withdraw", "address_add"), with the ports they need in CODE_NEEDS.
 */
export const CODE_NEEDS = ["twoFactor", "wallets", "info", "withdrawals", "addressBook", "clock"] as const satisfies readonly PortName[];
export type CodePorts = (typeof CODE_NEEDS)[number];

export type CodeHandler = (ctx: CommandContext<CodePorts>, step: PendingCodeStep, code: string) => Promise<Reply>;

/** The first code of a setup turns 2FA on; the recovery codes are shown once. */
const confirmSetup: CodeHandler = async (ctx, _step, code) => {
  const { recoveryCodes } = await requireTwoFactor(ctx.services).confirmSetup(ctx.user.id, code);
  return reply("success")
    .line(bold("2FA is on."), " Exporting a key, withdrawing and adding a withdrawal address now need a code from your app.")
    .line(bold("Recovery codes"), " (shown once: store them offline; each works once in place of a code if you lose your app):")
    .code(recoveryCodes.join("\n"))
    .line(`This message is deleted in ${TWOFA_SECRET_DELETE_S} s where the platform allows.`)
    .deleteAfter(TWOFA_SECRET_DELETE_S)
    .build();
};

const disable: CodeHandler = async (ctx, _step, code) => {
  await requireTwoFactor(ctx.services).disable(ctx.user.id, code);
  return reply("success").line("2FA is off. Turn it on again with /2fa setup.").build();
};

/** /wallet export with 2FA on: the key is shown only after a valid code. */
const exportKey: CodeHandler = async (ctx, step, code) => {
  await requireTwoFactor(ctx.services).verify(ctx.user.id, code, "export");
  return revealReply(ctx, step.ref);
};

export const codeHandlers: Readonly<Record<string, CodeHandler>> = {
  "2fa_setup": confirmSetup,
  "2fa_disable": disable,
  export: exportKey,
  // issue 19: a withdrawal's Confirm, and an address added without its code, wait for the next code
  withdraw: (ctx, step, code) => withdrawCodeHandler(ctx, step, code),
  address_add: (ctx, step, code) => addressAddCodeHandler(ctx, step, code),
};
