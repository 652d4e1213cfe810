import type { Alert } from "../domain/alert.js";
import type { ChatTarget } from "../domain/identity.js";
import type { Reply } from "../domain/message.js";
import type { PriceTick } from "../domain/price.js";
import { isWithdrawal } from "../domain/order.js";
import type { NewOutboxMessage } from "../ports/alerts.port.js";
import { alertReply } from "./alert-reply.js";
import { describeOutcome } from "./automations/describe.js";
import { automationPushKey, type AutomationEvent } from "./automations/events.js";
import { tradeEventReply } from "./trade-format.js";
import type { TradeEvent } from "./trading.service.js";
import { bookNoticeKey, bookNoticeReply, type WithdrawBookEvent } from "./withdrawals/book-notices.js";

/** An alert fired: the price (or portfolio value) that fired it and, for a price alert, its tick. */
export interface AlertFired {
  type: "alert.fired";
  /** The alert as it was when it fired. */
  alert: Alert;
  /** Which firing of the alert this is (1 for the first): one push per firing. */
  firing: number;
  value: number;
  tick?: PriceTick;
  /** Market time at the firing: the push says how old the price was. */
  marketNow: number;
  /** Wall-clock ms the cause (the tick) arrived, for delivery latency. */
  receivedAt: number;
}

/** Everything Purser pushes to a user unasked: typed until rendered here. */
export type PushEvent = TradeEvent | AlertFired | AutomationEvent | WithdrawBookEvent;

/** Who a push is for: the user, and the chat it belongs to (where they set the alert or placed the order). */
export interface PushRecipient {
  userId: string;
  chat: ChatTarget;
}

export interface PushRenderOptions {
  /** Block explorer link of a transaction, for fills. */
  explorerTx?: (signature: string) => string;
}

interface RenderedPush {
  /** The outbox row's kind (metrics, dead-letter notices). */
  kind: string;
  /** `<kind>:<id>:<n>`: the same event never makes a second message. */
  key: string;
  reply: Reply;
  sourceAt?: number;
}

const dedupeKey = (kind: string, id: string, n: string | number) => `${kind}:${id}:${n}`;

/** One event, rendered: the reply, and the key that makes it once-only. */
export function renderPush(e: PushEvent, o: PushRenderOptions = {}): RenderedPush {
  if (e.type === "alert.fired") {
    return {
      kind: "alert",
      key: dedupeKey("alert", e.alert.id, e.firing),
      reply: alertReply(e.alert, e.value, e.tick, e.marketNow),
      sourceAt: e.receivedAt,
    };
  }
  if (e.type === "withdraw.book") return { kind: e.type, key: bookNoticeKey(e), reply: bookNoticeReply(e) };
  if (e.type === "automation.fired") {
    return { kind: "automation", key: automationPushKey(e), reply: describeOutcome(e, o.explorerTx), sourceAt: e.receivedAt };
  }
  return { kind: e.type, key: dedupeKey("trade", e.order.id, e.type), reply: tradeEventReply(e, o.explorerTx) };
}

/**
 * Pushes that reach every platform the user is linked on, whatever their push-platform choice: the
 * outcome of a withdrawal (issue 19), so that funds leaving are seen wherever the user looks.
 */
export function reachesEveryPlatform(e: PushEvent): boolean {
  return e.type.startsWith("trade.") && "order" in e && isWithdrawal(e.order);
}

/**
 * Whether quiet hours may hold this push: alerts, automation outcomes and the trades automations
 * placed. The outcome of a trade the user confirmed themselves answers their own action (it only
 * arrives late when the chain was slow): it is never held.
 */
export function mayBeHeld(e: PushEvent): boolean {
  if (e.type === "alert.fired" || e.type === "automation.fired") return true;
  // Word of the user's withdrawal address book is a security notice: never held.
  if (e.type === "withdraw.book") return false;
  return Boolean(e.order.automation);
}

/**
 * The outbox rows of one push: one to the recipient's chat, and one per copy to another chat of
 * theirs (keyed `<key>>platform:chat`, so each copy is also sent once). Writes nothing.
 */
export function pushRows(to: PushRecipient, e: PushEvent, copies: readonly ChatTarget[] = [], o: PushRenderOptions = {}): NewOutboxMessage[] {
  const r = renderPush(e, o);
  const held = mayBeHeld(e);
  const row = (target: ChatTarget, dedupe: string): NewOutboxMessage => ({
    dedupeKey: dedupe,
    kind: r.kind,
    target,
    reply: r.reply,
    ...(r.sourceAt !== undefined ? { sourceAt: r.sourceAt } : {}),
    ...(held ? { userId: to.userId } : {}),
  });
  return [
    row(to.chat, r.key),
    ...copies
      .filter((t) => t.platform !== to.chat.platform || t.chatId !== to.chat.chatId)
      .map((t) => row(t, `${r.key}>${t.platform}:${t.chatId}`)),
  ];
}
