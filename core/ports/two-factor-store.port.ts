/**
 * What the two-factor service (core/services/two-factor.service.ts) stands on: its rows, a box that
 * encrypts small secrets at rest, and a TOTP engine (RFC 6238 from a well-kept library, in adapters/).
 */

/** A user's 2FA row. `secretSealed` is the TOTP secret sealed by the SecretBox (never plain). */
export interface TwoFactorRow {
  userId: string;
  secretSealed: string;
  state: "pending" | "on";
  createdAt: number;
  enabledAt?: number;
  /** The last TOTP time-step accepted: a code for a step <= this one is refused as reused. */
  lastCounter?: number;
  /** Failed attempts in the window that started at failSince. */
  failCount: number;
  failSince?: number;
  lockedUntil?: number;
}

/** A recovery code at rest: a per-code salt and the keyed hash of salt and code (never the code). */
export interface RecoveryHash {
  salt: string;
  hash: string;
}

export interface StoredRecovery extends RecoveryHash {
  idx: number;
  usedAt?: number;
}

export interface TwoFactorStore {
  get(userId: string): Promise<TwoFactorRow | undefined>;
  /** Writes a pending setup (replacing an older pending one); false when 2FA is already on. */
  putPending(userId: string, secretSealed: string, now: number): Promise<boolean>;
  /**
   * Pending -> on, atomically: the first accepted time-step is recorded and the recovery codes replace
   * any older ones. False when the row is not pending (or that step was already taken).
   */
  enable(userId: string, counter: number, recovery: RecoveryHash[], now: number): Promise<boolean>;
  /** Records `counter` as used when it is newer than the last one (atomic across processes); false: reused. */
  acceptCounter(userId: string, counter: number): Promise<boolean>;
  /**
   * Counts a failure (atomic): a window older than `windowMs` starts again at one. At `max` failures the
   * row is locked until now + lockMs. Returns the count in the window and the lock, if any.
   */
  recordFailure(userId: string, now: number, opts: { windowMs: number; max: number; lockMs: number }): Promise<{ count: number; lockedUntil?: number }>;
  clearFailures(userId: string): Promise<void>;
  recovery(userId: string): Promise<StoredRecovery[]>;
  /** Marks a recovery code used (atomic); false when it was already used. */
  useRecovery(userId: string, idx: number, now: number): Promise<boolean>;
  /** Deletes the row and its recovery codes. */
  remove(userId: string): Promise<void>;
}

/**
 * Authenticated encryption of small secrets at rest (AES-256-GCM under a key derived from MASTER_KEY,
 * like wallet keys), and a keyed hash with the same server secret (a pepper for recovery codes).
 */
export interface SecretBox {
  /** `aad` binds the ciphertext to its owner (a sealed secret moved to another user's row fails to open). */
  seal(plain: string, aad: string): Promise<string>;
  open(sealed: string, aad: string): Promise<string>;
  /** HMAC-SHA256 of `data` under the box's pepper, tagged with the key that made it (`<key id>:<hex>`). */
  mac(data: string): Promise<string>;
  /** Whether `tagged` is mac(data) (constant-time; a value made by an older key still checks). */
  macEquals(data: string, tagged: string): Promise<boolean>;
}

/** TOTP (SHA-1, 6 digits, 30 s), QR codes. */
export interface TotpEngine {
  /** A fresh random secret, base32. */
  newSecret(): string;
  /** otpauth://totp/<issuer>:<account>?secret=...&issuer=... */
  uri(secret: string, account: string): string;
  /** The time-step a code is valid for at `at` (ms) within +-window steps; undefined: not valid. */
  match(secret: string, code: string, at: number, window: number): number | undefined;
  /** PNG of a QR code of `text`. */
  qrPng(text: string): Promise<Uint8Array>;
}
