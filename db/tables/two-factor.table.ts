/** A user's TOTP 2FA (issue 19): the secret sealed by the SecretBox, never plain. Times are epoch ms. */
export interface TwoFactorTable {
  user_id: string;
  secret_sealed: string;
  /** "pending" (set up, first code not given yet) or "on". */
  state: "pending" | "on";
  created_at: number;
  enabled_at: number | null;
  /** The last accepted TOTP time-step: each step is usable once. */
  last_counter: number | null;
  fail_count: number;
  fail_since: number | null;
  locked_until: number | null;
}

/** One-time recovery codes: a per-code salt and the peppered hash of salt and code (never the code). */
export interface TwoFactorRecoveryTable {
  user_id: string;
  idx: number;
  salt: string;
  hash: string;
  used_at: number | null;
}
