import { randomBytes } from "node:crypto";

/**
 * Builders for Discord API payloads as the gateway and the HTTP interactions endpoint deliver them
 * (shapes from https://discord.com/developers/docs/interactions/receiving-and-responding, see
 * shared/data/fixtures/discord/interaction_slash_command_with_options.discord-docs.json), filled
 * with the fields discord.js 14 reads (application_id, channel, entitlements, authorizing_integration_owners).
 */

const EPOCH = 1420070400000n;
let seq = 0n;
let last = 0n;

/** Increasing snowflakes with the current time in them. */
export function snowflake(at = Date.now()): string {
  const ms = BigInt(at) - EPOCH;
  if (ms !== last) {
    last = ms;
    seq = 0n;
  }
  seq = (seq + 1n) & 0xfffn;
  return ((ms << 22n) | (1n << 17n) | seq).toString();
}

export interface FakeUser {
  id: string;
  username: string;
  global_name: string | null;
  discriminator: string;
  avatar: string | null;
  bot?: boolean;
  public_flags?: number;
}

export const user = (id: string, username: string, globalName: string | null = null): FakeUser => ({
  id,
  username,
  global_name: globalName,
  discriminator: "0",
  avatar: null,
  public_flags: 0,
});

export interface Where {
  /** Guild channel when set; a DM with the user otherwise. */
  guildId?: string;
  channelId: string;
}

export type ApiMessage = Record<string, unknown> & { id: string; channel_id: string; flags: number };

function base(type: number, who: FakeUser, where: Where, appId: string) {
  const guild = where.guildId;
  return {
    id: snowflake(),
    application_id: appId,
    type,
    token: `itok_${randomBytes(24).toString("base64url")}`,
    version: 1,
    app_permissions: "442368",
    locale: "en-US",
    entitlements: [],
    attachment_size_limit: 10485760,
    authorizing_integration_owners: guild ? { "0": guild } : { "1": who.id },
    context: guild ? 0 : 1,
    channel_id: where.channelId,
    ...(guild
      ? {
          guild_id: guild,
          guild_locale: "en-US",
          channel: { id: where.channelId, type: 0, guild_id: guild, name: "general", nsfw: false, position: 0, permissions: "2147483647", flags: 0 },
          member: {
            user: who,
            roles: [],
            premium_since: null,
            permissions: "2147483647",
            pending: false,
            nick: null,
            mute: false,
            deaf: false,
            flags: 0,
            joined_at: "2024-01-01T00:00:00.000000+00:00",
          },
        }
      : { channel: { id: where.channelId, type: 1, recipients: [who], flags: 0 }, user: who }),
  };
}

export interface OptionInput {
  name: string;
  value: string | number;
  /** 3 string (default), 4 integer, 10 number */
  type?: number;
  focused?: boolean;
}

export function slashCommandPayload(appId: string, o: { name: string; options?: OptionInput[]; user: FakeUser } & Where) {
  const p = base(2, o.user, o, appId);
  return {
    ...p,
    data: {
      id: snowflake(),
      name: o.name,
      type: 1,
      ...(o.options?.length ? { options: o.options.map((x) => ({ type: x.type ?? 3, name: x.name, value: x.value })) } : {}),
      ...(o.guildId ? { guild_id: o.guildId } : {}),
    },
  };
}

export function autocompletePayload(appId: string, o: { name: string; options: OptionInput[]; user: FakeUser } & Where) {
  const p = base(4, o.user, o, appId);
  return {
    ...p,
    data: {
      id: snowflake(),
      name: o.name,
      type: 1,
      options: o.options.map((x) => ({ type: x.type ?? 3, name: x.name, value: x.value, ...(x.focused ? { focused: true } : {}) })),
    },
  };
}

export function buttonPayload(appId: string, o: { customId: string; message: ApiMessage; user: FakeUser } & Where) {
  const p = base(3, o.user, o, appId);
  return { ...p, message: o.message, data: { custom_id: o.customId, component_type: 2 } };
}

export type InteractionPayload = ReturnType<typeof slashCommandPayload> | ReturnType<typeof buttonPayload> | ReturnType<typeof autocompletePayload>;

/** A full Message object (discord.js builds a Message from whatever we answer). */
export function messageObject(o: {
  id?: string;
  channelId: string;
  guildId?: string;
  author: FakeUser;
  body: Record<string, unknown>;
  flags?: number;
  appId?: string;
  attachments?: Array<{ filename: string; size: number; description?: string }>;
}): ApiMessage {
  const id = o.id ?? snowflake();
  return {
    id,
    type: o.appId ? 20 : 0,
    channel_id: o.channelId,
    ...(o.guildId ? { guild_id: o.guildId } : {}),
    author: o.author,
    content: typeof o.body.content === "string" ? o.body.content : "",
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
    tts: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: (o.attachments ?? []).map((a) => ({
      id: snowflake(),
      filename: a.filename,
      size: a.size,
      url: `https://cdn.discordapp.invalid/attachments/${o.channelId}/${id}/${a.filename}`,
      proxy_url: `https://media.discordapp.invalid/attachments/${o.channelId}/${id}/${a.filename}`,
      content_type: "image/png",
      ...(a.description ? { description: a.description } : {}),
    })),
    embeds: Array.isArray(o.body.embeds) ? o.body.embeds : [],
    components: Array.isArray(o.body.components) ? o.body.components : [],
    pinned: false,
    flags: o.flags ?? 0,
    ...(o.appId ? { webhook_id: o.appId, application_id: o.appId } : {}),
  };
}
