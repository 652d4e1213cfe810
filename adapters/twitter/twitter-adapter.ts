import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { InboundMessage, Reply } from "../../core/domain/message.js";
import type { KvStore, Leases } from "../../core/ports/kv.port.js";
import type { Logger } from "../../core/ports/logger.port.js";
import type { DeliveryResult, Notifier } from "../../core/ports/notifier.port.js";
import type { ProcessedUpdates } from "../../core/ports/updates.port.js";
import type { Spacer } from "../../core/ports/rate-limit.port.js";
import type { Outcome, Responder } from "../../core/router/pipeline.js";
import { AuthorCap, DAY_MS, HOUR_MS } from "./author-cap.js";
import { MentionPoller } from "./mention-poller.js";
import { decideMention, looksLikeBot, X_LINES, type MentionDecision } from "./mention-policy.js";
import { XApiError, XClient, type XCredentials, type XTweet, type XUser } from "./x-client.js";
import { fitDm, fitTweet, renderForX } from "./x-text.js";

export interface TwitterAdapterOptions {
  /** TWITTER_API_ROOT, e.g. https://api.twitter.com (no trailing slash needed). */
  apiRoot: string;
  credentials: XCredentials;
  handle: (msg: InboundMessage, respond: Responder) => Promise<Outcome>;
  kv: KvStore;
  leases: Leases;
  /** Idempotency of the replies that are answered here without the router (refusals, help). */
  updates: ProcessedUpdates;
  log: Logger;
  /** The app's clock (kv timestamps, the per-author hour). */
  now: () => number;
  pollMs: number;
  /** Public replies one author may get per hour; over it a mention is logged and not answered. */
  maxRepliesPerAuthorHour: number;
  /** Every command name and alias Purser knows: a mention starting with one addresses Purser. */
  commands: readonly string[];
  /** Alerts and other pushes as X DMs to linked users; off = the notifier refuses permanently. */
  dmAlerts: boolean;
  /**
   * DMs are paced (X allows about 200 DM sends per 15 minutes per app user: one every 4.5 s) in a
   * store every process shares (Redis) or this process: a DM that comes too soon is handed back to
   * the outbox for later (deferred, not an attempt), so a burst of alerts queues instead of running
   * into 429s, and never holds up other platforms' deliveries. Default gap 4,500 ms.
   */
  spacer?: Spacer;
  dmGapMs?: number;
  /** Upload chart PNGs (v1.1 media upload); off = the caption only. Default on. */
  media?: boolean;
  pageSize?: number;
  leaseTtlMs?: number;
  firstRunLookbackMs?: number;
  owner?: string;
  requestTimeoutMs?: number;
}

const POST_ATTEMPTS = 3;

/**
 * X (Twitter): public mentions in, public replies out, in thread. Only mentions that address Purser
 * are answered and only read-only public commands are routed (see mention-policy.ts); private answers
 * are never posted; a per-author hourly cap, the short help at most once per author a day and the
 * refusal at most once an hour (all in the kv store: they hold across restarts and instances); no
 * replies to ourselves or to bots. Pushes go out as DMs when enabled.
 */
export class TwitterAdapter {
  readonly client: XClient;
  readonly poller: MentionPoller;
  private readonly cap: AuthorCap;
  /** The short help for free text: once per author per day. */
  private readonly helpOnce: AuthorCap;
  /** The refusal of a trade or private request: once per author per hour. */
  private readonly refusalOnce: AuthorCap;
  private readonly commands: ReadonlySet<string>;
  private readonly log: Logger;
  private started = false;

  constructor(private readonly o: TwitterAdapterOptions) {
    this.log = o.log.child({ adapter: "twitter" });
    this.client = new XClient(o.apiRoot, o.credentials, o.requestTimeoutMs);
    this.cap = new AuthorCap(o.kv, o.maxRepliesPerAuthorHour, o.now);
    this.helpOnce = new AuthorCap(o.kv, 1, o.now, "twitter:help-once:", DAY_MS);
    this.refusalOnce = new AuthorCap(o.kv, 1, o.now, "twitter:refusal-once:", HOUR_MS);
    this.commands = new Set(o.commands.map((c) => c.toLowerCase()));
    this.poller = new MentionPoller({
      client: this.client,
      kv: o.kv,
      leases: o.leases,
      log: this.log,
      pollMs: o.pollMs,
      leaseTtlMs: o.leaseTtlMs ?? Math.max(30_000, 3 * o.pollMs),
      owner: o.owner ?? `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`,
      now: o.now,
      onMention: (t, author, me) => this.onMention(t, author, me),
      ...(o.pageSize ? { pageSize: o.pageSize } : {}),
      ...(o.firstRunLookbackMs !== undefined ? { firstRunLookbackMs: o.firstRunLookbackMs } : {}),
    });
  }

  /**
   * Checks the credentials (GET /2/users/me: X answers and the keys work), then starts polling (only
   * the lease holder among instances actually polls). A failed start can be called again.
   */
  async start(): Promise<void> {
    const me = await this.client.me();
    if (this.started) return;
    this.started = true;
    this.poller.start(me);
    this.log.info({ pollMs: this.o.pollMs, bot: me.username }, "x mentions poller started");
  }

  /** Stops polling; a mention being answered finishes first. Releases the lease. */
  async stop(): Promise<void> {
    await this.poller.stop();
  }

  notifier(): Notifier {
    return { platform: "twitter", send: (chatId, reply) => this.sendDm(chatId, reply) };
  }

