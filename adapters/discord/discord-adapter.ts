import { Client, Events, GatewayIntentBits, Options, Routes, type AutocompleteInteraction, type Interaction } from "discord.js";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { InboundMessage } from "../../core/domain/message.js";
import type { KvStore } from "../../core/ports/kv.port.js";
import type { Logger } from "../../core/ports/logger.port.js";
import type { Notifier } from "../../core/ports/notifier.port.js";
import type { AnyCommand } from "../../core/router/command.js";
import type { Outcome, Responder } from "../../core/router/pipeline.js";
import { suggestTokens } from "./autocomplete.js";
import { errorInfo, InteractionFlow, type InteractionTransport } from "./flow.js";
import { interactionsHandler, publicKeyFromHex } from "./http-interactions.js";
import { factsFromDiscordJs, isPrivateChat, toInbound, type InteractionFacts } from "./normalize.js";
import { DiscordNotifier } from "./notifier.js";
import { registerCommands } from "./register.js";
import { GatewayTransport, RestTransport } from "./transports.js";

export interface DiscordAdapterOptions {
  token: string;
  applicationId: string;
  /** REST root without the version, e.g. https://discord.com/api (DISCORD_API_ROOT). */
  apiRoot: string;
  handle: (msg: InboundMessage, respond: Responder) => Promise<Outcome>;
  /** The command registry: slash commands are generated from it. */
  commands: readonly AnyCommand[];
  /** Where the hash of the registered definitions is kept (so an unchanged restart sends nothing). */
  kv: KvStore;
  log: Logger;
  now?: () => number;
  /** Register guild commands here (instant; development) instead of global ones. */
  guildId?: string;
  /** Post non-private pushes to this channel (mentioning the user) instead of DMs. */
  notifyChannelId?: string;
  /** Application public key (hex) for HTTP interactions. */
  publicKey?: string;
  /** gateway (default): interactions over the discord.js gateway; http: only the interactions endpoint, no gateway. */
  mode?: "gateway" | "http";
  /** Defer when the router has not answered after this long (Discord allows 3 s). Default 2000. */
  deferAfterMs?: number;
  /** A rate limit longer than this fails the request instead of waiting (the outbox retries). Default 60 s. */
  maxRateLimitWaitMs?: number;
  /** How long start() waits for the gateway's READY. Default 30 s. */
  readyTimeoutMs?: number;
  /**
   * Gateway shards this process runs: "auto" = as many as Discord recommends, all in this process (over
   * @discordjs/ws); unset = discord.js's default (shard 0 of 1, or what a ShardingManager parent assigned).
   */
  shards?: "auto" | number[];
  shardCount?: number;
}

/**
 * What discord.js keeps in memory. Purser reads nothing from the caches but ids: interactions carry
 * their user, member and channel, and replies and pushes go over REST. Guilds, channels and roles
 * keep discord.js's defaults (it needs them; they are not limitable), and so do users; the bot's own
 * member stays (discord.js reads it for permissions); everything else that grows with the guilds'
 * activity (messages, members, presences, reactions, emojis, stickers, voice, threads' members,
 * invites, bans, events, commands fetched) is not kept.
 */
const LEAN_CACHES = Options.cacheWithLimits({
  ...Options.DefaultMakeCacheSettings,
  MessageManager: 0,
  GuildMemberManager: { maxSize: 0, keepOverLimit: (m) => m.id === m.client.user.id },
  PresenceManager: 0,
  ReactionManager: 0,
  ReactionUserManager: 0,
  GuildEmojiManager: 0,
  GuildStickerManager: 0,
  VoiceStateManager: 0,
  ThreadMemberManager: 0,
  GuildInviteManager: 0,
  GuildBanManager: 0,
  GuildScheduledEventManager: 0,
  StageInstanceManager: 0,
  AutoModerationRuleManager: 0,
  ApplicationCommandManager: 0,
});

/**
 * Discord on discord.js: slash commands generated from the registry, interactions over the gateway (or the
 * HTTP interactions endpoint) turned into InboundMessages, answers within Discord's 3 s (direct, or
 * deferred then edited), private replies ephemeral, replies rendered as embeds, pushes by DM.
 */
