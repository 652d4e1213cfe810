import { z } from "zod";
import { formatUtc } from "../core/domain/format.js";
import { UserError } from "../core/errors.js";
import { choiceArg, defineCommand } from "../core/router/command.js";
import { bold, code, reply } from "../core/router/reply.js";
import { askForCode, CODE_STEP_TTL_MS, requireTwoFactor, TWOFA_SECRET_DELETE_S } from "./twofa.common.js";

export default defineCommand({
  name: "2fa",
  aliases: ["twofa"],
  group: "Account",
  summary: "Two-factor authentication (TOTP): set it up, see its status, turn it off",
  usage: "2fa [status | setup | disable [code]]",
  examples: ["/2fa setup", "/2fa status", "/2fa disable 123456"],
  scope: "private",
  llmTool: false,
  args: z.object({
    action: choiceArg(["status", "setup", "disable"], "Use /2fa setup, /2fa status or /2fa disable").default("status"),
    code: z.string().trim().max(32).optional(),
  }),
  positional: ["action", "code"],
  needs: ["twoFactor"],
  async run(ctx, { action, code: given }) {
    const twoFactor = requireTwoFactor(ctx.services);
    const userId = ctx.user.id;
    if (action === "setup") {
      const s = await twoFactor.begin(userId);
      await twoFactor.expectCode(userId, { kind: "2fa_setup", ref: "setup" }, CODE_STEP_TTL_MS * 2);
      return reply("warning")
        .image(s.qrPng, "2FA QR code", "Scan this with your authenticator app.")
        .line(bold("Set up 2FA"), ": scan the QR code with an authenticator app (Google Authenticator, Aegis, 1Password, ...), or type this key into it:")
        .line(code(s.secret))
        .line("Or open this link on the phone with the app: ", code(s.uri))
        .line("Then send the 6-digit code the app shows to turn 2FA on (or ", code("/code 123456"), ").")
        .line(`This message is deleted in ${TWOFA_SECRET_DELETE_S} s where the platform allows.`)
        .deleteAfter(TWOFA_SECRET_DELETE_S)
        .build();
    }
    if (action === "disable") {
      if (given) {
        await twoFactor.disable(userId, given);
        return reply("success").line("2FA is off. Turn it on again with /2fa setup.").build();
      }
      if (!(await twoFactor.enabled(userId))) throw new UserError("twofa_off", "2FA is not on for your account.");
      await twoFactor.expectCode(userId, { kind: "2fa_disable", ref: "disable" }, CODE_STEP_TTL_MS);
      return askForCode("turn 2FA off");
    }
    const st = await twoFactor.status(userId);
    if (st.enabled) {
      const out = reply()
        .line(bold("2FA is on"), st.enabledAt !== undefined ? ` since ${formatUtc(st.enabledAt)}.` : ".")
        .line(`Recovery codes left: ${st.recoveryLeft ?? 0} of 10.`);
      if (st.lockedUntil !== undefined) out.line(`Codes are locked until ${formatUtc(st.lockedUntil)} after too many wrong ones.`);
      return out
        .line("Codes are asked for by /wallet export, withdrawals and new withdrawal addresses. Turn it off with /2fa disable.")
        .build();
    }
    if (st.pending) return reply().line("2FA is set up but not confirmed: send the code your app shows, or start again with /2fa setup.").build();
    return reply().line("2FA is off. Turn it on with /2fa setup: exporting a key, withdrawing and adding withdrawal addresses then need a code from your app.").build();
  },
});
