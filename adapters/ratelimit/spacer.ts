import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import type { Admission, Spacer, WindowRule } from "../../core/ports/rate-limit.port.js";

/**
 * An admitted send whose answer never came (a process that died mid-request) stops counting as in
 * flight after this long: it then occupies its windows like a send that ended at that moment.
 */
export const IN_FLIGHT_HOLD_MS = 120_000;
/** Asked again this soon when only sends still in flight fill a window (their end is not known yet). */
export const IN_FLIGHT_POLL_MS = 10;

/** A key's sliding window: ticket -> end (admission + hold while in flight, the answer's time after). */
interface Slots {
  ends: Map<string, number>;
  lastStart: number;
}

/** How long `rule` keeps a send out at `now`, given its key's slots (0: it may go). */
function waitFor(s: Slots | undefined, rule: WindowRule, now: number): number {
  if (!s) return 0;
  let wait = 0;
  for (const [t, end] of s.ends) if (end <= now - rule.windowMs) s.ends.delete(t);
  if (s.ends.size >= rule.limit) {
    // The window frees up when the oldest (size - limit + 1) entries have left it.
    const blocker = [...s.ends.values()].sort((a, b) => a - b)[s.ends.size - rule.limit]!;
    wait = blocker > now ? IN_FLIGHT_POLL_MS : blocker + rule.windowMs - now;
  }
  const gap = rule.minGapMs ?? 0;
  if (gap > 0 && now - s.lastStart < gap) wait = Math.max(wait, s.lastStart + gap - now);
  return wait;
}

/** In-process spacing (one process: the default). */
export class MemorySpacer implements Spacer {
  private readonly windows = new Map<string, Slots>();
  private readonly taken = new Map<string, number>();
  private seq = 0;
  constructor(private readonly clock: () => number = Date.now) {}

  admit(rules: readonly WindowRule[]): Promise<Admission> {
    const now = this.clock();
    let wait = 0;
    for (const r of rules) wait = Math.max(wait, waitFor(this.windows.get(r.key), r, now));
    if (wait > 0) return Promise.resolve({ admitted: false, waitMs: Math.ceil(wait) });
    const ticket = `m${++this.seq}`;
    for (const r of rules) {
      let s = this.windows.get(r.key);
      if (!s) this.windows.set(r.key, (s = { ends: new Map(), lastStart: -Infinity }));
      s.ends.set(ticket, now + IN_FLIGHT_HOLD_MS);
      s.lastStart = now;
    }
    if (this.windows.size > 100_000) this.prune(now);
    return Promise.resolve({ admitted: true, ticket });
  }

  finish(ticket: string, rules: readonly WindowRule[]): Promise<void> {
    const now = this.clock();
    for (const r of rules) {
      const s = this.windows.get(r.key);
      if (s?.ends.has(ticket)) s.ends.set(ticket, Math.min(now, s.ends.get(ticket)!));
    }
    return Promise.resolve();
  }

  take(key: string, intervalMs: number): Promise<number> {
    const now = this.clock();
    const free = this.taken.get(key) ?? 0;
    if (free > now) return Promise.resolve(free - now);
    this.taken.set(key, now + intervalMs);
    if (this.taken.size > 100_000) for (const [k, v] of this.taken) if (v < now) this.taken.delete(k);
    return Promise.resolve(0);
  }

  /** Forgets keys with nothing left in any window this process uses (per-chat keys pile up). */
  private prune(now: number) {
    for (const [k, s] of this.windows) {
      if (now - s.lastStart < 3_600_000) continue;
      if ([...s.ends.values()].every((end) => end <= now - 3_600_000)) this.windows.delete(k);
    }
  }
}

