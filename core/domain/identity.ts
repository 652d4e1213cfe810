/**
 * Platforms Purser speaks on. `console` is the local terminal chat; `web` is the dashboard and REST API
 * (issue 21), whose sender id is Purser's own user id (signed in by a link from a chat).
 */
export type Platform = "telegram" | "discord" | "twitter" | "console" | "web";
/** The chat platforms (ADMIN_IDS, push targets): `web` is not one, it has no chat of its own. */
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

/** An account on a platform, as ADMIN_IDS names one (`telegram:123`). */
export interface PlatformAccount {
  platform: Platform;
  id: string;
}

/** A chat on a platform: where a reply or a push goes. */
export interface ChatTarget {
  platform: Platform;
  chatId: string;
}

/** The chat where an account gets pushes: its private chat (the terminal has one chat, "console"). */
export function directChat(a: PlatformAccount): ChatTarget {
  return { platform: a.platform, chatId: a.platform === "console" ? "console" : a.id };
}

export function isPlatform(s: string): s is Platform {
  return (PLATFORMS as readonly string[]).includes(s);
}
