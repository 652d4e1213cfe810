import { directChat, type ChatTarget, type Identity, type Platform } from "../domain/identity.js";
import type { Reply } from "../domain/message.js";
import type { NewOutboxMessage, OutboxStore } from "../ports/alerts.port.js";
import type { Clock } from "../ports/clock.port.js";
import type { Logger } from "../ports/logger.port.js";
import type { DeliveryResult, Notifier, PushProgress } from "../ports/notifier.port.js";
import { pushRows, reachesEveryPlatform, type PushEvent, type PushRecipient, type PushRenderOptions } from "./push-events.js";

export type { PushEvent, PushRecipient } from "./push-events.js";

export interface NotificationsDeps extends PushRenderOptions {
  log: Logger;
  /** Where pushes wait for delivery (the OutboxDispatcher sends them through the notifiers). */
  outbox: Pick<OutboxStore, "enqueue">;
  clock: Clock;
  /**
   * Platforms where a user's linked account also gets every push, as a direct message to that
   * account (X DMs with TWITTER_DM_ALERTS). Needs `identities`.
   */
  copyTo?: readonly Platform[];
  /** A user's linked accounts (UserRepository.identities). */
  identities?: (userId: string) => Promise<Identity[]>;
  /** The user's choice of platforms for pushes (their /settings alerts; null: all). */
  pushPlatforms?: (userId: string) => Promise<readonly Platform[] | null>;
}

/** Who plans pushes that are written along with another change (the alert engine's firing). */
export interface PushPlanner {
  plan(to: PushRecipient, event: PushEvent): Promise<NewOutboxMessage[]>;
  /**
   * The planned push was written (its change committed): live listeners of the user's events (the
   * web stream) hear it now. Never called for a plan whose change was refused.
   */
  told?(userId: string, event: PushEvent): void;
}

/** A live listener of every push told to a user (the web stream's tap): in this process, in order. */
export type PushListener = (userId: string, event: PushEvent) => void;

/**
 * Outgoing pushes (fills, alerts): a typed event for a user becomes outbox rows, one for the chat it
 * belongs to and a copy for each of the user's linked platforms that gets copies, each with its dedupe
 * key; the dispatcher delivers them through the platform notifiers registered here.
 */
export class Notifications implements PushPlanner {
  private readonly byPlatform = new Map<Platform, Notifier>();
  private readonly listeners = new Set<PushListener>();

  constructor(private readonly d: NotificationsDeps) {}

  /** Writes the push (and its copies) to the outbox; each is delivered once. Then tells live listeners. */
  async push(to: PushRecipient, event: PushEvent): Promise<void> {
    for (const row of await this.plan(to, event)) await this.d.outbox.enqueue(row, this.d.clock.now());
    this.told(to.userId, event);
  }

  /**
   * Live listeners hear every push once it is written: the same events, the same moment, no second
   * decision of what a user is told. A failing listener is logged and hurts neither the push nor the others.
   */
  told(userId: string, event: PushEvent): void {
    for (const l of this.listeners) {
      try {
        l(userId, event);
      } catch (err) {
        this.d.log.warn({ err, user: userId }, "push listener failed");
      }
    }
  }

