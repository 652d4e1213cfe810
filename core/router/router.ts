import { randomBytes } from "node:crypto";
import { z } from "zod";
import { isUnavailable, isUserError, UserError, type UnavailableError } from "../errors.js";
import type { ActionRecord } from "../ports/action-tokens.port.js";
import type { Clock } from "../ports/clock.port.js";
import type { Logger } from "../ports/logger.port.js";
import type { RateLimiter, RateLimiterFactory } from "../ports/rate-limit.port.js";
import type { ProcessedUpdates } from "../ports/updates.port.js";
import type { RouterPorts } from "../ports/commands.port.js";
import { AmbiguousTokenError, choiceLabel } from "../services/token-registry.service.js";
import { parseOwn, portsFor, readPayload, type AnyCommand, type CommandContext } from "./command.js";
import type { IntentResolver } from "./intent.js";
import type { InboundMessage, Reply } from "./message.js";
import { bindArgs, MAX_INPUT_CHARS, sanitize, splitCommand, tokenize } from "./parse.js";
import { compose, type Middleware, type Outcome, type Responder, type RouterContext } from "./pipeline.js";
import { cancelledReply, commandLine, PROPOSAL, proposalReply, readProposal } from "./proposal.js";
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

/** Pseudo-command of buttons that re-run a typed command with a chosen value. */
const RERUN = "__rerun";
const rerunPayload = z.object({ text: z.string() });

export const newCorrelationId = () => randomBytes(4).toString("hex");

/**
 * The one pipeline every platform feeds: claim (dedupe) -> identify -> route -> authorize ->
 * rate limit -> validate -> run -> respond, inside an error boundary; the claimed update is marked
 * done outside it, once every reply (an error reply too) has been sent. Free text is rate limited
 * inside route, before the intent resolver may call a model (each message counts once).
 */
