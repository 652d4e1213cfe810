/**
 * Two-factor authentication (issue 19): a TOTP secret per user (encrypted with the key vault), one-time
 * recovery codes (hashed at rest). Every sensitive step (adding a withdrawal address, confirming a
 * withdrawal, exporting a key, disabling 2FA) asks `verify` for a fresh code.
 */
export type TwoFactorPurpose = "setup" | "disable" | "withdraw" | "address_add" | "address_remove" | "export";

export interface TwoFactorStatus {
  enabled: boolean;
  /** When it was turned on (ms). */
  enabledAt?: number;
  /** Unused recovery codes left. */
  recoveryLeft?: number;
  /** Set up but the first code not yet given. */
  pending?: boolean;
  /** Codes are refused until then (ms): too many wrong ones. */
  lockedUntil?: number;
}

export interface TwoFactorSetup {
  /** otpauth://totp/... URI (shown once, in a private chat). */
  uri: string;
  /** The base32 secret, for typing into an app by hand. */
  secret: string;
  /** PNG bytes of the URI's QR code, generated in-process. */
  qrPng: Uint8Array;
}

/**
 * A step waiting for the user's next code: `/code 123456`, or a message that is just a code in a private
 * chat (never sent to the model), completes it. `kind` picks the handler (commands/code.handlers.ts):
 * "2fa_setup", "2fa_disable", "export", "address_add", "withdraw"; `ref` is that step's own reference.
 */
export interface PendingCodeStep {
  kind: string;
  ref: string;
}

export interface TwoFactorPort {
  /** Remembers the step the user's next code completes (one per user; a newer one replaces it). */
  expectCode(userId: string, step: PendingCodeStep, ttlMs: number): Promise<void>;
  /** The step waiting for a code, removed (undefined: none, or expired). */
  takeExpected(userId: string): Promise<PendingCodeStep | undefined>;
  status(userId: string): Promise<TwoFactorStatus>;
  enabled(userId: string): Promise<boolean>;
  /** Starts (or restarts) a setup; refused with UserError twofa_on when 2FA is already on. */
  begin(userId: string): Promise<TwoFactorSetup>;
  /** The first code turns it on; returns the ten recovery codes (shown once, stored hashed). */
  confirmSetup(userId: string, code: string): Promise<{ recoveryCodes: string[] }>;
  /** Needs a current code (or a recovery code). */
  disable(userId: string, code: string): Promise<void>;
  /**
   * Checks a code for a purpose: a TOTP code in a one-step window, each time-step usable once, or an
   * unused recovery code (then used up). Throws UserError: twofa_off (2FA not on), twofa_bad_code,
   * twofa_reused, twofa_locked (too many failures: says when to try again). Every attempt is audited
   * (never the code itself).
   */
  verify(userId: string, code: string, purpose: TwoFactorPurpose): Promise<void>;
}