  /** Listens to every push told to any user (the caller keeps each user's to that user). Returns the unsubscribe. */
  listen(listener: PushListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The outbox rows of a push, without writing them: for a caller that writes them in the same
   * transaction as its own change (an alert's firing). A failed lookup of linked accounts sends no copies.
   */
  async plan(to: PushRecipient, event: PushEvent): Promise<NewOutboxMessage[]> {
    if (reachesEveryPlatform(event)) return pushRows(to, event, await this.everywhere(to), this.d);
    const only = await this.pushPlatforms(to.userId);
    if (!only) return pushRows(to, event, await this.copies(to), this.d);
    // The user chose platforms: the chat the push belongs to if it is on one of them, their linked
    // account on each of the others, copies only to those. Nothing left (no account on any chosen
    // platform): the push still goes to its own chat rather than nowhere.
    const linked = this.d.identities ? await this.d.identities(to.userId).catch(() => []) : [];
    const targets: ChatTarget[] = [];
    if (only.includes(to.chat.platform)) targets.push(to.chat);
    for (const p of only) {
      // Telegram and Discord reach a linked account by DM; X only where DMs are on (copyTo).
      const dms = p === "telegram" || p === "discord" || (this.d.copyTo ?? []).includes(p);
      const i = p === to.chat.platform || !dms ? undefined : linked.find((x) => x.platform === p);
      if (i) targets.push(directChat({ platform: p, id: i.platformUserId }));
    }
    const [primary, ...copies] = targets.length ? targets : [to.chat];
    return pushRows({ userId: to.userId, chat: primary! }, event, copies, this.d);
  }

  /**
   * The outbox rows of a security notice (withdrawal address book): one to every account the user
   * linked (Telegram, Discord and the terminal by DM; X only where DMs are on), whatever their push
   * settings, never held. Throws when the linked accounts cannot be read: the caller refuses the
   * change rather than make it unannounced. Writes nothing.
   */
  async announcement(userId: string, event: PushEvent): Promise<NewOutboxMessage[]> {
    if (!this.d.identities) throw new Error("linked accounts are not known here");
    const linked = await this.d.identities(userId);
    const targets = linked
      .filter((i) => i.platform !== "twitter" || (this.d.copyTo ?? []).includes("twitter"))
      .map((i) => directChat({ platform: i.platform, id: i.platformUserId }));
    const [primary, ...copies] = targets;
    return primary ? pushRows({ userId, chat: primary }, event, copies, this.d) : [];
  }

  private async pushPlatforms(userId: string): Promise<readonly Platform[] | null> {
    if (!this.d.pushPlatforms) return null;
    try {
      return await this.d.pushPlatforms(userId);
    } catch (err) {
      this.d.log.warn({ err, user: userId }, "push platforms not known: the push goes everywhere it would by default");
      return null;
    }
  }

  /**
   * Every other platform the user is linked on, by DM: Telegram and Discord always, X where DMs are on
   * (copyTo). A failed lookup of linked accounts sends the push to its own chat only.
   */
  private async everywhere(to: PushRecipient): Promise<ChatTarget[]> {
    if (!this.d.identities) return [];
    const linked = await this.d.identities(to.userId).catch(() => []);
    return linked
      .filter((i) => i.platform === "telegram" || i.platform === "discord" || (this.d.copyTo ?? []).includes(i.platform))
      .map((i) => directChat({ platform: i.platform, id: i.platformUserId }));
  }

  /** The user's other chats that get a copy: their linked account on each `copyTo` platform. */
  private async copies(to: PushRecipient): Promise<ChatTarget[]> {
    const platforms = (this.d.copyTo ?? []).filter((p) => p !== to.chat.platform);
    if (!platforms.length || !this.d.identities) return [];
    const linked = await this.d.identities(to.userId).catch(() => []);
    return platforms.flatMap((platform) => {
      const i = linked.find((x) => x.platform === platform);
      return i ? [{ platform, chatId: i.platformUserId }] : [];
    });
  }

  register(n: Notifier): void {
    this.byPlatform.set(n.platform, n);
  }

  has(platform: Platform): boolean {
    return this.byPlatform.has(platform);
  }

  /** The platforms this process can deliver to (their notifiers are registered). */
  platforms(): Platform[] {
    return [...this.byPlatform.keys()];
  }

  /** Sends one outbox row's reply through its platform's notifier (the dispatcher's part). */
  async deliver(target: ChatTarget, reply: Reply, progress?: PushProgress): Promise<DeliveryResult> {
    const n = this.byPlatform.get(target.platform);
    if (!n) {
      // Not this process's platform (or not registered yet): another process, or a later moment,
      // delivers it. Never a permanent failure: that would drop the push for good.
      this.d.log.warn({ platform: target.platform }, "no notifier for platform here; push left for one that has it");
      return { ok: false, permanent: false, deferred: true, retryAfterMs: 1000, reason: `no ${target.platform} notifier in this process` };
    }
    return n.send(target.chatId, reply, progress);
  }
}
