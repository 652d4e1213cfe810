import type { Transformer } from "grammy";
import type { Admission, Spacer, WindowRule } from "../../core/ports/rate-limit.port.js";

/**
 * Telegram's sending limits as sliding windows: ~30 messages in any second overall, 1 a second per
 * private chat, 20 a minute per group. A send occupies a window from its admission until windowMs
 * after its answer, and Telegram counts it at some instant in between (when the request reaches it),
 * so no network delay or event-loop stall can squeeze two sends closer than the window allows. The
 * margin (1 ms) covers only millisecond rounding between our clock and Telegram's, and a window
 * that might include its end.
 */
export const WINDOW_MARGIN_MS = 1;
export const TELEGRAM_CHAT_LIMITS = {
  privateChat: { limit: 1, windowMs: 1000 + WINDOW_MARGIN_MS },
  /** 20 a minute, and 3 s apart so a group's minute is not spent in one burst. */
  group: { limit: 20, windowMs: 60_000 + WINDOW_MARGIN_MS, minGapMs: 3000 },
} as const;

/**
 * The overall window for `perSecond` (TELEGRAM_GLOBAL_PER_S): that many sends in any second, paced at
 * twice the average rate with one average gap of tolerance. So a window's sends spread over about half
 * of it rather than leaving together, a backlog after a pause leaves at most three back to back, and a
 * timer that fires up to a gap late costs no throughput (the window, not the pace, is what binds).
 */
export function globalRule(perSecond: number): WindowRule {
  const limit = Math.max(1, Math.floor(perSecond));
  const windowMs = Math.ceil((1000 * limit) / perSecond) + WINDOW_MARGIN_MS;
  const gap = windowMs / limit;
  return { key: "tg:global", limit, windowMs, minGapMs: gap / 2, gapToleranceMs: gap };
}

/** Methods that count against Telegram's sending limits. */
const SENDING = new Set(["sendMessage", "sendPhoto", "sendDocument", "sendMediaGroup", "editMessageText", "editMessageCaption", "editMessageReplyMarkup", "copyMessage", "forwardMessage"]);

/** What the limits wait with: timers, or a simulated loop in tests (time is read by the spacer's clock). */
export interface SpacingTime {
  sleep(ms: number): Promise<void>;
}
const realTime: SpacingTime = { sleep: (ms) => new Promise<void>((r) => setTimeout(r, ms)) };

/**
 * Sends of this process waiting for the overall window, first come first served: only the head asks
 * the spacer (one question at a time, not one timer per waiting send), and it asks again after the
 * wait the spacer named. Admission is decided at the moment of asking, by the spacer's clock.
 */
class AdmissionQueue {
  private readonly waiting: Array<(ticket: string) => void> = [];
  private pumping = false;
  constructor(
    private readonly spacer: Spacer,
    private readonly rules: readonly WindowRule[],
    private readonly time: SpacingTime,
  ) {}

  next(): Promise<string> {
    const p = new Promise<string>((resolve) => this.waiting.push(resolve));
    void this.pump();
    return p;
  }

  private async pump() {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.waiting.length) {
        // A spacer that throws (it should fall back on its own) is asked again shortly: never stuck.
        const a = await this.spacer.admit(this.rules).catch((): Admission => ({ admitted: false, waitMs: 50 }));
        if (a.admitted) this.waiting.shift()!(a.ticket);
        else await this.time.sleep(a.waitMs);
      }
    } finally {
      this.pumping = false;
    }
  }
}

/**
 * Telegram's limits, kept in a store every process shares (in-process or Redis). A send first waits
 * for its chat's window (a message to the chat still in flight, or answered less than a second ago,
 * holds it), then joins this process's queue for the overall window, goes out the moment it is
 * admitted, and releases both windows when its answer comes back. Nothing is booked ahead: a
 * process that wakes from a stall finds the windows as the sends before it left them, so it sends
 * what they allow, not every slot it slept through.
 */
export function sharedLimits(spacer: Spacer, opts: { perSecond: number }, time: SpacingTime = realTime): Transformer {
  const global = [globalRule(opts.perSecond)];
  const queue = new AdmissionQueue(spacer, global, time);
  const finish = (ticket: string, rules: readonly WindowRule[]) => void spacer.finish(ticket, rules).catch(() => undefined);
  return async (prev, method, payload, signal) => {
    const chat = (payload as { chat_id?: unknown } | undefined)?.chat_id;
    if (!SENDING.has(method) || chat === undefined) return prev(method, payload, signal);
    const limits = Number(chat) < 0 ? TELEGRAM_CHAT_LIMITS.group : TELEGRAM_CHAT_LIMITS.privateChat;
    const chatRules = [{ key: `tg:chat:${String(chat)}`, ...limits }];
    let chatTicket: string | undefined;
    while (!chatTicket) {
      const a = await spacer.admit(chatRules);
      if (a.admitted) chatTicket = a.ticket;
      else await time.sleep(a.waitMs);
    }
    try {
      const ticket = await queue.next();
      try {
        return await prev(method, payload, signal);
      } finally {
        finish(ticket, global);
      }
    } finally {
      finish(chatTicket, chatRules);
    }
  };
}
