import { randomInt } from "node:crypto";
import { AlertIndex } from "../domain/alert-index.js";
import { ACTIVE_ALERT_STATES, canRearm, thresholdHolds, type Alert } from "../domain/alert.js";
import { formatPrice, formatUsd } from "../domain/format.js";
import type { PriceTick } from "../domain/price.js";
import type { Token } from "../domain/token.js";
import { UserError } from "../errors.js";
import type { AlertsPort, AlertStore, NewAlert } from "../ports/alerts.port.js";
import type { Clock } from "../ports/clock.port.js";
import type { Logger } from "../ports/logger.port.js";
import type { PriceBus } from "../ports/price-bus.port.js";
import { AlertTokens } from "./alert-tokens.js";
import { LeaderLoop } from "./leader-loop.js";
import type { PushPlanner } from "./notifications.service.js";
import { pushRows } from "./push-events.js";
import { withRetries } from "./retry.js";
import { TickFilter } from "./tick-filter.js";

export { alertReply, describeAlert } from "./alert-reply.js";

export interface AlertEngineDeps {
  store: AlertStore;
  bus: PriceBus;
  clock: Clock;
  log: Logger;
  /** Market time (replay time when replaying): ticks older than maxTickAgeMs fire nothing. */
  marketNow: () => number;
  maxTickAgeMs: number;
  /** Live or replayed prices now: a tick labelled otherwise fires nothing (absent: labels not judged). */
  mode?: () => "live" | "replay";
  /** A tick further than this (%) from another source's recent price fires nothing (absent: not judged). */
  maxDeviationPct?: number;
  maxPerUser: number;
  /** A user's portfolio value in USD, for value alerts (undefined when it cannot be priced). */
  portfolioValue?: (userId: string) => Promise<number | undefined>;
  syncMs?: number;
  valueCheckMs?: number;
  /** Observers (metrics): tick evaluation time and firings. */
  onTickEvaluated?: (micros: number) => void;
  onFired?: (a: Alert) => void;
  /**
   * Turns a firing into its outbox rows (the push, and copies to the user's linked platforms), which
   * are written with the alert's change in one transaction (Notifications; default: the push alone).
   */
  pushes?: PushPlanner;
  /** Back-off between attempts when writing a firing fails (default 0.1 s, 0.4 s, 1.6 s, 4 s). */
  fireRetryDelaysMs?: readonly number[];
  /**
   * Tells the market which tokens the price stream must carry: called (on start, sync and create)
   * with the tokens of active alerts' mints not handed over before. The poller only polls tracked
   * tokens, so without this an alert on a token that is not built in never gets a tick. Needs tokenOf.
   */
  track?: (tokens: Token[]) => void;
  /** The token of a mint, for track (undefined or a throw: not tracked yet, looked up again later). */
  tokenOf?: (mint: string) => Promise<Token | undefined>;
  /** How long after a failed tokenOf the same mint is looked up again (default 60 s). */
  tokenRetryMs?: number;
}

export type { NewAlert } from "../ports/alerts.port.js";

const ID_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789";
const newAlertId = () => Array.from({ length: 6 }, () => ID_ALPHABET[randomInt(ID_ALPHABET.length)]).join("");

/**
 * Price alerts: every active alert is indexed per token by threshold (sorted arrays), so a tick costs
 * O(log n + fired). Firing moves the alert and writes its message to the outbox in one transaction,
 * guarded by the alert's fire count, so a firing happens once even with several processes. State
 * lives in the database: after a restart nothing fires twice.
 */
export class AlertEngine implements AlertsPort {
  private readonly index = new AlertIndex();
  private readonly handleOf = new Map<string, number>();
  private readonly alertOf = new Map<number, Alert>();
  private nextHandle = 1;
  /** Cooling alerts by mint (re-armed on that token's ticks), and value alerts by id. */
  private readonly cooling = new Map<string, Map<string, Alert>>();
  private readonly valueAlerts = new Map<string, Alert>();
  /** Held alerts (armed or cooling) that have an expiry, by id: the sync timer's sweep expires them. */
  private readonly expiring = new Map<string, Alert>();
  private unsubscribe: (() => void) | undefined;
  /** The alerts' change counter as of the last read: a sync reads only alerts changed after it. */
  private seenChange = 0;
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly tokens: AlertTokens;
  /** The sync (changes made elsewhere, expiries) and the portfolio-value check, each on its timer. */
  private readonly loops: Array<LeaderLoop<void>>;
  private readonly pushes: PushPlanner;
  private stopped = false;
  private readonly filter: TickFilter;
  rejectedTicks = 0;

