/** A pressed button the router refuses (forged, stale, used, a stranger's): adapters answer it on the button. */
export const BUTTON_REFUSAL_CODES = ["action_unknown", "action_used", "action_expired", "not_your_button"] as const;
/** The assistant's daily token budget is spent (everyone's, or this user's). */
export const LLM_BUDGET_CODES = ["llm_budget_global", "llm_budget_user"] as const;
/** A command's precondition refused the caller (audit-logged as `auth.refused`). */
export const REFUSAL_CODES = ["admin_only", "private_only"] as const;

/**
 * Every code a UserError may carry: one union, so a code is never a typo and adapters branch on
 * shared sets (isButtonRefusal, isLlmBudget) rather than copies of string lists.
 */
export const ERROR_CODES = [
  ...BUTTON_REFUSAL_CODES,
  ...LLM_BUDGET_CODES,
  ...REFUSAL_CODES,
  // the router: what was typed
  "unknown_command", "bad_args", "message_too_long", "unbalanced_quotes", "rate_limited",
  // tokens and prices
  "unknown_token", "ambiguous_token", "token_lookup_failed", "prices_unavailable", "history_unavailable",
  // trading
  "bad_amount", "same_token", "quote_failed", "no_route", "daily_cap", "trade_unpriced", "trade_too_large",
  "token_unverified", "token_not_allowed", "token_denied", "slippage_too_high", "price_impact_too_high",
  "order_unknown", "insufficient_balance", "chain_unreachable", "no_wallet",
  // wallets
  "wallet_unknown", "wallet_key_unreadable", "wallet_exists", "wallet_new_disabled", "wallet_limit", "bad_address",
  // alerts
  "bad_alert", "alert_unknown", "alert_limit", "alert_already_true",
  // linking accounts
  "link_same_user", "link_code_invalid", "link_code_unknown", "link_code_used", "link_code_expired", "link_platform_taken",
  // treasury
  "treasury_off",
  // automations
  "bad_automation", "bad_level", "bad_schedule", "bad_token", "level_crossed",
  "automation_unknown", "automation_limit", "automation_expired", "automation_too_large",
  // token cards and per-user settings (issue 18)
  "bad_setting", "token_unsafe",
  // two-factor authentication (issue 19)
  "twofa_off", "twofa_on", "twofa_bad_code", "twofa_reused", "twofa_locked", "twofa_unavailable", "code_not_expected",
  // withdrawal address book and freezes (issue 19)
  "withdraw_address_unknown", "withdraw_address_young", "withdraw_frozen", "withdraw_address_exists", "withdraw_address_limit",
  "withdraw_address_refused", "withdraw_check_failed", "withdraw_needs_2fa", "withdraw_code_expired", "withdrawals_off",
  "withdraw_daily_cap",
  // the web dashboard and REST API (issue 21)
  "web_off", "api_token_unknown",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];
export type ButtonRefusalCode = (typeof BUTTON_REFUSAL_CODES)[number];
export type RefusalCode = (typeof REFUSAL_CODES)[number];

/** What the router reports beside a failed message: a UserError's code, an outage, or an unexpected failure. */
export type FailureCode = ErrorCode | "unavailable" | "internal";

const buttonRefusals: ReadonlySet<string> = new Set(BUTTON_REFUSAL_CODES);
const llmBudget: ReadonlySet<string> = new Set(LLM_BUDGET_CODES);

/** The router refused a pressed button (answered on the button itself, nothing else happens). */
export const isButtonRefusal = (code: string | undefined): code is ButtonRefusalCode => code !== undefined && buttonRefusals.has(code);
export const isLlmBudget = (code: string | undefined): boolean => code !== undefined && llmBudget.has(code);

/**
 * Expected failures carry a stable code that adapters and renderers turn into text.
 * Anything that is not a UserError is unexpected: the router logs it with a correlation id
 * and the user gets a short apology quoting that id, never a stack trace.
 */
export class UserError extends Error {
  override readonly name = "UserError";
  constructor(
    readonly code: ErrorCode,
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
  readonly code: ErrorCode = "wallet_key_unreadable";
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
