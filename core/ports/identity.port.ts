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
}

/** Joining a user's accounts on several platforms (/link). */
export interface IdentityPort {
  issueLinkCode(userId: string): Promise<{ code: string; expiresAt: number }>;
  redeemLinkCode(presenter: ResolvedUser, rawCode: string): Promise<{ userId: string; identities: Identity[] }>;
}
