import { randomBytes } from "node:crypto";
import { isUnavailable, isUserError, UserError, type UnavailableError } from "../errors.js";
import type { ActionRecord } from "../ports/action-tokens.port.js";
import type { Clock } from "../ports/clock.port.js";
import type { Logger } from "../ports/logger.port.js";
import type { RateLimiter, RateLimiterFactory } from "../ports/rate-limit.port.js";
import type { ProcessedUpdates } from "../ports/updates.port.js";
import type { ButtonSpec } from "../ports/actions.port.js";
import type { RouterPorts } from "../ports/commands.port.js";
import { AmbiguousTokenError } from "../services/token-registry.service.js";
import { parseOwn, portsFor, type AnyCommand, type CommandContext } from "./command.js";
import { PICK, pickReply, readPick } from "./disambiguation.js";
import type { IntentResolver } from "./intent.js";
import type { Button, InboundMessage, Reply } from "./message.js";
import { bindArgs, MAX_INPUT_CHARS, sanitize, splitCommand, tokenize, validArgs } from "./parse.js";
import { Pipeline, type Call, type Claimed, type Identified, type Job, type Outcome, type Responder } from "./pipeline.js";
import type { Route, Routed, RouterContext, Stage, Targeted, Validated } from "./pipeline.js";
import { codeCall } from "./code-paste.js";
import { LazyChildLogger } from "./lazy-log.js";
import { pasteCall } from "./paste.js";
import { refusalOf } from "./preconditions.js";
import { PROPOSAL, proposalReply, readProposal } from "./proposal.js";
import type { CommandRegistry } from "./registry.js";
import { reply, textReply } from "./reply.js";

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

/** Random bytes drawn 4 KiB at a time: one system call per 1,024 correlation ids, not one each. */
let corrPool = Buffer.alloc(0);
let corrAt = 0;
export const newCorrelationId = (): string => {
  if (corrAt + 4 > corrPool.length) {
    corrPool = randomBytes(4096);
    corrAt = 0;
  }
  corrAt += 4;
  return corrPool.toString("hex", corrAt - 4, corrAt);
};

/**
 * The one pipeline every platform feeds: claim (dedupe) -> identify -> route -> rate limit ->
 * interpret (free text) -> authorize -> validate -> run -> respond, inside an error boundary; the
 * claimed update is marked done outside it, once every reply (an error reply too) has been sent.
 * Each step hands the next a narrower context (see pipeline.ts). Every routed message spends its
 * rate-limit point in one step, before the intent resolver may call a model.
 */
