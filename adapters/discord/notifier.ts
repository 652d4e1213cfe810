import { DiscordAPIError, HTTPError, RateLimitError, Routes, type REST } from "discord.js";
import type { Reply } from "../../core/domain/message.js";
import type { Logger } from "../../core/ports/logger.port.js";
import type { DeliveryResult, Notifier, PushProgress } from "../../core/ports/notifier.port.js";
import { errorInfo } from "./flow.js";
import { renderDiscord } from "./render.js";
import { restMessage } from "./transports.js";

/** "Cannot send messages to this user" (DMs closed, blocked, no shared server). */
export const CANNOT_DM = 50007;
/** Unknown channel / user: retrying cannot help either. */
const UNKNOWN = new Set([10003, 10013]);
const SNOWFLAKE = /^\d{5,25}$/;
const MAX_CACHED_DMS = 10_000;

export interface DiscordNotifierOptions {
  rest: REST;
  log: Logger;
  /** Post pushes here (mentioning the user) instead of a DM. Private pushes (trade fills) always go by DM. */
  notifyChannelId?: string;
}

/**
 * Pushes (alerts, fills, reports) to a Discord user: a DM (the DM channel is created once through REST and
 * remembered), or the configured notify channel. @discordjs/rest queues per route and waits out 429s;
 * a failure is reported retryable so the outbox tries again, except when Discord says the user cannot be
 * messaged (403 / 50007) or does not exist.
 */
export class DiscordNotifier implements Notifier {
  readonly platform = "discord" as const;
  private readonly dms = new Map<string, string>();

  constructor(private readonly o: DiscordNotifierOptions) {}

  /** Parts are the rendered messages in order; see PushProgress for skipParts and onPart. */
  async send(userId: string, reply: Reply, progress: PushProgress = {}): Promise<DeliveryResult> {
    if (!SNOWFLAKE.test(userId)) return { ok: false, permanent: true, reason: `not a Discord user id: ${userId.slice(0, 32)}` };
    const toChannel = this.o.notifyChannelId && !reply.private ? this.o.notifyChannelId : undefined;
    const ids: string[] = [];
    try {
      const channelId = toChannel ?? (await this.dmChannel(userId));
      const parts = renderDiscord(reply);
      for (let i = progress.skipParts ?? 0; i < parts.length; i++) {
        const { body, files } = restMessage(parts[i]!);
        if (toChannel && i === 0) {
          body.content = `<@${userId}>`;
          body.allowed_mentions = { parse: [], users: [userId] };
        }
        const msg = (await this.o.rest.post(Routes.channelMessages(channelId), { body, files })) as { id: string };
        progress.onPart?.(i, i === parts.length - 1);
        ids.push(msg.id);
      }
      return { ok: true, messageIds: ids };
    } catch (err) {
      return this.failed(userId, err, toChannel);
    }
  }

  private async dmChannel(userId: string): Promise<string> {
    const known = this.dms.get(userId);
    if (known) return known;
    const ch = (await this.o.rest.post(Routes.userChannels(), { body: { recipient_id: userId } })) as { id: string };
    if (this.dms.size >= MAX_CACHED_DMS) this.dms.clear();
    this.dms.set(userId, ch.id);
    return ch.id;
  }

  private failed(userId: string, err: unknown, channel?: string): DeliveryResult {
    if (err instanceof RateLimitError) {
      return { ok: false, permanent: false, reason: `rate limited on ${err.route}`, retryAfterMs: err.retryAfter };
    }
    if (err instanceof DiscordAPIError) {
      const code = typeof err.code === "number" ? err.code : 0;
      if (channel && (err.status === 403 || err.status === 404)) {
        // The notify channel is gone or we lost access: an operator problem, not the user's. Keep retrying
        // (the outbox dead-letters and tells the admins if it lasts) rather than dropping every push.
        this.o.log.error({ err: errorInfo(err), channel }, "cannot post to DISCORD_NOTIFY_CHANNEL_ID");
        return { ok: false, permanent: false, reason: `notify channel: ${err.message}` };
      }
      if (err.status === 403 || code === CANNOT_DM || UNKNOWN.has(code) || err.status === 404) {
        this.dms.delete(userId);
        this.o.log.info({ userId, status: err.status, code }, "discord user cannot be messaged");
        return { ok: false, permanent: true, reason: err.message };
      }
      if (err.status === 429 || err.status === 401) return { ok: false, permanent: false, reason: err.message };
      this.o.log.error({ err: errorInfo(err), userId }, "discord refused a push");
      return { ok: false, permanent: true, reason: err.message };
    }
    const reason = err instanceof HTTPError ? `discord ${err.status}` : err instanceof Error ? err.message : String(err);
    this.o.log.warn({ err: errorInfo(err), userId }, "discord push failed; will retry");
    return { ok: false, permanent: false, reason };
  }
}