export class Router {
  private readonly pipeline: (ctx: RouterContext) => Promise<void>;
  private readonly userLimiter: RateLimiter;
  private readonly throttledNotice = new Map<string, number>();
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly deps: RouterDeps) {
    this.userLimiter = deps.limiters.create("user-messages", { points: deps.userRatePerMin ?? 30, durationS: 60 });
    this.pipeline = compose([
      this.complete,
      this.boundary,
      this.claim,
      this.identify,
      this.route,
      this.authorize,
      this.rateLimit,
      this.validate,
      this.run,
    ]);
  }

  /** Handles one inbound message; `respond` renders and sends the reply on the message's platform. */
  async handle(msg: InboundMessage, respond: Responder): Promise<Outcome> {
    const corr = newCorrelationId();
    const ctx: RouterContext = {
      msg,
      respond,
      corr,
      log: this.deps.log.child({ platform: msg.platform, chat: msg.chat.id, corr }),
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
  private readonly complete: Middleware = async (ctx, next) => {
    try {
      await next();
    } finally {
      if (ctx.claimed) {
        await this.deps.updates.complete(ctx.msg.platform, ctx.msg.updateId, this.deps.clock.now()).catch((err: unknown) => {
          ctx.log.error({ err, updateId: ctx.msg.updateId }, "could not mark update done");
        });
      }
    }
  };

  /** Dedupe: the first process to claim an update handles it; a claim that fails runs nothing. */
  private readonly claim: Middleware = async (ctx, next) => {
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
    ctx.claimed = true;
    await next();
  };

  private readonly boundary: Middleware = async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      let out: Reply;
      if (err instanceof AmbiguousTokenError && ctx.text.startsWith("/") && ctx.resolved) {
        ctx.errorCode = err.code;
        out = await this.pickReply(ctx, err);
      } else if (isUserError(err)) {
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

  private readonly identify: Middleware = async (ctx, next) => {
    const { sender, platform } = ctx.msg;
    if (sender.isBot) return;
    ctx.resolved = await this.deps.services.identity.resolve(platform, sender.id, sanitize(sender.name).slice(0, 64));
    ctx.log = ctx.log.child({ user: ctx.resolved.user.id });
    await next();
  };

  private readonly route: Middleware = async (ctx, next) => {
    const { msg } = ctx;
    const user = ctx.resolved!;
    let text = msg.text;
    if (msg.action) {
      const rec = await this.deps.services.actions.use(msg.action, user.user.id);
      if (rec.command === RERUN) {
        ctx.editsOriginal = true; // the answer replaces the list of choices
        text = readPayload(rerunPayload, { action: rec.action, payload: rec.payload }).text;
        return this.routeText(ctx, text, true, next);
      }
      if (rec.command === PROPOSAL) return this.routeProposal(ctx, rec, next);
      const cmd = this.deps.registry.get(rec.command);
      if (!cmd?.onAction) throw new UserError("action_unknown", "That button no longer does anything.");
      ctx.command = cmd;
      ctx.invocation = { action: rec.action, payload: rec.payload };
      return next();
    }
    return this.routeText(ctx, text, msg.chat.kind === "private" || msg.mentionsBot === true, next);
  };

  private async routeText(ctx: RouterContext, text: string, addressed: boolean, next: () => Promise<void>): Promise<void> {
    const { msg } = ctx;
    if (text.length > MAX_INPUT_CHARS) {
      if (!addressed && !text.trimStart().startsWith("/")) return;
      throw new UserError(
        "message_too_long",
        `That message is too long (${text.length.toLocaleString("en-US")} characters; the limit is ${MAX_INPUT_CHARS.toLocaleString("en-US")}).`,
      );
    }
    ctx.text = sanitize(text);
    const parsed = splitCommand(ctx.text);
    if (parsed.kind === "empty") return;
    if (parsed.kind === "text") {
      if (!addressed) return;
      // before the resolver: spammed free text must not buy model calls without limit
      if (!(await this.admit(ctx))) return;
      const intent = this.deps.intent ? await this.deps.intent.resolve(ctx) : { kind: "none" as const };
      if (intent.kind === "reply") {
        await this.send(ctx, intent.reply);
        return;
      }
      if (intent.kind === "none") {
        await this.send(ctx, textReply("I work with commands: try /help to see what I can do."));
        return;
      }
      const cmd = this.deps.registry.get(intent.name);
      if (!cmd) throw new UserError("unknown_command", "I could not turn that into a command. Try /help.");
      ctx.command = cmd;
      ctx.rawArgs = intent.args;
      ctx.proposal = "proposed"; // not typed: a state-changing command waits for the requester's Confirm
      if (intent.note) ctx.note = intent.note.slice(0, 500);
      return next();
    }
    if (parsed.mention && msg.botUsername && parsed.mention.toLowerCase() !== msg.botUsername.toLowerCase()) {
      return; // addressed to another bot
    }
    if (parsed.mention && !msg.botUsername && msg.platform !== "console") return;
    const cmd = this.deps.registry.get(parsed.name);
    if (!cmd) {
      // In a group, a bare `/report` may be another bot's command: only `/report@ThisBot` is ours to correct.
      if (msg.chat.kind === "group" && !parsed.mention && !msg.directed) {
        ctx.log.debug({ command: parsed.name.slice(0, 32) }, "unknown command in a group, not addressed to us: ignored");
        return;
      }
      if (!/^[a-z0-9_]{1,32}$/.test(parsed.name)) throw new UserError("unknown_command", "That is not a command I know. See /help.");
      const hint = this.deps.registry.suggest(parsed.name);
      throw new UserError(
        "unknown_command",
        hint ? `I don't know /${parsed.name}. Did you mean /${hint}?` : `I don't know /${parsed.name}. See /help for what I can do.`,
        hint ? { suggestion: hint } : {},
      );
    }
    ctx.command = cmd;
    ctx.log = ctx.log.child({ command: cmd.name });
    ctx.rawArgs = bindArgs(cmd, tokenize(parsed.argText));
    return next();
  }

  /** A proposal's Cancel answers at once; its Confirm runs the command through the usual steps. */
  private async routeProposal(ctx: RouterContext, rec: ActionRecord, next: () => Promise<void>): Promise<void> {
    const p = readProposal(rec);
    const cmd = this.deps.registry.get(p.command);
    ctx.editsOriginal = true; // the answer replaces the preview
    if (rec.action === "cancel") return this.send(ctx, cancelledReply(cmd ? commandLine(cmd, p.args) : `/${p.command}`));
    if (rec.action !== "confirm" || !cmd) throw new UserError("action_unknown", "That button no longer does anything.");
    ctx.command = cmd;
    ctx.log = ctx.log.child({ command: cmd.name });
    ctx.rawArgs = p.args;
    ctx.proposal = "confirmed";
    return next();
  }

  private readonly authorize: Middleware = async (ctx, next) => {
    const cmd = ctx.command!;
    if (cmd.scope === "admin" && !ctx.resolved!.isAdmin) {
      await this.refuseScope(ctx, cmd, "admin_only");
      throw new UserError("admin_only", `/${cmd.name} is for admins only.`);
    }
    if (cmd.scope === "private" && ctx.msg.chat.kind !== "private") {
      await this.refuseScope(ctx, cmd, "private_only");
      throw new UserError("private_only", `/${cmd.name} only works in a private chat with me.`);
    }
    return next();
  };

  /** Every scope refusal is audit-logged, admin-only and private-only alike. */
  private async refuseScope(ctx: RouterContext, cmd: AnyCommand, reason: "admin_only" | "private_only"): Promise<void> {
    await this.deps.services.audit.record({
      at: this.deps.clock.now(),
      userId: ctx.resolved!.user.id,
      platform: ctx.msg.platform,
      action: "auth.refused",
      detail: { command: cmd.name, reason, ...(reason === "private_only" ? { chat: ctx.msg.chat.kind } : {}) },
    });
  }

  private readonly rateLimit: Middleware = async (ctx, next) => {
    if (await this.admit(ctx)) return next();
  };

  /**
   * Spends the user's per-minute point for this message, once however often it is asked. False: over
   * the limit and already told this minute (stay quiet); throws the notice the first time.
   */
  private async admit(ctx: RouterContext): Promise<boolean> {
    if (ctx.msg.platform === "console" || ctx.admitted) return true;
    ctx.admitted = true;
    const userId = ctx.resolved!.user.id;
    const d = await this.userLimiter.consume(userId);
    if (d.allowed) return true;
    const now = this.deps.clock.now();
    const last = this.throttledNotice.get(userId) ?? 0;
    if (now - last < 60_000) return false; // told them already this minute: stay quiet
    this.throttledNotice.set(userId, now);
    if (this.throttledNotice.size > 10_000) this.throttledNotice.clear();
    throw new UserError("rate_limited", `You're sending messages too fast. Try again in ${Math.ceil(d.retryAfterMs / 1000)} s.`);
  }

  private readonly validate: Middleware = async (ctx, next) => {
    if (ctx.invocation) return next();
    const cmd = ctx.command!;
    const raw = ctx.rawArgs ?? {};
    const parsed = parseOwn(cmd.args, raw);
    if (!parsed.ok) {
      if (parsed.why !== "invalid") throw new UserError("bad_args", `Unexpected argument. Usage: /${cmd.usage}`, { usage: cmd.usage });
      const first = parsed.issue;
      const key = String(first?.path[0]);
      const missing = first?.code === "invalid_type" && first.path.length > 0 && (!Object.hasOwn(raw, key) || raw[key] === undefined);
      const why = missing
        ? `Missing ${String(first.path[0])}. `
        : first?.message && !/^Invalid input|^Required$/i.test(first.message)
          ? `${first.message}. `
          : "";
      throw new UserError("bad_args", `${why}Usage: /${cmd.usage}`, { usage: cmd.usage });
    }
    ctx.args = parsed.data;
    return next();
  };

  private readonly run: Middleware = async (ctx) => {
    const cmd = ctx.command!;
    const r = ctx.resolved!;
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
      buttons: (specs, ttlMs) => this.deps.services.actions.issue(r.user.id, cmd.name, specs, ttlMs),
    };
    if (ctx.proposal === "proposed" && cmd.confirmFromModel) {
      await this.send(ctx, await proposalReply(this.deps.services.actions, r.user.id, cmd, ctx.rawArgs ?? {}));
      return;
    }
    let out = ctx.invocation ? await cmd.onAction!(cctx, ctx.invocation) : await cmd.run(cctx, ctx.args);
    if (ctx.note) out = { ...out, blocks: [...out.blocks, { type: "text", spans: [ctx.note] }] };
    if (cmd.privateReply && !out.private) out = { ...out, private: true };
    if (ctx.editsOriginal && !out.private) out = { ...out, editsOriginal: true };
    await this.send(ctx, out);
  };

  /** An ambiguous symbol is never guessed: one button per candidate re-runs the command with its mint. */
  private async pickReply(ctx: RouterContext, err: AmbiguousTokenError): Promise<Reply> {
    const q = err.query;
    const re = new RegExp(`(^|\\s)\\$?${q.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?=\\s|$)`, "i");
    const buttons = await this.deps.services.actions.issue(
      ctx.resolved!.user.id,
      RERUN,
      err.candidates.map((t) => ({ label: choiceLabel(t), action: "pick", payload: { text: ctx.text.replace(re, `$1${t.mint}`) } })),
      10 * 60_000,
    );
    const r = reply("warning").line(`"${q.slice(0, 20)}" matches ${err.candidates.length} tokens. Which one do you mean?`);
    for (const b of buttons) r.buttons(b);
    return r.build();
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
