/** Platforms Purser speaks on. `console` is the local terminal chat. */
export type Platform = "telegram" | "discord" | "twitter" | "console";
export const PLATFORMS: readonly Platform[] = ["telegram", "discord", "twitter", "console"];

export type ChatKind = "private" | "group";
export type Role = "user" | "admin";

export interface User {
  id: string;
  displayName: string;
  role: Role;
  createdAt: number;
}

export interface Identity {
  platform: Platform;
  platformUserId: string;
  userId: string;
  displayName: string;
  linkedAt: number;
}

/** `telegram:123` style key used by ADMIN_IDS and caches. */
export const identityKey = (platform: Platform, platformUserId: string) => `${platform}:${platformUserId}`;

export function isPlatform(s: string): s is Platform {
  return (PLATFORMS as readonly string[]).includes(s);
}
