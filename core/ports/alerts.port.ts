import type { Alert, AlertState } from "../domain/alert.js";
import type { Platform } from "../domain/identity.js";
import type { Reply } from "../domain/message.js";

export interface NewOutboxMessage {
  /** Stable key: the same event never produces a second message (e.g. `alert:<id>:<firing>`). */
  dedupeKey: string;
  kind: string;
  target: { platform: Platform; chatId: string };
  reply: Reply;
  /** Wall-clock ms of the cause (tick received), for delivery latency. */
  sourceAt?: number;
  /**
   * The user whose quiet hours may hold this push (alerts, automation outcomes and their fills).
   * Absent: never held (admin notices, the outcome of a trade the user confirmed themselves).
   */
  userId?: string;
}

export interface OutboxMessage extends NewOutboxMessage {
  id: string;
  createdAt: number;
  attempts: number;
  /** Parts of the reply (platform messages) already delivered by earlier attempts. */
  partsSent: number;
  /**
   * Taken over from a dispatcher that stopped holding it mid-delivery (a crash): whether the
   * platform already has it is unknown.
   */
  uncertain: boolean;
}

export interface OutboxStore {
  /** False when a message with that dedupe key already exists. */
  enqueue(msg: NewOutboxMessage, now: number): Promise<boolean>;
  /**
   * Leases up to `limit` due messages to `owner` until now + leaseMs; two claimers never get the same
   * row. Only messages for `platforms` when given (what the claimer can deliver; none = nothing).
   */
  claim(owner: string, now: number, leaseMs: number, limit: number, platforms?: readonly Platform[]): Promise<OutboxMessage[]>;
  /** Gives a claimed message back without an attempt (e.g. its chat is busy this round). */
  release(id: string, owner: string): Promise<void>;
  /** Keeps the lease of messages still being sent (a slow send is not taken over and sent twice). */
  extend(ids: readonly string[], owner: string, until: number): Promise<number>;
  /** Records that the first `parts` parts were delivered (a retry or a takeover resumes after them). */
  progress(id: string, owner: string, parts: number): Promise<void>;
  markSent(id: string, owner: string, now: number): Promise<boolean>;
  /** Back to pending until availableAt; counts as an attempt unless `countAttempt` is false (deferred by pacing). */
  retry(id: string, owner: string, availableAt: number, error: string, countAttempt?: boolean): Promise<void>;
  /** Final failure: dead (attempts exhausted) or skipped (recipient unreachable, e.g. blocked the bot). */
  finish(id: string, owner: string, state: "dead" | "skipped", error: string, now: number): Promise<void>;
  stats(now: number): Promise<{ pending: number; due: number; dead: number; oldestDueAt: number | null }>;
}

export interface AlertStore {
  create(a: Alert): Promise<void>;
  get(id: string): Promise<Alert | undefined>;
  byUser(userId: string, states: readonly AlertState[]): Promise<Alert[]>;
  /** Active (armed or cooling) alerts of the user, leaving out those past their expiry at `now`. */
  countActive(userId: string, now: number): Promise<number>;
  /** Every alert in the given states (engine start-up). */
  byState(states: readonly AlertState[]): Promise<Alert[]>;
  /** The change counter's current value (every create, firing, state change or cancel takes the next one). */
  lastChange(): Promise<number>;
  /**
   * Alerts whose last change came after counter value `seq`, and the counter value to ask after
   * next time (keeps engines in several processes in step by reading only what changed). Alerts are
   * never deleted: cancelling, expiring and firing are changes like any other.
   */
  changedAfter(seq: number): Promise<{ alerts: Alert[]; seq: number }>;
  /**
   * Fires once: in ONE transaction, moves the alert from (armed, fireCount) to its next state and
   * enqueues its message. False if another process fired or changed it first.
   */
  /** Moves the alert and writes its message(s) (the push, and copies to the user's other chats) in one transaction. */
  fire(id: string, fromFireCount: number, next: { state: AlertState; now: number }, msg: NewOutboxMessage | readonly NewOutboxMessage[]): Promise<boolean>;
  /** Compare-and-set of the state (re-arm, expire, cancel). */
  setState(id: string, from: readonly AlertState[], to: AlertState, now: number): Promise<boolean>;
  cancelAll(userId: string, now: number): Promise<number>;
}

/** What a user sets: the alert minus its id, owner, state and history. */
export type NewAlert = Pick<Alert, "kind" | "mint" | "symbol" | "level" | "pct" | "windowMs" | "repeat" | "cooldownMs" | "hysteresisPct" | "expiresAt">;

/** A user's alerts as /alert, /alerts and /unalert manage them. */
export interface AlertsPort {
  /** `current`: the price (or portfolio value) now, so a level already crossed is refused. */
  create(userId: string, spec: NewAlert, current: number, notify: Alert["notify"]): Promise<Alert>;
  list(userId: string): Promise<Alert[]>;
  /** False when the alert was not active. */
  cancel(userId: string, id: string): Promise<boolean>;
  /** How many were cancelled. */
  cancelAll(userId: string): Promise<number>;
}
