import { Secret, TOTP } from "otpauth";
import type { TotpEngine } from "../../core/ports/two-factor-store.port.js";
import { qrPng } from "./qr.js";

/** RFC 6238 as every authenticator app reads it: HMAC-SHA1, 6 digits, 30-second steps. */
const PARAMS = { algorithm: "SHA1", digits: 6, period: 30 } as const;
/** 160-bit secrets (RFC 4226's recommendation), shown as 32 base32 characters. */
const SECRET_BYTES = 20;

/**
 * TOTP through otpauth (a well-kept RFC 6238 library, constant-time comparison) and QR codes through
 * qrcode, both in-process. Nothing here logs or keeps a secret beyond the call.
 */
export class OtpauthTotp implements TotpEngine {
  constructor(private readonly issuer = "Purser") {}

  newSecret(): string {
    return new Secret({ size: SECRET_BYTES }).base32;
  }

  uri(secret: string, account: string): string {
    return new TOTP({ issuer: this.issuer, label: account, secret: Secret.fromBase32(secret), ...PARAMS }).toString();
  }

  match(secret: string, code: string, at: number, window: number): number | undefined {
    if (!/^\d{6}$/.test(code)) return undefined;
    const delta = TOTP.validate({ token: code, secret: Secret.fromBase32(secret), timestamp: at, window, ...PARAMS });
    return delta === null ? undefined : TOTP.counter({ period: PARAMS.period, timestamp: at }) + delta;
  }

  qrPng(text: string): Promise<Uint8Array> {
    return qrPng(text);
  }
}
