import { UserError } from "../errors.js";
import type { Clock } from "../ports/clock.port.js";
import type { Logger } from "../ports/logger.port.js";
import type { RateDecision, RateLimiter, RateLimiterFactory } from "../ports/rate-limit.port.js";
import type { ProcessedUpdates } from "../ports/updates.port.js";
import type { ButtonSpec } from "../ports/actions.port.js";
import type { ResolvedUser } from "../ports/identity.port.js";
import type { RouterPorts } from "../ports/commands.port.js";
import { AmbiguousTokenError } from "../services/token-registry.service.js";
import { parseOwn, portsFor, type AnyCommand, type CommandContext } from "./command.js";
import { pickReply } from "./disambiguation.js";
import { failureReply, needsModelConfirm, newCorrelationId } from "./failure.js";
import type { IntentResolver } from "./intent.js";
import type { Button, InboundMessage, Reply } from "./message.js";
import { sanitize, validArgs } from "./parse.js";
import { Pipeline, type Call, type Claimed, type Identified, type Job, type Outcome, type ReplyMeta, type Responder } from "./pipeline.js";
import type { Route, Routed, RouterContext, Stage, Targeted, Validated } from "./pipeline.js";
import { LazyChildLogger } from "./lazy-log.js";
import { refusalOf } from "./preconditions.js";
import { proposalReply } from "./proposal.js";
import type { CommandRegistry } from "./registry.js";
import { textReply } from "./reply.js";
import { routeButton, routeText } from "./route.js";

export { newCorrelationId, unavailableReply, userErrorReply } from "./failure.js";

/** The meta of a reply that is not an error (shared: nothing writes to it). */
const NO_META: Readonly<ReplyMeta> = Object.freeze({});

export interface RouterDeps {
  registry: CommandRegistry;
  services: RouterPorts;
  updates: ProcessedUpdates;
  limiters: RateLimiterFactory;
  log: Logger;
  clock: Clock;
  intent?: IntentResolver;
  /** Messages a user may send per minute (the local console is exempt). */
  userRatePerMin?: number;
  /** An update claimed but never completed is taken over after this long (its process died). */
  claimLeaseMs?: number;
  /** Observers (metrics): called once per handled message. */
  onDone?: (ctx: RouterContext) => void;
}

/**
 * The one pipeline every platform feeds: claim (dedupe) -> identify -> route -> rate limit ->
 * interpret (free text) -> authorize -> validate -> run -> respond, inside an error boundary
 * (`handle`); the claimed update is marked done outside it, once every reply (an error reply too)
 * has been sent. Each step hands the next a narrower context (see pipeline.ts). Every routed
 * message spends its rate-limit point in one step, before the intent resolver may call a model.
 *
 * Steps that have nothing to wait for in the common case (a cached sender, an in-process rate
 * limit, a typed command) answer synchronously and hand on `next`'s own promise: a message pays
 * for the awaits it needs (the claim, the command, the reply), not one per step.
 */