  constructor(private readonly d: AlertEngineDeps) {
    const { clock, log } = d;
    this.filter = new TickFilter({
      marketNow: d.marketNow,
      maxAgeMs: d.maxTickAgeMs,
      ...(d.mode ? { mode: d.mode } : {}),
      ...(d.maxDeviationPct !== undefined ? { maxDeviationPct: d.maxDeviationPct } : {}),
    });
    this.tokens = new AlertTokens({ track: d.track, tokenOf: d.tokenOf, retryMs: d.tokenRetryMs, clock, log });
    const every = (name: string, everyMs: number, run: () => Promise<void>) =>
      new LeaderLoop({ name, everyMs, run, log, immediate: false, fixedRate: true, failureLog: { level: "error", failed: "alert timer failed" } });
    this.loops = [every("alert sync", d.syncMs ?? 2000, () => this.sync()), every("alert value check", d.valueCheckMs ?? 60_000, () => this.checkValues())];
    this.pushes = d.pushes ?? { plan: async (to, e) => pushRows(to, e) };
  }

  get size(): number {
    return this.index.size + this.valueAlerts.size;
  }

  async start(): Promise<void> {
    this.stopped = false;
    // Counter first: a change made while the active alerts are read is read again (load is idempotent).
    this.seenChange = await this.d.store.lastChange();
    for (const a of await this.d.store.byState(ACTIVE_ALERT_STATES)) this.load(a);
    await this.expireDue(this.d.clock.now());
    await this.trackActive();
    this.unsubscribe = this.d.bus.subscribe((ticks) => this.onTicks(ticks));
    for (const l of this.loops) l.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    await Promise.all(this.loops.map((l) => l.stop()));
    await this.idle();
  }

  /** Resolves when every firing started so far is written. */
  async idle(): Promise<void> {
    while (this.inflight.size) await Promise.all([...this.inflight]);
  }

  /**
   * Expires alerts past their expiry, picks up alerts other processes created, fired, cancelled or
   * expired, and has the market track the tokens of new ones.
   */
  async sync(): Promise<void> {
    await this.expireDue(this.d.clock.now());
    const changed = await this.d.store.changedAfter(this.seenChange);
    this.seenChange = changed.seq;
    for (const a of changed.alerts) this.load(a);
    await this.trackActive();
  }

  /**
   * Every held alert past its expiry becomes "expired" in the database (other processes see it on
   * their next sync) and leaves memory. A failed write is tried again on the next sweep.
   */
  async expireDue(now = this.d.clock.now()): Promise<void> {
    for (const a of [...this.expiring.values()]) {
      if (!isPastExpiry(a, now)) continue;
      try {
        await this.d.store.setState(a.id, ACTIVE_ALERT_STATES, "expired", now);
      } catch (err) {
        this.d.log.warn({ err, alert: a.id }, "alert expiry not recorded yet: retrying on the next sweep");
        continue;
      }
      this.forget(a.id);
    }
  }

  /** Distinct mints of the token alerts held (armed and cooling: a cooling alert re-arms on ticks). */
  private activeMints(): Set<string> {
    const out = new Set<string>();
    for (const a of this.alertOf.values()) if (a.mint) out.add(a.mint);
    for (const [mint, m] of this.cooling) if (m.size) out.add(mint);
    return out;
  }

  /** Hands the tokens of active alerts' mints not tracked yet to d.track. Never throws. */
  private trackActive(): Promise<void> {
    return this.tokens.trackNew(this.activeMints());
  }

  /**
   * One shared copy of the strings and notify targets many alerts repeat (a user's id and chat, a
   * token's mint and symbol): rows read from the database each bring their own copies, which at a
   * million alerts is a large share of the engine's memory.
   */
  private compact(a: Alert): Alert {
    const s = (v: string) => {
      let x = this.interned.get(v);
      if (x === undefined) this.interned.set(v, (x = v));
      return x;
    };
    const nk = `${a.notify.platform}\u0000${a.notify.chatId}`;
    let notify = this.targets.get(nk);
    if (!notify) this.targets.set(nk, (notify = { platform: a.notify.platform, chatId: s(a.notify.chatId) }));
    return { ...a, userId: s(a.userId), mint: a.mint === null ? null : s(a.mint), symbol: s(a.symbol), notify };
  }
  private readonly interned = new Map<string, string>();
  private readonly targets = new Map<string, Alert["notify"]>();

