/**
 * What a 2FA code looks like (issue 19): a TOTP code is six digits ("123456", or "123 456" as some
 * apps show it); a recovery code is ten characters of RECOVERY_ALPHABET shown as xxxx-xxxx-xx.
 */
export const RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"; // no i, l, o, 0, 1: nothing to misread
export const RECOVERY_LENGTH = 10;

const TOTP = /^\d{3} ?\d{3}$/;
const RECOVERY = /^[a-z0-9]{4}[- ]?[a-z0-9]{4}[- ]?[a-z0-9]{2}$/i;

export type OneTimeCode = { kind: "totp"; code: string } | { kind: "recovery"; code: string };

/** The code in a message, normalized (digits only; a recovery code lower-case without dashes), or undefined. */
export function readOneTimeCode(text: string): OneTimeCode | undefined {
  const t = text.trim();
  if (TOTP.test(t)) return { kind: "totp", code: t.replace(" ", "") };
  if (RECOVERY.test(t) && /[a-z]/i.test(t)) return { kind: "recovery", code: t.toLowerCase().replace(/[- ]/g, "") };
  return undefined;
}

const RECOVERY_SHOWN = /^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{2}$/i;

/**
 * A whole message that is a code as Purser shows codes (six digits, or xxxx-xxxx-xx): in a private chat
 * it goes to /code, never to a model. Stricter than readOneTimeCode, so ordinary words are not taken.
 */
export const looksLikeOneTimeCode = (text: string): boolean => {
  const t = text.trim();
  return TOTP.test(t) || RECOVERY_SHOWN.test(t);
};

/** A recovery code as shown: xxxx-xxxx-xx. */
export const formatRecoveryCode = (raw: string): string => `${raw.slice(0, 4)}-${raw.slice(4, 8)}-${raw.slice(8)}`;
