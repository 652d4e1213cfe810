import type { Reply } from "../../core/domain/message.js";
import { isButtonRefusal } from "../../core/errors.js";
import type { Logger } from "../../core/ports/logger.port.js";
import type { Outcome, ReplyMeta } from "../../core/router/pipeline.js";
import { plainText } from "../../core/router/reply.js";
import { contentMessage, renderDiscord, type RenderedMessage } from "./render.js";

/** Interaction tokens live 15 minutes: later deletions cannot be done through them. */
const TOKEN_LIFETIME_MS = 15 * 60_000 - 30_000;

/** How one interaction is answered: discord.js interaction methods (gateway) or raw REST (HTTP mode). */
export interface InteractionTransport {
  reply(m: RenderedMessage, ephemeral: boolean): Promise<void>;
  /** Replaces the message that carried the pressed button (callback type 7). */
  update(m: RenderedMessage): Promise<void>;
  defer(ephemeral: boolean): Promise<void>;
  editOriginal(m: RenderedMessage): Promise<void>;
  deleteOriginal(): Promise<void>;
  /** Returns the follow-up message id. */
  followUp(m: RenderedMessage, ephemeral: boolean): Promise<string | undefined>;
  deleteMessage(id: string): Promise<void>;
}

export interface FlowOptions {
  isButton: boolean;
  inGuild: boolean;
  /** The message carrying the pressed button is itself ephemeral (so editing it cannot leak anything). */
  originalEphemeral: boolean;
  /** Defer ephemerally: the command's replies are private, or it is a button press. */
  ephemeralDefer: boolean;
  deferAfterMs: number;
  /** HTTP mode answered `{type: 5}` already. */
  alreadyDeferred?: boolean;
  log: Logger;
  /** Schedules a deletion (`deleteAfterS`); the adapter owns and clears these timers. */
  later(ms: number, fn: () => void): void;
}

type State = "new" | "deferring" | "deferred" | "answered";

/**
 * Safe to log: no URL (interaction URLs carry the token), no request body. The message is passed whole:
 * the logger scrubs secret values from it and only then bounds its length (cutting here first once left
 * the first half of a token that straddled the cut, which no scrubber can recognise).
 */
export function errorInfo(err: unknown): Record<string, unknown> {
  if (err && typeof err === "object") {
    const e = err as { name?: string; status?: number; code?: number | string; message?: string };
    return { name: e.name, status: e.status, code: e.code, message: String(e.message ?? "") };
  }
  return { message: String(err) };
}

/**
 * Discord wants a first answer within 3 s. A fast router answer is a direct reply (or an update of the
 * pressed message); after `deferAfterMs` we defer and later edit the deferred reply. Private replies
 * are ephemeral; one asked for after a public defer replaces it with an ephemeral follow-up.
 */
export class InteractionFlow {
  private state: State = "new";
  private deferredEphemeral = false;
  private timer: NodeJS.Timeout | undefined;
  private deferring: Promise<void> | undefined;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly t: InteractionTransport,
    private readonly o: FlowOptions,
  ) {
    if (o.alreadyDeferred) {
      this.state = "deferred";
      this.deferredEphemeral = o.ephemeralDefer;
    }
  }

  /** Arms the defer timer; call when the interaction arrives. */
  start(): void {
    if (this.state !== "new") return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.state !== "new") return;
      this.state = "deferring";
      this.deferredEphemeral = this.o.ephemeralDefer;
      this.deferring = this.t.defer(this.o.ephemeralDefer).then(
        () => void (this.state = "deferred"),
        (err: unknown) => {
          this.state = "answered"; // the token is gone or used: nothing more can be sent through it
          this.o.log.warn({ err: errorInfo(err) }, "discord deferReply failed");
        },
      );
    }, this.o.deferAfterMs);
  }

  /** The Responder handed to the router. Never throws: failures are logged. */
  readonly respond = (reply: Reply, meta?: ReplyMeta): Promise<void> => {
    this.clearTimer();
    const run = this.queue.then(() => this.deliver(reply, meta));
    this.queue = run.catch(() => undefined);
    return run.catch((err: unknown) => this.o.log.warn({ err: errorInfo(err) }, "discord reply failed"));
  };

  /** After the router is done: a defer that never got an answer is removed (a duplicate is left alone). */
  async finish(outcome: Outcome): Promise<void> {
    this.clearTimer();
    await this.queue;
    await this.deferring;
    if (this.state === "deferred" && outcome !== "duplicate") {
      this.state = "answered";
      await this.t.deleteOriginal().catch((err: unknown) => this.o.log.debug({ err: errorInfo(err) }, "could not remove the deferred reply"));
    }
  }

  private clearTimer() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async deliver(reply: Reply, meta?: ReplyMeta): Promise<void> {
    await this.deferring;
    // a refused button: an ephemeral line to the presser, nothing else happens
    const refusal = this.o.isButton && isButtonRefusal(meta?.code);
    const parts = refusal ? [contentMessage(plainText(reply))] : renderDiscord(reply);
    // Errors and refusals only concern the person who asked; private data never goes public.
    const ephemeral = reply.private === true || meta?.code !== undefined || refusal;
    const sent: Array<string | "@original"> = [];
    const first = parts[0]!;
    const rest = parts.slice(1);
    const state = this.state;
    this.state = "answered";
    if (state === "new") {
      const mayEdit = !reply.private || this.o.originalEphemeral || !this.o.inGuild;
      if (this.o.isButton && reply.editsOriginal && !refusal && mayEdit) await this.t.update(first);
      else await this.t.reply(first, ephemeral);
      sent.push("@original");
      for (const p of rest) sent.push((await this.t.followUp(p, ephemeral)) ?? "");
    } else if (state === "deferred") {
      if (reply.private && !this.deferredEphemeral && this.o.inGuild) {
        // Deferred in public, but the answer is private: drop the public placeholder, answer ephemerally.
        await this.t.deleteOriginal().catch((err: unknown) => this.o.log.debug({ err: errorInfo(err) }, "could not delete placeholder"));
        for (const p of parts) sent.push((await this.t.followUp(p, true)) ?? "");
      } else {
        await this.t.editOriginal(first);
        sent.push("@original");
        for (const p of rest) sent.push((await this.t.followUp(p, this.deferredEphemeral)) ?? "");
      }
    } else {
      for (const p of parts) sent.push((await this.t.followUp(p, ephemeral || this.deferredEphemeral)) ?? "");
    }
    if (reply.deleteAfterS !== undefined) this.deleteLater(sent, reply.deleteAfterS);
  }

  private deleteLater(ids: Array<string | "@original">, afterS: number) {
    const ms = afterS * 1000;
    if (ms > TOKEN_LIFETIME_MS) {
      this.o.log.warn({ afterS }, "deleteAfterS is past the interaction token's lifetime; the message stays");
      return;
    }
    this.o.later(ms, () => {
      for (const id of ids.filter(Boolean)) {
        const del = id === "@original" ? this.t.deleteOriginal() : this.t.deleteMessage(id);
        void del.catch((err: unknown) => this.o.log.debug({ err: errorInfo(err) }, "could not delete an expiring message"));
      }
    });
  }
}
