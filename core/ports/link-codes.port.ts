export type LinkCodeConsume =
  | { ok: true; userId: string }
  | { ok: false; reason: "unknown" | "used" | "expired" };

/** One-time codes that join identities into one user. Codes are stored hashed. */
export interface LinkCodeStore {
  create(input: { codeHash: string; userId: string; now: number; expiresAt: number }): Promise<void>;
  /** Who issued the code (used or not), without consuming it. */
  owner(codeHash: string): Promise<string | undefined>;
  /** Atomically marks the code used by `byUserId`; single-use across processes. */
  consume(codeHash: string, byUserId: string, now: number): Promise<LinkCodeConsume>;
}