// Redis' own clock, so every process agrees on "now". KEYS: per rule its window (a sorted set of
// tickets scored by their end) and its last admission; ARGV: ticket, hold, poll, then per rule
// limit, window and min gap. Returns 0 when admitted (recorded under every rule), else ms to wait.
const ADMIT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local hold, poll = tonumber(ARGV[2]), tonumber(ARGV[3])
local n = #KEYS / 2
local wait = 0
for i = 1, n do
  local zk, lk = KEYS[2 * i - 1], KEYS[2 * i]
  local limit, win, gap = tonumber(ARGV[3 * i + 1]), tonumber(ARGV[3 * i + 2]), tonumber(ARGV[3 * i + 3])
  redis.call('ZREMRANGEBYSCORE', zk, '-inf', now - win)
  local count = redis.call('ZCARD', zk)
  if count >= limit then
    local e = tonumber(redis.call('ZRANGE', zk, count - limit, count - limit, 'WITHSCORES')[2])
    if e > now then wait = math.max(wait, poll) else wait = math.max(wait, e + win - now) end
  end
  if gap > 0 then
    local last = redis.call('GET', lk)
    if last and now - tonumber(last) < gap then wait = math.max(wait, tonumber(last) + gap - now) end
  end
end
if wait > 0 then return wait end
for i = 1, n do
  local zk, lk = KEYS[2 * i - 1], KEYS[2 * i]
  local win, gap = tonumber(ARGV[3 * i + 2]), tonumber(ARGV[3 * i + 3])
  redis.call('ZADD', zk, now + hold, ARGV[1])
  redis.call('PEXPIRE', zk, hold + win + 1000)
  if gap > 0 then redis.call('SET', lk, now, 'PX', gap + 1000) end
end
return 0`;

const FINISH = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 1, #KEYS do redis.call('ZADD', KEYS[i], 'XX', now, ARGV[1]) end
return 0`;

const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local free = tonumber(redis.call('GET', KEYS[1]) or '0')
if free > now then return free - now end
redis.call('SET', KEYS[1], now + tonumber(ARGV[1]), 'PX', tonumber(ARGV[1]) + 1000)
return 0`;

/**
 * Spacing shared by every process through Redis, so a platform limit (Telegram: 30 msg/s) holds for
 * the whole fleet. While Redis is down each process spaces on its own (degraded, never stuck).
 */
export class RedisSpacer implements Spacer {
  private readonly local = new MemorySpacer();
  private readonly id = randomBytes(4).toString("hex");
  private seq = 0;
  constructor(
    private readonly redis: Redis,
    private readonly onFallback: (err: unknown) => void = () => {},
    private readonly prefix = "purser:space:",
  ) {}

  async admit(rules: readonly WindowRule[]): Promise<Admission> {
    const ticket = `${this.id}:${++this.seq}`;
    const keys = rules.flatMap((r) => [`${this.prefix}w:${r.key}`, `${this.prefix}w:${r.key}:last`]);
    const args = rules.flatMap((r) => [String(r.limit), String(Math.ceil(r.windowMs)), String(Math.ceil(r.minGapMs ?? 0))]);
    try {
      const wait = Number(await this.redis.eval(ADMIT, keys.length, ...keys, ticket, String(IN_FLIGHT_HOLD_MS), String(IN_FLIGHT_POLL_MS), ...args));
      return wait > 0 ? { admitted: false, waitMs: wait } : { admitted: true, ticket };
    } catch (err) {
      this.onFallback(err);
      return this.local.admit(rules); // its tickets start with "m": finished locally
    }
  }

  async finish(ticket: string, rules: readonly WindowRule[]): Promise<void> {
    if (ticket.startsWith("m")) return this.local.finish(ticket, rules);
    const keys = rules.map((r) => `${this.prefix}w:${r.key}`);
    try {
      await this.redis.eval(FINISH, keys.length, ...keys, ticket);
    } catch (err) {
      this.onFallback(err); // the entry ends on its own after IN_FLIGHT_HOLD_MS
    }
  }

  async take(key: string, intervalMs: number): Promise<number> {
    try {
      return Number(await this.redis.eval(TAKE, 1, `${this.prefix}take:${key}`, String(Math.round(intervalMs))));
    } catch (err) {
      this.onFallback(err);
      return this.local.take(key, intervalMs);
    }
  }
}