  private load(loaded: Alert) {
    const a = this.compact(loaded);
    this.forget(a.id);
    if (!ACTIVE_ALERT_STATES.includes(a.state)) return;
    if (a.expiresAt !== null) {
      this.expiring.set(a.id, a);
      if (isPastExpiry(a, this.d.clock.now())) return; // not indexed: the next sweep marks it expired
    }
    if (a.kind === "value_above" || a.kind === "value_below") {
      this.valueAlerts.set(a.id, a);
      return;
    }
    if (!a.mint) return;
    if (a.state === "cooling") {
      let m = this.cooling.get(a.mint);
      if (!m) this.cooling.set(a.mint, (m = new Map()));
      m.set(a.id, a);
      return;
    }
    const h = this.nextHandle++;
    this.handleOf.set(a.id, h);
    this.alertOf.set(h, a);
    if (a.kind === "move") this.index.addMove(a.mint, h, a.pct, a.windowMs);
    else this.index.addThreshold(a.mint, h, a.kind === "above" ? "above" : "below", a.level);
  }

  private forget(id: string) {
    const h = this.handleOf.get(id);
    if (h !== undefined) {
      this.index.remove(h);
      this.alertOf.delete(h);
      this.handleOf.delete(id);
    }
    this.valueAlerts.delete(id);
    this.expiring.delete(id);
    for (const m of this.cooling.values()) m.delete(id);
  }

  /** The price stream: a NaN, non-positive, stale, deviating or wrongly labelled tick fires nothing (TickFilter). */
  onTicks(ticks: readonly PriceTick[]): void {
    const receivedAt = Date.now();
    for (const t of ticks) {
      if (this.filter.judge(t) !== null) {
        this.rejectedTicks++;
        continue;
      }
      const t0 = performance.now();
      const fired = this.index.onTick(t.mint, t.at, t.usd);
      this.d.onTickEvaluated?.((performance.now() - t0) * 1000);
      for (const h of fired) {
        const a = this.alertOf.get(h);
        this.alertOf.delete(h);
        if (!a) continue;
        this.handleOf.delete(a.id);
        this.track(this.fireWithRetry(a, t.usd, t, receivedAt));
      }
      const cool = this.cooling.get(t.mint);
      if (cool?.size) {
        const wall = this.d.clock.now();
        for (const a of [...cool.values()]) if (canRearm(a, t.usd, wall)) this.track(this.rearm(a));
      }
    }
  }

  private track(p: Promise<unknown>) {
    const q = p.catch((err: unknown) => this.d.log.error({ err }, "alert firing failed")).finally(() => this.inflight.delete(q));
    this.inflight.add(q);
  }

  /**
   * A firing that fails (the database is busy, restarting or out of connections) is retried with
   * back-off; if it still fails the alert goes back into the index, armed, so the next tick fires
   * it. An alert is never dropped from memory because a write failed.
   */
  private async fireWithRetry(a: Alert, value: number, tick: PriceTick | undefined, receivedAt: number): Promise<void> {
    try {
      await withRetries(() => this.fire(a, value, tick, receivedAt), this.d.fireRetryDelaysMs ?? [100, 400, 1600, 4000], {
        shouldRetry: () => !this.stopped,
        onRetry: (err, attempt) => this.d.log.warn({ err, alert: a.id, attempt }, "alert firing failed: retrying"),
      });
    } catch (err) {
      this.d.log.error({ err, alert: a.id }, "alert firing failed: kept armed for the next tick");
      if (!this.handleOf.has(a.id)) this.load(a);
    }
  }

  private async fire(a: Alert, value: number, tick: PriceTick | undefined, receivedAt: number): Promise<void> {
    const now = this.d.clock.now();
    if (a.expiresAt !== null && now >= a.expiresAt) {
      await this.d.store.setState(a.id, ["armed", "cooling"], "expired", now);
      return;
    }
    const next = a.repeat ? "cooling" : "done";
    const event = { type: "alert.fired" as const, alert: a, firing: a.fireCount + 1, value, ...(tick ? { tick } : {}), marketNow: this.d.marketNow(), receivedAt };
    const rows = await this.pushes.plan({ userId: a.userId, chat: a.notify }, event);
    const ok = await this.d.store.fire(a.id, a.fireCount, { state: next, now }, rows);
    if (!ok) {
      // Another process fired or changed it first: take the stored truth.
      const fresh = await this.d.store.get(a.id);
      if (fresh) this.load(fresh);
      return;
    }
    this.d.onFired?.(a);
    this.pushes.told?.(a.userId, event);
    this.load({ ...a, state: next, fireCount: a.fireCount + 1, lastFiredAt: now, updatedAt: now });
  }