export class Router {
  private readonly pipeline: (ctx: RouterContext) => Promise<void>;
  private readonly userLimiter: RateLimiter;
  private readonly throttledNotice = new Map<string, number>();
  private readonly lease: number;
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly deps: RouterDeps) {
    this.userLimiter = deps.limiters.create("user-messages", { points: deps.userRatePerMin ?? 30, durationS: 60 });
    this.lease = deps.claimLeaseMs ?? 120_000;
    this.pipeline = Pipeline.start<RouterContext>()
      .then(this.claim)
      .then(this.identify)
      .then(this.route)
      .then(this.rateLimit)
      .then(this.interpret)
      .then(this.authorize)
      .then(this.validate)
      .then(this.disambiguate)
      .then(this.run)
      .build();
  }

  /** Handles one inbound message; `respond` renders and sends the reply on the message's platform. */
  async handle(msg: InboundMessage, respond: Responder): Promise<Outcome> {
    const corr = newCorrelationId();
    const ctx: RouterContext = {
      msg,
      respond,
      corr,
      log: new LazyChildLogger(this.deps.log, { platform: msg.platform, chat: msg.chat.id, corr }),
      startedAt: this.deps.clock.now(),
      text: "",
      outcome: "ignored",
    };
    this.inFlight++;
    try {
      try {
        await this.pipeline(ctx);
      } catch (err) {
        // the error boundary: every failure becomes a reply (see failure.ts)
        await this.send(ctx, failureReply(ctx, err)).catch((sendErr: unknown) => ctx.log.error({ err: sendErr }, "could not send the error reply"));
      }
      // After everything, replies included: the claimed update is done (a redelivery is a duplicate).
      // One reading of the clock for the mark and the observers.
      const finishedAt = (ctx.finishedAt = this.deps.clock.now());
      if (ctx.claimed) {
        await this.deps.updates.complete(msg.platform, msg.updateId, finishedAt).catch((err: unknown) => {
          ctx.log.error({ err, updateId: msg.updateId }, "could not mark update done");
        });
      }
    } finally {
      this.inFlight--;
      if (this.inFlight === 0) for (const w of this.idleWaiters.splice(0)) w();
      ctx.finishedAt ??= this.deps.clock.now();
      this.deps.onDone?.(ctx);
    }
    return ctx.outcome;
  }

  /** Resolves when no message is being handled (graceful shutdown). */
  idle(): Promise<void> {
    return this.inFlight === 0 ? Promise.resolve() : new Promise((r) => this.idleWaiters.push(r));
  }

  commands(): readonly AnyCommand[] {
    return this.deps.registry.all();
  }

  get busy(): number {
    return this.inFlight;
  }

  /** Dedupe: the first process to claim an update handles it; a claim that fails runs nothing. */
  private readonly claim: Stage<RouterContext, Claimed> = async (ctx, next) => {
    const { platform, updateId } = ctx.msg;
    if (!updateId) {
      ctx.log.warn({ platform }, "update without id ignored");
      return;
    }
    // claimed when the message arrived (the same instant: nothing is awaited before the claim)
    const claim = await this.deps.updates.claim(platform, updateId, ctx.startedAt, this.lease);
    if (claim === "duplicate") {
      ctx.outcome = "duplicate";
      ctx.log.debug({ updateId }, "duplicate update skipped");
      return;
    }
    await next(Object.assign(ctx, { claimed: true as const }));
  };

  /** Who is speaking: from the identity cache at once when it knows the sender, else looked up. */
  private readonly identify: Stage<Claimed, Identified> = (ctx, next) => {
    const { sender, platform } = ctx.msg;
    if (sender.isBot) return Promise.resolve();
    const { identity } = this.deps.services;
    const name = sanitize(sender.name).slice(0, 64);
    const cached = identity.resolveCached?.(platform, sender.id, name);
    if (cached) return this.identified(ctx, cached, next);
    return identity.resolve(platform, sender.id, name).then((resolved) => this.identified(ctx, resolved, next));
  };

  private identified(ctx: Claimed, resolved: ResolvedUser, next: (ctx: Identified) => Promise<void>): Promise<void> {
    ctx.log = ctx.log.child({ user: resolved.user.id });
    return next(Object.assign(ctx, { resolved }));
  }

  /** What the message asks for: a button's call, a typed command, or free text addressed to us. */
  private readonly route: Stage<Identified, Routed> = (ctx, next) => {
    const { msg } = ctx;
    if (msg.action) return this.routeAction(ctx, msg.action, next);
    const route = routeText(this.deps.registry, ctx, msg.text, msg.chat.kind === "private" || msg.mentionsBot === true);
    return route ? next(Object.assign(ctx, { route })) : Promise.resolve();
  };

  private async routeAction(ctx: Identified, action: string, next: (ctx: Routed) => Promise<void>): Promise<void> {
    const rec = await this.deps.services.actions.use(action, ctx.resolved.user.id);
    const pressed = routeButton(this.deps.registry, rec);
    if (pressed.kind === "answer") return this.send(ctx, pressed.reply);
    const route: Route = pressed;
    await next(Object.assign(ctx, { route }));
  }

  /**
   * The one place a message spends the user's per-minute point: every routed message, once, before
   * free text may buy a model call. Over the limit: told once a minute, then quiet.
   */
  private readonly rateLimit: Stage<Routed> = (ctx, next) => {
    if (ctx.msg.platform === "console") return next(ctx);
    const userId = ctx.resolved.user.id;
    const now = this.userLimiter.consumeNow?.(userId);
    if (now?.allowed) return next(ctx);
    if (now) return this.limited(ctx, now);
    return this.userLimiter.consume(userId).then((d) => (d.allowed ? next(ctx) : this.limited(ctx, d)));
  };

  private limited(ctx: Routed, d: Extract<RateDecision, { allowed: false }>): Promise<void> {
    const userId = ctx.resolved.user.id;
    const now = this.deps.clock.now();
    const last = this.throttledNotice.get(userId) ?? 0;
    if (now - last < 60_000) return Promise.resolve(); // told them already this minute: stay quiet
    this.throttledNotice.set(userId, now);
    if (this.throttledNotice.size > 10_000) this.throttledNotice.clear();
    return Promise.reject(new UserError("rate_limited", `You're sending messages too fast. Try again in ${Math.ceil(d.retryAfterMs / 1000)} s.`));
  }

  /** Free text becomes a command call (proposed by the intent resolver), a direct answer, or help. */
  private readonly interpret: Stage<Routed, Targeted> = (ctx, next) => {
    const { route } = ctx;
    return route.kind === "text" ? this.interpretText(ctx, next) : this.targeted(ctx, route, next);
  };

  private async interpretText(ctx: Routed, next: (ctx: Targeted) => Promise<void>): Promise<void> {
    const intent = this.deps.intent ? await this.deps.intent.resolve(ctx) : { kind: "none" as const };
    if (intent.kind === "reply") return this.send(ctx, intent.reply);
    if (intent.kind === "none") return this.send(ctx, textReply("I work with commands: try /help to see what I can do."));
    const cmd = this.deps.registry.get(intent.name);
    if (!cmd) throw new UserError("unknown_command", "I could not turn that into a command. Try /help.");
    await this.targeted(ctx, { kind: "command", command: cmd, raw: intent.args, origin: "model", ...(intent.note ? { note: intent.note.slice(0, 500) } : {}) }, next);
  }

  private targeted(ctx: Routed, call: Call, next: (ctx: Targeted) => Promise<void>): Promise<void> {
    ctx.log = ctx.log.child({ command: call.command.name });
    return next(Object.assign(ctx, { command: call.command, call }));
  }

  /** Preconditions (command, subcommand, button), judged in preconditions.ts; every refusal is audit-logged here. */
  private readonly authorize: Stage<Targeted> = (ctx, next) => {
    const refusal = refusalOf(ctx.call, { isAdmin: ctx.resolved.isAdmin, chat: ctx.msg.chat.kind });
    if (!refusal) return next(ctx);
    const record = {
      at: this.deps.clock.now(),
      userId: ctx.resolved.user.id,
      platform: ctx.msg.platform,
      action: "auth.refused",
      detail: refusal.detail,
    };
    return this.deps.services.audit.record(record).then(() => Promise.reject(new UserError(refusal.code, refusal.message)));
  };

  /** Arguments through the command's schema, a button's payload through its action's (own keys only). */
  private readonly validate: Stage<Targeted, Validated> = (ctx, next) => {
    const { call } = ctx;
    let job: Job;
    if (call.kind === "command") job = { kind: "command", call, args: validArgs(call.command, call.raw) };
    else {
      const { def } = call;
      const parsed = parseOwn(def.payload, call.payload ?? {});
      if (!parsed.ok) throw new UserError("action_unknown", "That button is not valid.");
      job = { kind: "action", call, run: (c) => def.run(c, parsed.data) };
    }
    return next(Object.assign(ctx, { job }));
  };

  /** The one place an ambiguous symbol becomes a choice: the pick list (disambiguation.ts). */
  private readonly disambiguate: Stage<Validated> = async (ctx, next) => {
    try {
      await next(ctx);
    } catch (err) {
      const { job } = ctx;
      if (!(err instanceof AmbiguousTokenError) || job.kind !== "command") throw err;
      const picks = await pickReply(this.deps.services.actions, ctx.resolved.user.id, job.call, err);
      if (!picks) throw err;
      ctx.errorCode = err.code;
      ctx.outcome = "error";
      await this.send(ctx, picks);
    }
  };

  private readonly run: Stage<Validated> = async (ctx) => {
    const { command: cmd, job, resolved: r } = ctx;
    ctx.ran = true;
    const cctx: CommandContext = {
      msg: ctx.msg,
      user: r.user,
      identity: r.identity,
      identities: r.identities,
      isAdmin: r.isAdmin,
      services: portsFor(this.deps.services, cmd.needs),
      registry: this.deps.registry,
      log: ctx.log,
      corr: ctx.corr,
      buttons: this.issue.bind(this, cmd, r.user.id),
    };
    const origin = job.kind === "command" ? job.call.origin : undefined;
    if (job.kind === "command" && origin === "model" && needsModelConfirm(cmd.confirmFromModel, job.args)) {
      await this.send(ctx, await proposalReply(this.deps.services.actions, r.user.id, cmd, job.call.raw));
      return;
    }
    let out = job.kind === "command" ? await cmd.run(cctx, job.args) : await job.run(cctx);
    const note = job.kind === "command" ? job.call.note : undefined;
    if (note) out = { ...out, blocks: [...out.blocks, { type: "text", spans: [note] }] };
    if (cmd.privateReply && !out.private) out = { ...out, private: true };
    // the answer to a pressed Confirm or pick replaces the message that carried the button
    if ((origin === "confirmed" || origin === "picked") && !out.private) out = { ...out, editsOriginal: true };
    await this.send(ctx, out);
  };

  /** A command's buttons: only actions it declares, with payloads their schemas accept (older commands: any). */
  private issue(cmd: AnyCommand, userId: string, specs: ButtonSpec[], ttlMs?: number): Promise<Button[]> {
    const { actions } = cmd;
    if (actions) {
      for (const s of specs) {
        const def = Object.hasOwn(actions, s.action) ? actions[s.action] : undefined;
        if (!def || !parseOwn(def.payload, s.payload ?? {}).ok) throw new Error(`/${cmd.name} issued a button it does not declare: ${s.action}`);
      }
    }
    return this.deps.services.actions.issue(userId, cmd.name, specs, ttlMs);
  }

  private async send(ctx: RouterContext, out: Reply): Promise<void> {
    ctx.reply = out;
    await ctx.respond(out, ctx.errorCode ? { code: ctx.errorCode } : NO_META);
    if (out.tellsOrder) {
      await this.deps.services.trading.markTold(out.tellsOrder).catch((err: unknown) => ctx.log.warn({ err, order: out.tellsOrder }, "could not mark the order told"));
    }
    if (ctx.outcome !== "error") ctx.outcome = "replied";
  }
}