export class DiscordAdapter {
  /** REST for commands, replies and pushes: one manager (token, rate-limit buckets) for every gateway client. */
  readonly rest: Client["rest"];
  private current: Client;
  private readonly log: Logger;
  private readonly byName: Map<string, AnyCommand>;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private notifierInstance: DiscordNotifier | undefined;
  private stopped = false;

  constructor(private readonly o: DiscordAdapterOptions) {
    this.log = o.log.child({ adapter: "discord" });
    this.byName = new Map(o.commands.map((c) => [c.name, c]));
    this.current = this.newClient();
    this.rest = this.current.rest;
    this.rest.setToken(o.token);
    this.rest.on("rateLimited", (d) =>
      this.log.info({ route: d.route, retryAfterMs: d.retryAfter, global: d.global }, "discord rate limit: waiting"),
    );
  }

  /** The gateway client (a new one after a failed login: discord.js cannot log a destroyed client in again). */
  get client(): Client {
    return this.current;
  }

  private newClient(): Client {
    const maxWait = this.o.maxRateLimitWaitMs ?? 60_000;
    const client = new Client({
      intents: [GatewayIntentBits.Guilds],
      rest: { api: this.o.apiRoot, rejectOnRateLimit: (d) => d.retryAfter > maxWait },
      allowedMentions: { parse: [] },
      makeCache: LEAN_CACHES,
      ...(this.o.shards !== undefined ? { shards: this.o.shards } : {}),
      ...(this.o.shardCount !== undefined ? { shardCount: this.o.shardCount } : {}),
    });
    // Every use of client.rest inside discord.js reads the property, so a replacement client keeps the one REST.
    if (this.current) client.rest = this.rest;
    client.on(Events.Error, (err) => this.log.error({ err: errorInfo(err) }, "discord client error"));
    client.on(Events.ShardError, (err) => this.log.warn({ err: errorInfo(err) }, "discord gateway error"));
    client.on(Events.InteractionCreate, (i) => this.onInteraction(i));
    return client;
  }

  get mode(): "gateway" | "http" {
    return this.o.mode ?? "gateway";
  }

  /**
   * Registers the slash commands when they changed, then connects: gateway mode logs in and waits for
   * READY; HTTP mode checks the token over REST. `signal` ends an attempt that takes too long; a
   * failed start can be called again (bots/connect.ts does, with back-off) and begins a fresh session.
   */
  async start(signal?: AbortSignal): Promise<void> {
    this.rest.setToken(this.o.token); // a destroyed client clears its REST's token
    await registerCommands({
      rest: this.rest,
      kv: this.o.kv,
      log: this.log,
      applicationId: this.o.applicationId,
      commands: this.o.commands,
      now: this.o.now ?? Date.now,
      ...(this.o.guildId ? { guildId: this.o.guildId } : {}),
      ...(signal ? { signal } : {}),
    });
    signal?.throwIfAborted();
    if (this.mode === "http") {
      await this.rest.get(Routes.user(), signal ? { signal } : {}); // the token works and Discord answers
      this.log.info("discord HTTP interactions mode: no gateway connection");
      return;
    }
    const client = this.current;
    const abandon = () => void client.destroy().catch(() => undefined);
    signal?.addEventListener("abort", abandon, { once: true });
    try {
      await client.login(this.o.token);
      if (!client.isReady()) await this.waitReady(client, this.o.readyTimeoutMs ?? 30_000, signal);
    } catch (err) {
      // A failed (or abandoned) login leaves the client destroyed for good: the next attempt gets a new one.
      abandon();
      if (this.current === client) this.current = this.newClient();
      throw err;
    } finally {
      signal?.removeEventListener("abort", abandon);
    }
    this.log.info({ bot: this.client.user?.username }, "discord gateway connected");
  }

