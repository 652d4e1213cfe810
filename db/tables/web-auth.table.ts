import type { ApiScope } from "../../core/ports/web-access.port.js";

/** One-time sign-in links of the web dashboard (issue 21), stored as sha256 of the token. */
export interface WebLoginLinksTable {
  token_hash: string;
  user_id: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

/** Cookie sessions, keyed by sha256 of the cookie value. */
export interface WebSessionsTable {
  id_hash: string;
  user_id: string;
  created_at: number;
  expires_at: number;
  last_seen_at: number;
  revoked_at: number | null;
}

/** Per-user API tokens `pst_<id>_<secret>`: the id in clear, sha256 of the whole token. */
export interface ApiTokensTable {
  id: string;
  user_id: string;
  token_hash: string;
  scope: ApiScope;
  label: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}
