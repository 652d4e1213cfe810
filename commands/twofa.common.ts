import { UserError } from "../core/errors.js";
import type { TwoFactorPort } from "../core/ports/two-factor.port.js";
import { bold, code, reply } from "../core/router/reply.js";
import type { Reply } from "../core/router/message.js";

/** How long a step waits for its code (the next code a user sends, or `/code 123456`). */
export const CODE_STEP_TTL_MS = 5 * 60_000;

/** 2FA is wired only where secrets can be sealed (MASTER_KEY, or the local key file of the embedded default). */
export function requireTwoFactor(services: { twoFactor?: TwoFactorPort }): TwoFactorPort {
  if (!services.twoFactor) {
    throw new UserError("twofa_unavailable", "2FA is not available on this deployment: the operator must set MASTER_KEY (see the README, Two-factor authentication).");
  }
  return services.twoFactor;
}

/** "Send your code": the step is already stored with expectCode. */
export function askForCode(what: string): Reply {
  return reply("info")
    .line(bold("2FA code needed"), ` to ${what}.`)
    .line("Send the 6-digit code your authenticator app shows now (or a recovery code), e.g. ", code("123456"), " or ", code("/code 123456"), ".")
    .line(`This waits ${CODE_STEP_TTL_MS / 60_000} minutes.`)
    .build();
}

/** Messages that show a 2FA secret (the setup's key and QR, the recovery codes) are deleted after this long where the platform allows. */
export const TWOFA_SECRET_DELETE_S = 600;
