import { DiscordAdapter } from "../adapters/discord/discord-adapter.js";
import type { App } from "./app.js";
import type { HttpServer } from "./http.js";

export interface DiscordOptions {
  http?: HttpServer;
  /** DISCORD_GUILD_ID: register the slash commands in this guild only (instant) instead of globally. */
  guildId?: string;
  /** DISCORD_INTERACTIONS_PATH: serve HTTP interactions at this path on HTTP_PORT; no gateway connection. */
  interactionsPath?: string;
  /** DISCORD_NOTIFY_CHANNEL_ID: post non-private pushes here (mentioning the user) instead of DMs. */
  notifyChannelId?: string;
  /** Defer after this long without an answer (default 2000 ms; Discord allows 3 s). */
  deferAfterMs?: number;
  /**
   * Gateway sharding: "auto" (default) runs the shard count Discord recommends inside this process;
   * "manager" leaves it to a discord.js ShardingManager parent (its SHARDS / SHARD_COUNT environment).
   */
  shards?: "auto" | "manager";
}

/** Settings the lead adds to bots/config.ts; read from the config when present, explicit options win. */
function setting(app: App, name: "DISCORD_GUILD_ID" | "DISCORD_INTERACTIONS_PATH" | "DISCORD_NOTIFY_CHANNEL_ID"): string | undefined {
  const v = (app.config as unknown as Record<string, unknown>)[name];
  return typeof v === "string" && v ? v : undefined;
}

/** The Discord adapter from the app's config (started when DISCORD_TOKEN and DISCORD_APPLICATION_ID are set). */
export function createDiscord(app: App, opts: DiscordOptions = {}): DiscordAdapter {
  const c = app.config;
  if (!c.DISCORD_TOKEN || !c.DISCORD_APPLICATION_ID) throw new Error("DISCORD_TOKEN and DISCORD_APPLICATION_ID are required");
  const guildId = opts.guildId ?? setting(app, "DISCORD_GUILD_ID");
  const interactionsPath = opts.interactionsPath ?? setting(app, "DISCORD_INTERACTIONS_PATH");
  const notifyChannelId = opts.notifyChannelId ?? setting(app, "DISCORD_NOTIFY_CHANNEL_ID");
  if (interactionsPath && !c.DISCORD_PUBLIC_KEY) throw new Error("DISCORD_PUBLIC_KEY is required with DISCORD_INTERACTIONS_PATH");
  const adapter = new DiscordAdapter({
    token: c.DISCORD_TOKEN,
    applicationId: c.DISCORD_APPLICATION_ID,
    apiRoot: c.DISCORD_API_ROOT,
    handle: (msg, respond) => app.router.handle(msg, respond),
    commands: app.router.commands(),
    kv: app.repos.kv,
    log: app.log,
    now: () => app.clock.now(),
    mode: interactionsPath ? "http" : "gateway",
    ...(guildId ? { guildId } : {}),
    ...(notifyChannelId ? { notifyChannelId } : {}),
    ...(c.DISCORD_PUBLIC_KEY ? { publicKey: c.DISCORD_PUBLIC_KEY } : {}),
    ...(opts.deferAfterMs !== undefined ? { deferAfterMs: opts.deferAfterMs } : {}),
    ...(opts.shards === "manager" ? {} : { shards: "auto" as const }),
  });
  if (interactionsPath && opts.http) opts.http.route(interactionsPath, adapter.httpHandler());
  return adapter;
}
