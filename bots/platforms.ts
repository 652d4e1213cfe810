import type { App } from "./app.js";
import type { Config } from "./config.js";
import type { PlatformLink } from "./connect.js";
import type { HttpServer } from "./http.js";

/** True when all four OAuth 1.0a settings are present (the X adapter runs only then). */
export function twitterConfigured(c: Config): boolean {
  return Boolean(c.TWITTER_APP_KEY && c.TWITTER_APP_SECRET && c.TWITTER_ACCESS_TOKEN && c.TWITTER_ACCESS_SECRET);
}

/** The names of the chat platforms whose credentials are set. */
export function configuredPlatforms(config: Config): string[] {
  return [
    config.TELEGRAM_BOT_TOKEN && "telegram",
    config.DISCORD_TOKEN && config.DISCORD_APPLICATION_ID && "discord",
    twitterConfigured(config) && "twitter",
  ].filter(Boolean) as string[];
}

/**
 * The configured chat platforms, and the connections this process's role makes at start-up.
 * Each platform's module (and so its SDK: grammy, discord.js, twitter-api-v2) is imported only when
 * its credentials are set, so a terminal chat or a worker without that platform never loads it.
 */
export async function createPlatforms(app: App, http: HttpServer) {
  const config = app.config;
  const telegram = config.TELEGRAM_BOT_TOKEN ? (await import("./telegram.js")).createTelegram(app, { http }) : undefined;
  const discord =
    config.DISCORD_TOKEN && config.DISCORD_APPLICATION_ID
      ? (await import("./discord.js")).createDiscord(app, {
          http,
          ...(config.DISCORD_GUILD_ID ? { guildId: config.DISCORD_GUILD_ID } : {}),
          ...(config.DISCORD_INTERACTIONS_PATH ? { interactionsPath: config.DISCORD_INTERACTIONS_PATH } : {}),
          ...(config.DISCORD_NOTIFY_CHANNEL_ID ? { notifyChannelId: config.DISCORD_NOTIFY_CHANNEL_ID } : {}),
        })
      : undefined;
  const twitter = twitterConfigured(config)
    ? (await import("./twitter.js")).createTwitter(app, {
        pollS: config.TWITTER_POLL_S,
        maxRepliesPerAuthorHour: config.TWITTER_MAX_REPLIES_PER_AUTHOR_HOUR,
        dmAlerts: config.TWITTER_DM_ALERTS,
        leaseTtlMs: config.LEASE_TTL_S * 1000,
      })
    : undefined;
  // Intake (Telegram updates, Discord's gateway and slash commands) belongs to the tier that takes
  // interactions (or the only process): a worker only pushes, so it never opens a second gateway
  // session or polls Telegram. X mentions are polled by workers (one of them, by lease).
  const links: PlatformLink[] = [];
  if (telegram && config.PURSER_ROLE !== "worker") links.push({ name: "telegram", connect: (signal) => telegram.start(signal) });
  if (discord && config.PURSER_ROLE !== "worker") links.push({ name: "discord", connect: (signal) => discord.start(signal) });
  if (twitter && config.PURSER_ROLE !== "web") links.push({ name: "twitter", connect: () => twitter.start() });
  return { telegram, discord, twitter, links };
}
