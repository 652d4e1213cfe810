import type { Identity, Platform, Role, User } from "../domain/identity.js";

export interface UserWithIdentities {
  user: User;
  identity: Identity;
  /** Every identity of this user (after linking, several platforms). */
  identities: Identity[];
}

export interface UserRepository {
  findByIdentity(platform: Platform, platformUserId: string): Promise<UserWithIdentities | undefined>;
  /** Creates the user and its first identity; if another process created it meanwhile, returns that one. */
  createWithIdentity(input: {
    platform: Platform;
    platformUserId: string;
    displayName: string;
    now: number;
  }): Promise<UserWithIdentities>;
  get(userId: string): Promise<User | undefined>;
  identities(userId: string): Promise<Identity[]>;
  /** Moves every identity of `fromUserId` to `toUserId` and marks the old user merged, in one transaction. */
  merge(fromUserId: string, toUserId: string, now: number): Promise<void>;
  setRole(userId: string, role: Role): Promise<void>;
  /** The platform display name changed: keep the identity (and, for its first identity, the user) current. */
  rename(platform: Platform, platformUserId: string, displayName: string): Promise<void>;
}