  /** Stops intake, lets in-flight interactions finish (up to 10 s), closes the gateway. */
  async stop(): Promise<void> {
    this.stopped = true;
    let cap: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.inFlight]), new Promise((r) => (cap = setTimeout(r, 10_000)))]);
    clearTimeout(cap);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.client.destroy();
  }

  notifier(): Notifier {
    this.notifierInstance ??= new DiscordNotifier({
      rest: this.rest,
      log: this.log,
      ...(this.o.notifyChannelId ? { notifyChannelId: this.o.notifyChannelId } : {}),
    });
    return this.notifierInstance;
  }

  /** Node http handler for the Interactions Endpoint URL (needs the application's public key); the body comes read and capped. */
  httpHandler(): (req: IncomingMessage, res: ServerResponse, body: Buffer) => Promise<void> {
    if (!this.o.publicKey) throw new Error("DISCORD_PUBLIC_KEY is required for HTTP interactions");
    const handler = interactionsHandler({
      publicKey: publicKeyFromHex(this.o.publicKey),
      now: this.o.now ?? Date.now,
      log: this.log,
      autocomplete: (f) => this.suggest(f),
      accept: (f) => {
        const ephemeral = this.ephemeralDefer(f);
        const transport = new RestTransport(this.rest, this.o.applicationId, f);
        return { ephemeral, run: () => this.track(this.process(f, transport, true)) };
      },
    });
    return async (req, res, body) => {
      if (this.stopped) {
        res.writeHead(503, { "retry-after": "5" }).end();
        return;
      }
      await handler(req, res, body);
    };
  }

  private waitReady(client: Client, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (err?: Error) => {
        clearTimeout(t);
        client.off(Events.ClientReady, ready);
        signal?.removeEventListener("abort", aborted);
        if (err) reject(err);
        else resolve();
      };
      const ready = () => done();
      const aborted = () => done(new Error("discord gateway connection abandoned"));
      const t = setTimeout(() => done(new Error(`discord gateway not ready after ${ms} ms`)), ms);
      client.once(Events.ClientReady, ready);
      signal?.addEventListener("abort", aborted, { once: true });
    });
  }

  private onInteraction(i: Interaction): void {
    if (this.stopped) return;
    if (i.isAutocomplete()) {
      this.track(this.autocomplete(i));
      return;
    }
    if (!i.isChatInputCommand() && !i.isButton()) return;
    this.track(this.process(factsFromDiscordJs(i), new GatewayTransport(i), false));
  }

  private async autocomplete(i: AutocompleteInteraction): Promise<void> {
    await i.respond(this.suggest(factsFromDiscordJs(i))).catch((err: unknown) => this.log.debug({ err: errorInfo(err) }, "autocomplete answer failed"));
  }

  private suggest(f: InteractionFacts) {
    const focused = f.options.find((o) => o.focused) ?? f.options[f.options.length - 1];
    return focused ? suggestTokens(focused.name, String(focused.value ?? "")) : [];
  }

  /** Defer ephemerally when the command's replies are private, and for button presses (results are personal). */
  private ephemeralDefer(f: InteractionFacts): boolean {
    if (f.kind === "button") return true;
    return this.byName.get(f.commandName ?? "")?.privateReply === true;
  }

  private track(p: Promise<void>): void {
    const q = p.catch((err: unknown) => this.log.error({ err: errorInfo(err) }, "discord interaction failed"));
    this.inFlight.add(q);
    void q.finally(() => this.inFlight.delete(q));
  }

  private async process(f: InteractionFacts, transport: InteractionTransport, alreadyDeferred: boolean): Promise<void> {
    const msg = toInbound(f, this.byName.get(f.commandName ?? ""), this.client.user?.username);
    if (!msg) return;
    const flow = new InteractionFlow(transport, {
      isButton: f.kind === "button",
      inGuild: !isPrivateChat(f),
      originalEphemeral: f.messageEphemeral === true,
      ephemeralDefer: this.ephemeralDefer(f),
      deferAfterMs: this.o.deferAfterMs ?? 2000,
      alreadyDeferred,
      log: this.log.child({ interaction: f.id }),
      later: (ms, fn) => {
        const t = setTimeout(() => {
          this.timers.delete(t);
          fn();
        }, ms);
        t.unref?.();
        this.timers.add(t);
      },
    });
    flow.start();
    let outcome: Outcome = "error";
    try {
      outcome = await this.o.handle(msg, flow.respond);
    } finally {
      await flow.finish(outcome);
    }
  }
}
