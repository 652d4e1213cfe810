// Sliding-window rate limits of the fake Telegram Bot API, and window
// statistics over what it accepted.

export interface RateLimits {
  /** Messages per second over all chats (Telegram: about 30). */
  globalPerSecond: number;
  /** Messages per second into one private chat (Telegram: about 1). */
  perChatPerSecond: number;
  /** Extra messages a private chat may take inside one second (default 0). */
  perChatBurst: number;
  /** Messages per minute into one group or channel (negative chat id; Telegram: 20). */
  groupPerMinute: number;
}

export const DEFAULT_LIMITS: RateLimits = {
  globalPerSecond: 30,
  perChatPerSecond: 1,
  perChatBurst: 0,
  groupPerMinute: 20,
};

export type LimitScope = "global" | "chat" | "group";

export interface RateLimitHit {
  method: string;
  chat_id: number | string;
  scope: LimitScope;
  retry_after: number;
  time: number;
}

class Window {
  private readonly times: number[] = [];
  constructor(
    private readonly size: number,
    private readonly spanMs: number,
  ) {}

  /** Seconds to wait before one more event fits, or 0 when it fits now. */
  retryAfter(now: number): number {
    while (this.times.length > 0 && (this.times[0] as number) <= now - this.spanMs) this.times.shift();
    if (this.times.length < this.size) return 0;
    const opensAt = (this.times[this.times.length - this.size] as number) + this.spanMs;
    return Math.max(1, Math.ceil((opensAt - now) / 1000));
  }

  add(now: number): void {
    this.times.push(now);
  }
}

export class SlidingWindowLimiter {
  private global: Window;
  private chats = new Map<string, Window>();

  constructor(private limits: RateLimits | null) {
    this.global = this.newGlobal();
  }

  configure(limits: RateLimits | null): void {
    this.limits = limits;
    this.reset();
  }

  reset(): void {
    this.global = this.newGlobal();
    this.chats.clear();
  }

  /** Returns the blocking scope and retry_after, or null when the send may go. */
  check(chatKey: string, isGroup: boolean, now: number): { scope: LimitScope; retryAfter: number } | null {
    if (!this.limits) return null;
    const chatWait = this.chatWindow(chatKey, isGroup).retryAfter(now);
    const globalWait = this.global.retryAfter(now);
    if (chatWait === 0 && globalWait === 0) return null;
    if (chatWait >= globalWait) return { scope: isGroup ? "group" : "chat", retryAfter: chatWait };
    return { scope: "global", retryAfter: globalWait };
  }

  record(chatKey: string, isGroup: boolean, now: number): void {
    if (!this.limits) return;
    this.global.add(now);
    this.chatWindow(chatKey, isGroup).add(now);
  }

  private newGlobal(): Window {
    return new Window(this.limits?.globalPerSecond ?? Infinity, 1000);
  }

  private chatWindow(chatKey: string, isGroup: boolean): Window {
    let w = this.chats.get(chatKey);
    if (!w) {
      const l = this.limits ?? DEFAULT_LIMITS;
      w = isGroup
        ? new Window(l.groupPerMinute, 60_000)
        : new Window(l.perChatPerSecond + l.perChatBurst, 1000);
      this.chats.set(chatKey, w);
    }
    return w;
  }
}

/** Largest number of timestamps that fall inside any window of `windowMs`. */
export function maxInWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while ((sorted[end] as number) - (sorted[start] as number) >= windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

/** Count of timestamps per whole second (epoch second -> count), in order. */
export function countPerSecond(times: readonly number[]): Array<{ second: number; count: number }> {
  const counts = new Map<number, number>();
  for (const t of times) {
    const s = Math.floor(t / 1000);
    counts.set(s, (counts.get(s) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => a[0] - b[0]).map(([second, count]) => ({ second, count }));
}
