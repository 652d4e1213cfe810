/** What an API token may do: `read` only reads; `trade` also previews, confirms and cancels. */
export type ApiScope = "read" | "trade";

export interface ApiTokenRow {
  id: string;
  userId: string;
  tokenHash: string;
  scope: ApiScope;
  label: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

export interface WebSessionRow {
  userId: string;
  createdAt: number;
  expiresAt: number;
  lastSeenAt: number;
}

/**
 * The web dashboard's stored credentials (issue 21): one-time sign-in links, cookie sessions and API
 * tokens, every secret kept as its sha256 only.
 */
export interface WebAuthStore {
  createLoginLink(input: { tokenHash: string; userId: string; now: number; expiresAt: number }): Promise<void>;
  /** Atomically marks an unused, unexpired link used and says whose it was; single-use across processes. */
  consumeLoginLink(tokenHash: string, now: number): Promise<{ ok: true; userId: string } | { ok: false; reason: "unknown" | "used" | "expired" }>;
  createSession(input: { idHash: string; userId: string; now: number; expiresAt: number }): Promise<void>;
  /** A live session (not revoked, not expired). */
  findSession(idHash: string, now: number): Promise<WebSessionRow | undefined>;
  touchSession(idHash: string, now: number): Promise<void>;
  /** Revokes every live session of the user; how many. */
  revokeSessions(userId: string, now: number): Promise<number>;
  revokeSession(idHash: string, now: number): Promise<void>;
  createApiToken(row: Omit<ApiTokenRow, "lastUsedAt" | "revokedAt">): Promise<void>;
  findApiToken(id: string): Promise<ApiTokenRow | undefined>;
  listApiTokens(userId: string): Promise<ApiTokenRow[]>;
  /** True when the user's token was live and is now revoked. */
  revokeApiToken(userId: string, id: string, now: number): Promise<boolean>;
  touchApiToken(id: string, now: number): Promise<void>;
}

export type SignIn = { ok: true; userId: string; cookie: string; expiresAt: number } | { ok: false; reason: "unknown" | "used" | "expired" };

export interface WebCaller {
  userId: string;
  via: "session" | "token";
  /** Sessions may do everything the user may; tokens only their scope. */
  scope: ApiScope;
  tokenId?: string;
}

/** What the /web and /api commands and the web adapter use. */
export interface WebAccessPort {
  /** The dashboard's public origin (links, Origin check). */
  readonly baseUrl: string;
  issueLoginLink(userId: string): Promise<{ url: string; expiresAt: number }>;
  signIn(token: string): Promise<SignIn>;
  /** The session behind a cookie value, or undefined (unknown, expired, revoked). */
  session(cookie: string): Promise<WebCaller | undefined>;
  /** The CSRF token of a session: an HMAC of its cookie value, which page scripts cannot read. */
  csrfToken(cookie: string): string;
  logout(cookie: string): Promise<void>;
  logoutAll(userId: string): Promise<number>;
  createToken(userId: string, scope: ApiScope, label: string): Promise<{ id: string; token: string }>;
  listTokens(userId: string): Promise<ApiTokenRow[]>;
  revokeToken(userId: string, id: string): Promise<boolean>;
  /** The caller behind `Authorization: Bearer pst_...`, checked against the store on every request. */
  verifyToken(raw: string): Promise<WebCaller | undefined>;
}
