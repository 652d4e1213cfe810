import type { Identity, Platform, User } from "../domain/identity.js";

/** Who is speaking: the user behind a platform identity, with every identity linked to it. */
export interface ResolvedUser {
  user: User;
  identity: Identity;
  identities: Identity[];
  isAdmin: boolean;
}

/** The router's first question of every message. */
export interface UserResolver {
  resolve(platform: Platform, platformUserId: string, displayName: string): Promise<ResolvedUser>;
  /**
   * The same answer at once when it is cached and nothing needs writing (the name unchanged);
   * undefined otherwise: then `resolve`. Optional: a resolver without a cache has none.
   */
  resolveCached?(platform: Platform, platformUserId: string, displayName: string): ResolvedUser | undefined;
}

/** Joining a user's accounts on several platforms (/link). */
export interface IdentityPort {
  issueLinkCode(userId: string): Promise<{ code: string; expiresAt: number }>;
  redeemLinkCode(presenter: ResolvedUser, rawCode: string): Promise<{ userId: string; identities: Identity[] }>;
}

/**
 * Tells every process that the cached identity answers of some users changed (a /link joined them,
 * a role changed): through the database's change log (read by every process once a second, never
 * lost) and, with Redis, pub/sub as well (at once, at most once).
 */
export interface IdentityInvalidations {
  publish(userIds: readonly string[]): Promise<void>;
  /** Returns an unsubscribe function. */
  subscribe(listener: (userIds: readonly string[]) => void): () => void;
}

/** One user whose identity answers changed, as the change log holds it. */
export interface IdentityChange {
  id: string;
  userId: string;
  at: number;
}

/** The shared, durable log of identity changes every process reads (db/repositories/identity-changes). */
export interface IdentityChangeLog {
  /** Records that these users' cached answers changed at `at`; resolves once it is durable. */
  append(userIds: readonly string[], at: number): Promise<void>;
  /** The changes recorded at or after `since`, oldest first. */
  since(since: number): Promise<IdentityChange[]>;
}