  private async rearm(a: Alert): Promise<void> {
    const now = this.d.clock.now();
    this.forget(a.id);
    if (a.expiresAt !== null && now >= a.expiresAt) {
      await this.d.store.setState(a.id, ["cooling"], "expired", now);
      return;
    }
    if (await this.d.store.setState(a.id, ["cooling"], "armed", now)) this.load({ ...a, state: "armed", updatedAt: now });
    else {
      const fresh = await this.d.store.get(a.id);
      if (fresh) this.load(fresh);
    }
  }

  /** Portfolio-value alerts are checked on a timer (valuing a portfolio is not a per-tick job). */
  async checkValues(): Promise<void> {
    if (!this.d.portfolioValue) return;
    const now = this.d.clock.now();
    for (const a of [...this.valueAlerts.values()]) {
      const v = await this.d.portfolioValue(a.userId).catch(() => undefined);
      if (v === undefined) continue;
      if (a.state === "armed" && thresholdHolds(a.kind, a.level, v)) {
        this.valueAlerts.delete(a.id);
        await this.fireWithRetry(a, v, undefined, Date.now());
      } else if (a.state === "cooling" && canRearm(a, v, now)) await this.rearm(a);
    }
  }

  async create(userId: string, spec: NewAlert, current: number, notify: Alert["notify"]): Promise<Alert> {
    // Alerts past their expiry do not count, even before the sweep has marked them expired.
    if ((await this.d.store.countActive(userId, this.d.clock.now())) >= this.d.maxPerUser) {
      throw new UserError("alert_limit", `You have ${this.d.maxPerUser} active alerts, the most allowed. Remove some with /unalert.`);
    }
    if ((spec.kind === "above" || spec.kind === "below" || spec.kind.startsWith("value_")) && thresholdHolds(spec.kind, spec.level, current)) {
      const what = spec.kind.startsWith("value_") ? "Your portfolio" : spec.symbol;
      const dir = spec.kind.endsWith("above") ? "above" : "below";
      throw new UserError(
        "alert_already_true",
        `${what} is already ${dir} ${spec.kind.startsWith("value_") ? formatUsd(spec.level) : formatPrice(spec.level)} (now ${spec.kind.startsWith("value_") ? formatUsd(current) : formatPrice(current)}). Pick a level it has not reached yet.`,
      );
    }
    const now = this.d.clock.now();
    const a: Alert = { ...spec, id: newAlertId(), userId, state: "armed", fireCount: 0, lastFiredAt: null, refValue: current, createdAt: now, updatedAt: now, notify };
    await this.d.store.create(a);
    this.load(a);
    await this.trackActive();
    return a;
  }

  /** A user's alerts; an active one past its expiry shows as expired even before the sweep marks it. */
  async list(userId: string): Promise<Alert[]> {
    const now = this.d.clock.now();
    const all = await this.d.store.byUser(userId, ["armed", "cooling", "done", "expired"]);
    return all.map((a) => (isPastExpiry(a, now) ? { ...a, state: "expired" } : a));
  }

  async cancel(userId: string, id: string): Promise<boolean> {
    const a = await this.d.store.get(id.toLowerCase());
    if (!a || a.userId !== userId) throw new UserError("alert_unknown", `You have no alert ${id.slice(0, 12)}. See /alerts.`);
    const now = this.d.clock.now();
    this.forget(a.id);
    if (isPastExpiry(a, now)) {
      // Already over: it expired, it is not "removed".
      await this.d.store.setState(a.id, ACTIVE_ALERT_STATES, "expired", now);
      return false;
    }
    return this.d.store.setState(a.id, ACTIVE_ALERT_STATES, "cancelled", now);
  }

  async cancelAll(userId: string): Promise<number> {
    const now = this.d.clock.now();
    const mine = await this.d.store.byUser(userId, ACTIVE_ALERT_STATES);
    // Alerts already past their expiry expired: they are not counted as removed.
    for (const a of mine) if (isPastExpiry(a, now)) await this.d.store.setState(a.id, ACTIVE_ALERT_STATES, "expired", now);
    const n = await this.d.store.cancelAll(userId, now);
    for (const a of mine) this.forget(a.id);
    return n;
  }
}

/** Active, but past its expiry (the sweep has not marked it expired yet). */
function isPastExpiry(a: Alert, now: number): boolean {
  return ACTIVE_ALERT_STATES.includes(a.state) && a.expiresAt !== null && now >= a.expiresAt;
}
