/**
 * Expected failures carry a stable code that adapters and renderers turn into text.
 * Anything that is not a UserError is unexpected: the router logs it with a correlation id
 * and the user gets a short apology quoting that id, never a stack trace.
 */
export class UserError extends Error {
  override readonly name = "UserError";
  constructor(
    readonly code: string,
    message: string,
    readonly context: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** A failure of an outside service; `retryable` says whether trying again can help. */
export class RemoteError extends Error {
  override readonly name: string = "RemoteError";
  constructor(
    readonly service: string,
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A custodial wallet's stored key could not be decrypted: the MASTER_KEY differs from the one that
 * encrypted it, or the ciphertext was altered. Nothing can be signed with that wallet until an admin
 * fixes it; services turn it into the user's `wallet_key_unreadable` answer and an audit entry.
 */
export class WalletKeyError extends Error {
  override readonly name = "WalletKeyError";
  readonly code = "wallet_key_unreadable";
  constructor(message = "wallet secret failed to decrypt") {
    super(message);
  }
}

export const isUserError = (e: unknown): e is UserError => e instanceof UserError;

/**
 * Something Purser depends on (its database) cannot be reached right now: a dropped connection,
 * a database restarting or failing over, SQLite locked by another writer past its busy timeout, a
 * full disk. Retryable by definition: the same request can work once it is back. Adapters and the
 * db layer classify their drivers' errors into this; the router answers "temporarily unavailable".
 */
export class UnavailableError extends RemoteError {
  override readonly name = "UnavailableError";
  constructor(
    service: string,
    /** The driver's short code (ECONNREFUSED, 57P01, SQLITE_BUSY): safe to log and to show in /readyz. */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(service, `${service} temporarily unavailable (${reason})`, true, undefined, options);
  }
}

export const isUnavailable = (e: unknown): e is UnavailableError => e instanceof UnavailableError;
