import type { FailureCode } from "../errors.js";
import type { Logger } from "../ports/logger.port.js";
import type { ResolvedUser } from "../ports/identity.port.js";
import type { Action, AnyCommand, CommandContext } from "./command.js";
import type { InboundMessage, Reply } from "./message.js";

/** What the router tells the adapter beside the reply (e.g. the error code, so a refused button becomes an alert). */
export interface ReplyMeta {
  code?: FailureCode;
}

export type Responder = (reply: Reply, meta?: ReplyMeta) => Promise<void>;

export type Outcome = "replied" | "duplicate" | "ignored" | "error";

/**
 * One context object flows through every step, as in grammY. This is what every step (and the
 * observers: metrics, the error boundary) can rely on; what a step learns narrows the type the next
 * steps get (Claimed -> Identified -> Routed -> Targeted -> Validated), so none of them asserts.
 */
export interface RouterContext {
  msg: InboundMessage;
  respond: Responder;
  corr: string;
  log: Logger;
  startedAt: number;
  /** When its replies were done (set before the done mark and the observers). */
  finishedAt?: number;
  /** The message text, sanitized ("" for a button press). */
  text: string;
  outcome: Outcome;
  /** Progress, for the observers: set when known. */
  command?: AnyCommand;
  reply?: Reply;
  errorCode?: FailureCode;
  /** This process claimed the update (dedupe): it is marked done once handling ends. */
  claimed?: boolean;
  /** The command (or button action) started running: from here on a failure may have done part of it. */
  ran?: boolean;
}

export interface Claimed extends RouterContext {
  claimed: true;
}

/** The sender is known: their user, identities and role. */
export interface Identified extends Claimed {
  resolved: ResolvedUser;
}

/**
 * Where a command call came from: typed by the user, proposed by the model from free text (a
 * state-changing command then waits for a Confirm), the Confirm of such a proposal, or the button
 * that picked one token of an ambiguous symbol (the typed command again, the mint in its place).
 */
export type Origin = "typed" | "model" | "confirmed" | "picked";

/** A command to run with arguments not yet validated (words bound to names, a model's or a button's JSON). */
export interface CommandCall {
  kind: "command";
  command: AnyCommand;
  raw: Record<string, unknown>;
  origin: Origin;
  /** Shown under the command's reply (from the intent resolver). */
  note?: string;
}

/** A pressed button of a command: its declared action, payload not yet read. */
export interface ActionCall {
  kind: "action";
  command: AnyCommand;
  action: string;
  payload: unknown;
  def: Action;
}

export type Call = CommandCall | ActionCall;

/** What the message asks for: a call, or free text for the intent resolver (addressed to us). */
export type Route = Call | { kind: "text"; text: string };

export interface Routed extends Identified {
  route: Route;
}

/** The command (and call) is known: free text has been interpreted. */
export interface Targeted extends Identified {
  command: AnyCommand;
  call: Call;
}

/** Arguments (or a button's payload) passed their schema: what runs is decided. */
export type Job =
  | { kind: "command"; call: CommandCall; args: unknown }
  | { kind: "action"; call: ActionCall; run: (ctx: CommandContext) => Promise<Reply> };

export interface Validated extends Identified {
  command: AnyCommand;
  job: Job;
}

/** A step: reads a context, and calls `next` (at most once) with what it learned, or answers and stops. */
export type Stage<In extends RouterContext, Out extends RouterContext = In> = (ctx: In, next: (ctx: Out) => Promise<void>) => Promise<void>;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyStage = Stage<any, any>;

/** The step a context is in (set by the pipeline). */
const AT = Symbol("pipeline step");
type Tracked = RouterContext & { [AT]?: number };

/**
 * Koa/grammY-style composition, typed: each step decides whether to call the rest, and the context
 * type the next step gets is the one this step hands on (`.then(identify).then(route)`).
 */
export class Pipeline<In extends RouterContext, Cur extends RouterContext = In> {
  private constructor(private readonly steps: readonly AnyStage[]) {}

  static start<C extends RouterContext>(): Pipeline<C, C> {
    return new Pipeline<C, C>([]);
  }

  then<Next extends RouterContext>(step: Stage<Cur, Next>): Pipeline<In, Next> {
    return new Pipeline<In, Next>([...this.steps, step]);
  }

  /**
   * The steps composed. Each step's `next` is made once here, not per message: a message's context
   * carries the index of the step it is in, which is how a second call of one `next` is refused (a
   * step hands on the context it was given, extended, as every router step does).
   */
  build(): (ctx: In) => Promise<void> {
    const steps = this.steps;
    const enter = (i: number, ctx: Tracked): Promise<void> => {
      const step = steps[i];
      if (!step) return Promise.resolve();
      ctx[AT] = i;
      return step(ctx, nexts[i]!);
    };
    const nexts = steps.map((_, i) => (out: Tracked): Promise<void> => {
      if (out[AT] !== undefined && out[AT] !== i) return Promise.reject(new Error(`step ${i} called next() twice`));
      out[AT] = i + 1; // past this step, even when it is the last: a second call is refused
      return enter(i + 1, out);
    });
    return (ctx) => enter(0, ctx);
  }
}
