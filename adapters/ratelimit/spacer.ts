import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import type { Admission, Spacer, WindowRule } from "../../core/ports/rate-limit.port.js";

/**
 * An admitted send whose answer never came (a process that died mid-request) stops counting as in
 * flight after this long: it then occupies its windows like a send that ended at that moment.
 */
export const IN_FLIGHT_HOLD_MS = 120_000;

/**
 * A key's sliding window: ticket -> end (admission + hold while in flight, the answer's time after),
 * and its pace: the theoretical time of the next admission (GCRA).
 */
interface Slots {
  ends: Map<string, number>;
  tat: number;
  lastStart: number;
}

/** How long `rule` keeps a send out at `now`, given its key's slots (0: it may go). */
function waitFor(s: Slots | undefined, rule: WindowRule, now: number): number {
  if (!s) return 0;
  let wait = 0;
  for (const [t, end] of s.ends) if (end <= now - rule.windowMs) s.ends.delete(t);
  if (s.ends.size >= rule.limit) {
    // The window frees up when the oldest (size - limit + 1) entries have left it; one still in
    // flight ends at the earliest now, so its window runs at least windowMs more.
    const blocker = [...s.ends.values()].sort((a, b) => a - b)[s.ends.size - rule.limit]!;
    wait = Math.min(blocker, now) + rule.windowMs - now;
  }
  const early = s.tat - (rule.gapToleranceMs ?? 0) - now;
  if ((rule.minGapMs ?? 0) > 0 && early > 0) wait = Math.max(wait, early);
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
      if (!s) this.windows.set(r.key, (s = { ends: new Map(), tat: -Infinity, lastStart: now }));
      s.ends.set(ticket, now + IN_FLIGHT_HOLD_MS);
      s.tat = Math.max(s.tat, now) + (r.minGapMs ?? 0);
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
// tickets scored by their end) and its pace (the theoretical time of the next admission); ARGV:
// ticket, hold, then per rule limit, window, gap and gap tolerance. Returns 0 when admitted
// (recorded under every rule), else the ms to wait.
const ADMIT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local hold = tonumber(ARGV[2])
local n = #KEYS / 2
local wait = 0
for i = 1, n do
  local zk, tk = KEYS[2 * i - 1], KEYS[2 * i]
  local limit, win, gap, tol = tonumber(ARGV[4 * i - 1]), tonumber(ARGV[4 * i]), tonumber(ARGV[4 * i + 1]), tonumber(ARGV[4 * i + 2])
  redis.call('ZREMRANGEBYSCORE', zk, '-inf', now - win)
  local count = redis.call('ZCARD', zk)
  if count >= limit then
    local e = tonumber(redis.call('ZRANGE', zk, count - limit, count - limit, 'WITHSCORES')[2])
    wait = math.max(wait, math.min(e, now) + win - now)
  end
  if gap > 0 then
    local tat = redis.call('GET', tk)
    if tat and tonumber(tat) - tol > now then wait = math.max(wait, tonumber(tat) - tol - now) end
  end
end
if wait > 0 then return math.ceil(wait) end
for i = 1, n do
  local zk, tk = KEYS[2 * i - 1], KEYS[2 * i]
  local win, gap = tonumber(ARGV[4 * i]), tonumber(ARGV[4 * i + 1])
  redis.call('ZADD', zk, now + hold, ARGV[1])
  redis.call('PEXPIRE', zk, hold + win + 1000)
  if gap > 0 then
    local tat = math.max(tonumber(redis.call('GET', tk) or '0'), now) + gap
    redis.call('SET', tk, tostring(tat), 'PX', math.ceil(tat - now) + 1000)
  end
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
    const keys = rules.flatMap((r) => [`${this.prefix}w:${r.key}`, `${this.prefix}w:${r.key}:pace`]);
    const args = rules.flatMap((r) => [String(r.limit), String(Math.ceil(r.windowMs)), String(r.minGapMs ?? 0), String(r.gapToleranceMs ?? 0)]);
    try {
      const wait = Number(await this.redis.eval(ADMIT, keys.length, ...keys, ticket, String(IN_FLIGHT_HOLD_MS), ...args));
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