  private async sendDm(participantId: string, reply: Reply): Promise<DeliveryResult> {
    if (!this.o.dmAlerts) return { ok: false, permanent: true, reason: "X pushes disabled" };
    if (this.o.spacer) {
      // Not now: the outbox keeps the message and offers it again when X's pace allows (no attempt spent).
      const wait = await this.o.spacer.take("x:dm", this.o.dmGapMs ?? 4500);
      if (wait > 0) return { ok: false, permanent: false, deferred: true, retryAfterMs: wait, reason: "pacing X DMs" };
    }
    try {
      const r = await this.client.sendDm(participantId, fitDm(renderForX(reply, { defuse: false })));
      return { ok: true, messageIds: [r.id] };
    } catch (err) {
      const x = err instanceof XApiError ? err : new XApiError(String(err), 0, {});
      if (x.rateLimited) {
        return { ok: false, permanent: false, reason: x.message, retryAfterMs: Math.max(1000, (x.rate.resetAt ?? 0) - Date.now()) };
      }
      return { ok: false, permanent: !x.retryable, reason: x.message };
    }
  }

  private async onMention(t: XTweet, author: XUser | undefined, me: XUser): Promise<void> {
    const username = author?.username ?? "";
    const log = this.log.child({ tweet: t.id, author: t.authorId });
    if (t.authorId === me.id) return log.debug({}, "own tweet: no reply");
    if (looksLikeBot(username)) return log.info({ username }, "author looks like a bot: no reply");
    const d = decideMention(t, me, this.commands);
    if (d.kind === "ignore") return log.debug({ why: d.why }, "mention not addressed to us: no reply");
    if (!(await this.cap.allowed(t.authorId))) {
      return log.info({ max: this.o.maxRepliesPerAuthorHour }, "per-author hourly reply cap reached: no reply");
    }
    // Every version of an edited tweet carries the first id: an edit is not a second request.
    const key = t.originalId ?? t.id;
    if (d.kind === "route") {
      const msg: InboundMessage = {
        platform: "twitter",
        updateId: key,
        chat: { id: t.conversationId ?? t.id, kind: "group" },
        sender: { id: t.authorId, name: username ? `@${username}` : t.authorId },
        text: d.text,
        mentionsBot: true,
        directed: true,
        botUsername: me.username,
        ...(t.createdAt ? { sentAt: new Date(t.createdAt) } : {}),
      };
      log.info({ command: d.command }, "mention routed");
      await this.o.handle(msg, (reply) => this.answer(t, reply, d));
      return;
    }
    // Answered here, never routed: claim the tweet id so a re-read after a crash does not answer twice.
    if ((await this.o.updates.claim("twitter", key, this.o.now(), 120_000)) === "duplicate") return;
    try {
      const once = d.kind === "refuse" ? this.refusalOnce : d.kind === "help" && d.freeText ? this.helpOnce : undefined;
      if (once && !(await once.take(t.authorId))) {
        return log.info({ decision: d.kind }, "this author was told the same recently: no reply");
      }
      log.info({ decision: d.kind }, d.kind === "refuse" ? "mention refused: private or money action in public" : "mention answered with help");
      await this.post(t, d.kind === "refuse" ? X_LINES.refuse : d.kind === "link-hint" ? X_LINES.linkHint : X_LINES.help);
    } finally {
      await this.o.updates.complete("twitter", key, this.o.now());
    }
  }

  /** A router reply as one public post: private answers become a neutral line; charts carry their image. */
  private async answer(t: XTweet, reply: Reply, d: MentionDecision): Promise<void> {
    // "@alice @PurserBot price is insane" reads like a command but is a remark in someone else's thread.
    if (d.kind === "route" && !d.direct && reply.kind === "error") {
      return this.log.debug({ tweet: t.id }, "command-like remark in a reply chain did not parse: no reply");
    }
    if (reply.private) {
      const linked = d.kind === "route" && d.command === "link" && reply.kind === "success";
      return this.post(t, linked ? X_LINES.linked : X_LINES.private);
    }
    const image = reply.blocks.find((b) => b.type === "image");
    let mediaIds: string[] = [];
    if (image && this.o.media !== false) {
      try {
        mediaIds = [await this.client.uploadPng(image.png)];
      } catch (err) {
        this.log.warn({ err: err instanceof Error ? err.message : err, tweet: t.id }, "chart upload failed: posting the caption only");
      }
    }
    await this.post(t, renderForX(reply), mediaIds);
  }

  /** Posts a reply in thread, waiting out 429s (until x-rate-limit-reset) and retrying 5xx. Never throws. */
  private async post(t: XTweet, text: string, mediaIds: string[] = []): Promise<void> {
    const body = await fitTweet(text);
    for (let attempt = 1; attempt <= POST_ATTEMPTS; attempt++) {
      try {
        const r = await this.client.reply(body, t.id, mediaIds);
        await this.cap.record(t.authorId);
        this.log.info({ tweet: t.id, reply: r.id, media: mediaIds.length }, "replied on X");
        return;
      } catch (err) {
        const x = err instanceof XApiError ? err : new XApiError(String(err), 0, {});
        if (!x.retryable || attempt === POST_ATTEMPTS) {
          this.log.error({ tweet: t.id, status: x.status, err: x.message }, "could not reply on X");
          return;
        }
        const until = x.rateLimited && x.rate.resetAt ? x.rate.resetAt : Date.now() + 1000 * 2 ** attempt;
        this.log.warn({ tweet: t.id, status: x.status, until: new Date(until).toISOString() }, "X reply failed: waiting to retry");
        if (!(await this.poller.waitUntil(until))) return;
      }
    }
  }
}
