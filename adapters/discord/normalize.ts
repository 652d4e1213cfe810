import type { AutocompleteInteraction, ButtonInteraction, ChatInputCommandInteraction } from "discord.js";
import type { InboundMessage } from "../../core/domain/message.js";
import type { AnyCommand } from "../../core/router/command.js";
import { commandText } from "./commands.js";

/** Discord interaction types and the channel type of a DM (API numbers, stable). */
export const INTERACTION = { ping: 1, command: 2, component: 3, autocomplete: 4 } as const;
const CHANNEL_DM = 1;
const COMPONENT_BUTTON = 2;
const COMMAND_CHAT_INPUT = 1;
const EPHEMERAL = 1 << 6;

export interface InteractionOption {
  name: string;
  value?: string | number | boolean;
  focused?: boolean;
}

/** What Purser needs from an interaction, whether it came over the gateway (discord.js) or HTTP (raw JSON). */
export interface InteractionFacts {
  id: string;
  token: string;
  applicationId: string;
  kind: "ping" | "command" | "button" | "autocomplete" | "other";
  guildId?: string;
  channelId?: string;
  channelType?: number;
  user: { id: string; name: string; bot: boolean };
  commandName?: string;
  options: InteractionOption[];
  customId?: string;
  /** The message that carried the pressed button. */
  messageId?: string;
  messageEphemeral?: boolean;
}

interface ApiUser {
  id: string;
  username?: string;
  global_name?: string | null;
  bot?: boolean;
}
interface ApiOption {
  name: string;
  type?: number;
  value?: string | number | boolean;
  focused?: boolean;
  options?: ApiOption[];
}
/** The slice of an APIInteraction payload we read (the fields are Discord's). */
export interface ApiInteraction {
  id: string;
  type: number;
  token: string;
  application_id?: string;
  guild_id?: string;
  channel_id?: string;
  channel?: { id: string; type?: number };
  user?: ApiUser;
  member?: { user?: ApiUser };
  data?: { name?: string; type?: number; options?: ApiOption[]; custom_id?: string; component_type?: number };
  message?: { id: string; flags?: number };
}

const userName = (u: { username?: string; global_name?: string | null; globalName?: string | null }) =>
  u.global_name || u.globalName || u.username || "discord user";

/** Flattens subcommand groups away (we register none, but a stale registration must not crash). */
const flatOptions = (opts: ApiOption[] = []): InteractionOption[] =>
  opts.flatMap((o) =>
    o.options
      ? flatOptions(o.options)
      : [{ name: o.name, ...(o.value !== undefined ? { value: o.value } : {}), ...(o.focused ? { focused: true } : {}) }],
  );

export function factsFromApi(p: ApiInteraction): InteractionFacts {
  const u = p.member?.user ?? p.user ?? { id: "0" };
  const kind =
    p.type === INTERACTION.ping
      ? "ping"
      : p.type === INTERACTION.command && (p.data?.type ?? COMMAND_CHAT_INPUT) === COMMAND_CHAT_INPUT
        ? "command"
        : p.type === INTERACTION.component && p.data?.component_type === COMPONENT_BUTTON
          ? "button"
          : p.type === INTERACTION.autocomplete
            ? "autocomplete"
            : "other";
  const f: InteractionFacts = {
    id: p.id,
    token: p.token,
    applicationId: p.application_id ?? "",
    kind,
    user: { id: u.id, name: userName(u), bot: u.bot === true },
    options: flatOptions(p.data?.options),
  };
  if (p.guild_id) f.guildId = p.guild_id;
  const channelId = p.channel?.id ?? p.channel_id;
  if (channelId) f.channelId = channelId;
  if (p.channel?.type !== undefined) f.channelType = p.channel.type;
  if (p.data?.name) f.commandName = p.data.name;
  if (p.data?.custom_id !== undefined) f.customId = p.data.custom_id;
  if (p.message) {
    f.messageId = p.message.id;
    f.messageEphemeral = ((p.message.flags ?? 0) & EPHEMERAL) !== 0;
  }
  return f;
}

type JsInteraction = ChatInputCommandInteraction | ButtonInteraction | AutocompleteInteraction;

export function factsFromDiscordJs(i: JsInteraction): InteractionFacts {
  const f: InteractionFacts = {
    id: i.id,
    token: i.token,
    applicationId: i.applicationId,
    kind: i.isButton() ? "button" : i.isAutocomplete() ? "autocomplete" : "command",
    user: { id: i.user.id, name: userName(i.user), bot: i.user.bot },
    options: [],
  };
  if (i.guildId) f.guildId = i.guildId;
  if (i.channelId) f.channelId = i.channelId;
  if (i.channel) f.channelType = i.channel.type;
  if (i.isButton()) {
    f.customId = i.customId;
    f.messageId = i.message.id;
    f.messageEphemeral = i.message.flags.has(EPHEMERAL);
  } else {
    f.commandName = i.commandName;
    f.options = flatOptions(i.options.data as unknown as ApiOption[]);
  }
  return f;
}

/** A DM is the one chat that is private; guild channels and group DMs are groups. */
export const isPrivateChat = (f: InteractionFacts) => !f.guildId && (f.channelType === undefined || f.channelType === CHANNEL_DM);

/** Snowflake -> when Discord created it. */
export function snowflakeTime(id: string): Date | undefined {
  try {
    return new Date(Number((BigInt(id) >> 22n) + 1420070400000n));
  } catch {
    return undefined;
  }
}

/**
 * The router's InboundMessage. updateId is the interaction id (a repeated id is processed once); a DM's
 * chat id is the user id, so pushes and `notifyTarget` reach the same person as on Telegram; a slash
 * command's options are rebuilt into `/name arg1 arg2 ...` in the command's positional order.
 */
export function toInbound(f: InteractionFacts, cmd: AnyCommand | undefined, botUsername?: string): InboundMessage | undefined {
  if (f.kind !== "command" && f.kind !== "button") return undefined;
  const priv = isPrivateChat(f);
  const msg: InboundMessage = {
    platform: "discord",
    updateId: f.id,
    chat: { id: priv ? f.user.id : (f.channelId ?? f.guildId ?? f.user.id), kind: priv ? "private" : "group" },
    sender: { id: f.user.id, name: f.user.name, isBot: f.user.bot },
    text: f.kind === "command" ? commandText(f.commandName ?? "", cmd, f.options) : "",
    mentionsBot: true, // an interaction is always addressed to us
    directed: true, // Discord sends a slash command only to the application that registered it
  };
  if (f.kind === "button") msg.action = f.customId ?? "";
  if (f.messageId) msg.replyTo = f.messageId;
  if (botUsername) msg.botUsername = botUsername;
  const at = snowflakeTime(f.id);
  if (at) msg.sentAt = at;
  return msg;
}
