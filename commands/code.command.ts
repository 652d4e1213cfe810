import { z } from "zod";
import { isUserError, UserError } from "../core/errors.js";
import { formatUtc } from "../core/domain/format.js";
import { defineCommand } from "../core/router/command.js";
import { CODE_NEEDS, codeHandlers } from "./code.handlers.js";
import { CODE_STEP_TTL_MS, requireTwoFactor } from "./twofa.common.js";

export default defineCommand({
  name: "code",
  group: "Account",
  summary: "Give the 2FA code a step is waiting for (a message that is just the code works too)",
  usage: "code <123456 | recovery code>",
  examples: ["/code 123456", "/code abcd-efgh-jk"],
  scope: "private",
  llmTool: false,
  args: z.object({ code: z.string().trim().min(1, "Give the code: /code 123456").max(32) }),
  positional: ["code"],
  needs: CODE_NEEDS,
  async run(ctx, { code }) {
    const twoFactor = requireTwoFactor(ctx.services);
    // A setup not yet confirmed waits for its first code for as long as it stays pending.
    const step =
      (await twoFactor.takeExpected(ctx.user.id)) ?? ((await twoFactor.status(ctx.user.id)).pending ? { kind: "2fa_setup", ref: "setup" } : undefined);
    if (!step) {
      const { lockedUntil } = await twoFactor.status(ctx.user.id);
      if (lockedUntil !== undefined) {
        throw new UserError("twofa_locked", `Too many wrong 2FA codes: codes are locked until ${formatUtc(lockedUntil)}. Start the step again after that.`);
      }
      throw new UserError("code_not_expected", "Nothing is waiting for a code right now. Codes are asked for by /2fa setup, /2fa disable, /wallet export, /withdraw add, /withdraw unfreeze and a withdrawal's Confirm.");
    }
    const handler = Object.hasOwn(codeHandlers, step.kind) ? codeHandlers[step.kind] : undefined;
    if (!handler) throw new UserError("code_not_expected", "That step is no longer available here: start it again.");
    try {
      return await handler(ctx, step, code);
    } catch (err) {
      // A mistyped or already used code keeps the step waiting (the failure is counted; the lock caps retries).
      if (isUserError(err) && (err.code === "twofa_bad_code" || err.code === "twofa_reused")) {
        await twoFactor.expectCode(ctx.user.id, step, CODE_STEP_TTL_MS);
        throw new UserError(err.code, `${err.message} Send another code to try again.`, err.context);
      }
      throw err;
    }
  },
});