export class Router {
  private readonly pipeline: (ctx: RouterContext) => Promise<void>;
  private readonly userLimiter: RateLimiter;
  private readonly throttledNotice = new Map<string, number>();
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly deps: RouterDeps) {
    this.userLimiter = deps.limiters.create("user-messages", { points: deps.userRatePerMin ?? 30, durationS: 60 });
    this.pipeline = Pipeline.start<RouterContext>()
      .then(this.complete)
      .then(this.boundary)
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
      await this.pipeline(ctx);
    } finally {
      this.inFlight--;
      if (this.inFlight === 0) for (const w of this.idleWaiters.splice(0)) w();
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

  /** After everything, replies included: the claimed update is done (a redelivery is a duplicate). */
  private readonly complete: Stage<RouterContext> = async (ctx, next) => {
    try {
      await next(ctx);
    } finally {
      if (ctx.claimed) {
        await this.deps.updates.complete(ctx.msg.platform, ctx.msg.updateId, this.deps.clock.now()).catch((err: unknown) => {
          ctx.log.error({ err, updateId: ctx.msg.updateId }, "could not mark update done");
        });
      }
    }
  };

  private readonly boundary: Stage<RouterContext> = async (ctx, next) => {
    try {
      await next(ctx);
    } catch (err) {
      let out: Reply;
      if (isUserError(err)) {
        ctx.errorCode = err.code;
        out = userErrorReply(err);
        ctx.log.info({ code: err.code, command: ctx.command?.name }, "user error");
      } else if (isUnavailable(err)) {
        ctx.errorCode = "unavailable";
        ctx.log.warn({ err, service: err.service, reason: err.reason, command: ctx.command?.name, ran: ctx.ran === true }, "dependency unavailable");
        out = unavailableReply(err, ctx.ran ? ctx.command?.name : undefined);
      } else {
        ctx.errorCode = "internal";
        ctx.log.error({ err, command: ctx.command?.name }, "command failed");
        out = textReply(`Sorry, something went wrong on our side. Reference: ${ctx.corr}`, "error");
      }
      ctx.outcome = "error";
      await this.send(ctx, out).catch((sendErr: unknown) => ctx.log.error({ err: sendErr }, "could not send the error reply"));
    }
  };

  /** Dedupe: the first process to claim an update handles it; a claim that fails runs nothing. */
  private readonly claim: Stage<RouterContext, Claimed> = async (ctx, next) => {
    const { platform, updateId } = ctx.msg;
    if (!updateId) {
      ctx.log.warn({ platform }, "update without id ignored");
      return;
    }
    const lease = this.deps.claimLeaseMs ?? 120_000;
    const claim = await this.deps.updates.claim(platform, updateId, this.deps.clock.now(), lease);
    if (claim === "duplicate") {
      ctx.outcome = "duplicate";
      ctx.log.debug({ updateId }, "duplicate update skipped");
      return;
    }
    await next(Object.assign(ctx, { claimed: true as const }));
  };

  private readonly identify: Stage<Claimed, Identified> = async (ctx, next) => {
    const { sender, platform } = ctx.msg;
    if (sender.isBot) return;
    const resolved = await this.deps.services.identity.resolve(platform, sender.id, sanitize(sender.name).slice(0, 64));
    ctx.log = ctx.log.child({ user: resolved.user.id });
    await next(Object.assign(ctx, { resolved }));
  };

  /** What the message asks for: a button's call, a typed command, or free text addressed to us. */
  private readonly route: Stage<Identified, Routed> = async (ctx, next) => {
    const { msg } = ctx;
    let route: Route | undefined;
    if (msg.action) {
      const rec = await this.deps.services.actions.use(msg.action, ctx.resolved.user.id);
      const pressed = this.routeButton(rec);
      if (pressed.kind === "answer") return this.send(ctx, pressed.reply);
      route = pressed;
    } else {
      route = this.routeText(ctx, msg.text, msg.chat.kind === "private" || msg.mentionsBot === true);
    }
    if (route) await next(Object.assign(ctx, { route }));
  };

  /** A pressed button: a token pick, a proposal's Confirm/Cancel, or one of a command's actions. */
  private routeButton(rec: ActionRecord): Call | { kind: "answer"; reply: Reply } {
    const { registry } = this.deps;
    if (rec.command === PICK) return readPick(rec, registry);
    if (rec.command === PROPOSAL) return readProposal(rec, registry);
    const cmd = registry.get(rec.command);
    const pressed = { kind: "action" as const, action: rec.action, payload: rec.payload };
    if (!cmd?.actions) throw new UserError("action_unknown", "That button no longer does anything.");
    const def = Object.hasOwn(cmd.actions, rec.action) ? cmd.actions[rec.action] : undefined;
    if (!def) throw new UserError("action_unknown", "That button is not valid.");
    return { ...pressed, command: cmd, def };
  }

  private routeText(ctx: RouterContext, text: string, addressed: boolean): Route | undefined {
    const { msg } = ctx;
    if (text.length > MAX_INPUT_CHARS) {
      if (!addressed && !text.trimStart().startsWith("/")) return undefined;
      throw new UserError(
        "message_too_long",
        `That message is too long (${text.length.toLocaleString("en-US")} characters; the limit is ${MAX_INPUT_CHARS.toLocaleString("en-US")}).`,
      );
    }
    ctx.text = sanitize(text);
    const parsed = splitCommand(ctx.text);
    if (parsed.kind === "empty") return undefined;
    if (parsed.kind === "text") {
      if (!addressed) return undefined;
      const codeRoute = codeCall(this.deps.registry, ctx.text, msg.chat.kind);
      if (codeRoute === "ignore") return undefined;
      return codeRoute ?? pasteCall(this.deps.registry, ctx.text, msg.chat.kind) ?? { kind: "text", text: ctx.text };
    }
    if (parsed.mention && msg.botUsername && parsed.mention.toLowerCase() !== msg.botUsername.toLowerCase()) {
      return undefined; // addressed to another bot
    }
    if (parsed.mention && !msg.botUsername && msg.platform !== "console") return undefined;
    const cmd = this.deps.registry.get(parsed.name);
    if (!cmd) {
      // In a group, a bare `/report` may be another bot's command: only `/report@ThisBot` is ours to correct.
      if (msg.chat.kind === "group" && !parsed.mention && !msg.directed) {
        ctx.log.debug({ command: parsed.name.slice(0, 32) }, "unknown command in a group, not addressed to us: ignored");
        return undefined;
      }
      if (!/^[a-z0-9_]{1,32}$/.test(parsed.name)) throw new UserError("unknown_command", "That is not a command I know. See /help.");
      const hint = this.deps.registry.suggest(parsed.name);
      throw new UserError(
        "unknown_command",
        hint ? `I don't know /${parsed.name}. Did you mean /${hint}?` : `I don't know /${parsed.name}. See /help for what I can do.`,
        hint ? { suggestion: hint } : {},
      );
    }
    return { kind: "command", command: cmd, raw: bindArgs(cmd, tokenize(parsed.argText)), origin: "typed" };
  }

  /**
   * The one place a message spends the user's per-minute point: every routed message, once, before
   * free text may buy a model call. Over the limit: told once a minute, then quiet.
   */
  private readonly rateLimit: Stage<Routed> = async (ctx, next) => {
    if (ctx.msg.platform === "console") return next(ctx);
    const userId = ctx.resolved.user.id;
    const d = await this.userLimiter.consume(userId);
    if (d.allowed) return next(ctx);
    const now = this.deps.clock.now();
    const last = this.throttledNotice.get(userId) ?? 0;
    if (now - last < 60_000) return; // told them already this minute: stay quiet
    this.throttledNotice.set(userId, now);
    if (this.throttledNotice.size > 10_000) this.throttledNotice.clear();
    throw new UserError("rate_limited", `You're sending messages too fast. Try again in ${Math.ceil(d.retryAfterMs / 1000)} s.`);
  };

  /** Free text becomes a command call (proposed by the intent resolver), a direct answer, or help. */
  private readonly interpret: Stage<Routed, Targeted> = async (ctx, next) => {
    let call: Call;
    if (ctx.route.kind === "text") {
      const intent = this.deps.intent ? await this.deps.intent.resolve(ctx) : { kind: "none" as const };
      if (intent.kind === "reply") return this.send(ctx, intent.reply);
      if (intent.kind === "none") return this.send(ctx, textReply("I work with commands: try /help to see what I can do."));
      const cmd = this.deps.registry.get(intent.name);
      if (!cmd) throw new UserError("unknown_command", "I could not turn that into a command. Try /help.");
      call = { kind: "command", command: cmd, raw: intent.args, origin: "model", ...(intent.note ? { note: intent.note.slice(0, 500) } : {}) };
    } else {
      call = ctx.route;
    }
    ctx.log = ctx.log.child({ command: call.command.name });
    await next(Object.assign(ctx, { command: call.command, call }));
  };

  /** Preconditions (command, subcommand, button), judged in preconditions.ts; every refusal is audit-logged here. */
  private readonly authorize: Stage<Targeted> = async (ctx, next) => {
    const refusal = refusalOf(ctx.call, { isAdmin: ctx.resolved.isAdmin, chat: ctx.msg.chat.kind });
    if (!refusal) return next(ctx);
    await this.deps.services.audit.record({
      at: this.deps.clock.now(),
      userId: ctx.resolved.user.id,
      platform: ctx.msg.platform,
      action: "auth.refused",
      detail: refusal.detail,
    });
    throw new UserError(refusal.code, refusal.message);
  };

  /** Arguments through the command's schema, a button's payload through its action's (own keys only). */
  private readonly validate: Stage<Targeted, Validated> = async (ctx, next) => {
    const { call } = ctx;
    let job: Job;
    if (call.kind === "command") job = { kind: "command", call, args: validArgs(call.command, call.raw) };
    else {
      const { def } = call;
      const parsed = parseOwn(def.payload, call.payload ?? {});
      if (!parsed.ok) throw new UserError("action_unknown", "That button is not valid.");
      job = { kind: "action", call, run: (c) => def.run(c, parsed.data) };
    }
    await next(Object.assign(ctx, { job }));
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
      buttons: (specs, ttlMs) => this.issue(cmd, r.user.id, specs, ttlMs),
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
    await ctx.respond(out, ctx.errorCode ? { code: ctx.errorCode } : {});
    if (out.tellsOrder) {
      await this.deps.services.trading.markTold(out.tellsOrder).catch((err: unknown) => ctx.log.warn({ err, order: out.tellsOrder }, "could not mark the order told"));
    }
    if (ctx.outcome !== "error") ctx.outcome = "replied";
  }
}

/**
 * A dependency was unreachable. Before the command ran nothing was done, and the user may simply
 * send it again; once it ran (`ranCommand`), part of it may have happened, so they check first.
 */
export function unavailableReply(err: UnavailableError, ranCommand?: string): Reply {
  const what = err.service === "database" ? "its database cannot be reached" : `${err.service} cannot be reached`;
  return ranCommand === undefined
    ? textReply(`Purser is temporarily unavailable (${what}). Nothing was done: please try again in a minute.`, "error")
    : textReply(
        `Purser is temporarily unavailable (${what}), so /${ranCommand} may not have finished. Check in a minute before you repeat it.`,
        "error",
      );
}

export function userErrorReply(err: UserError): Reply {
  const r = reply("error").line(err.message);
  return r.build();
}

/** Whether a command the model proposed waits for the requester's Confirm (see `confirmFromModel`). */
function needsModelConfirm(rule: AnyCommand["confirmFromModel"], args: unknown): boolean {
  if (typeof rule === "function") return rule((args ?? {}) as Record<string, unknown>);
  return rule === true;
}
