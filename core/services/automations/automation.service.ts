import { ACTIVE_AUTOMATION_STATES, type Automation, type AutomationRequest, type AutomationState } from "../../domain/automation.js";
import type { Token } from "../../domain/token.js";
import { RISK_ACK_LABEL } from "../../domain/trade-risk.js";
import { UserError } from "../../errors.js";
import type { AutomationDraft, AutomationsPort, ConfirmAutomation } from "../../ports/automations.port.js";
import { LeaderLoop } from "../leader-loop.js";
import { describeAcknowledged } from "./describe.js";
import { AutomationDrafts } from "./drafts.js";
import { FiringExecutor } from "./executor.js";
import { DcaSchedules } from "./schedules.js";
import { DRAFT_TTL_MS, GLOBAL_PAUSE_KEY, type AutomationDeps } from "./types.js";
import { PriceWatcher } from "./watcher.js";

const LISTED: readonly AutomationState[] = ["armed", "paused", "done", "cancelled", "failed"];

/** What the plain Confirm on a draft needing the acknowledgement says. */
function ackNeededText(a: Automation): string {
  const codes = a.acknowledgedRisk ?? [];
  const what = codes.length ? describeAcknowledged(codes) : "its safety could not be checked";
  // a sell receives its proceeds; a buy its token
  const received = "receive" in a.rule ? a.rule.receive.symbol : a.rule.token.symbol;
  return `${received} is risky (${what}). Nothing was armed: press "${RISK_ACK_LABEL}" on the preview to go ahead anyway.`;
}

/**
 * Automations (issue 17): drafts armed by the user's Confirm, price triggers watched on the price
 * stream, DCA schedules on the market clock, and firings executed once through the trade path. The
 * state lives in the store, so every process (and a restarted one) agrees: a firing is claimed once,
 * its outcome written with its push once, and the global kill switch read from the shared kv.
 */
export class AutomationEngine implements AutomationsPort {
  private readonly drafts: AutomationDrafts;
  private readonly executor: FiringExecutor;
  private readonly watcher: PriceWatcher;
  private readonly schedules: DcaSchedules;
  private readonly loops: Array<LeaderLoop<void>>;
  private unsubscribe: (() => void) | undefined;
  /** Wall time of the last sync's read: the next reads changes from a little before it. */
  private syncedAt = 0;
  private readonly tracked = new Set<string>();

  constructor(private readonly d: AutomationDeps) {
    this.drafts = new AutomationDrafts(d);
    this.executor = new FiringExecutor(d, { forget: (ids) => ids.forEach((id) => this.watcher.forget(id)), globallyPaused: () => this.globallyPaused() });
    this.watcher = new PriceWatcher(d, (a, usd, at) => this.executor.track(this.fireTrigger(a, usd, at)), (w) => this.executor.track(w));
    this.schedules = new DcaSchedules(d, this.executor);
    const every = (name: string, run: () => Promise<unknown>) =>
      new LeaderLoop<void>({ name, everyMs: d.settings.syncMs, run: async () => void (await run()), log: d.log, immediate: false, fixedRate: true });
    this.loops = [every("automation sync", () => this.sync()), every("automation schedules", () => this.runDue())];
  }

  /** Armed price triggers in this process's book. */
  get size(): number {
    return this.watcher.size;
  }

  /**
   * Loads the armed automations and subscribes to the price stream; with poll (default) the sync,
   * schedule and recovery loops run on their timers. Tests pass poll: false and drive sync() and runDue().
   */
  async start(opts: { poll?: boolean } = {}): Promise<void> {
    this.syncedAt = this.d.clock.now();
    for (const a of await this.d.store.byState(["armed"])) this.watcher.load(a);
    this.watcher.paused = await this.globallyPaused();
    this.trackActive();
    this.unsubscribe = this.d.bus.subscribe((ticks) => this.watcher.onTicks(ticks));
    if (opts.poll !== false) for (const l of this.loops) l.start();
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    await Promise.all(this.loops.map((l) => l.stop()));
    await this.idle();
  }

  /** Resolves when every firing and write started so far has ended. */
  idle(): Promise<void> {
    return this.executor.idle();
  }

  /** Picks up automations other processes created, paused, resumed, cancelled or fired, and the global switch. */
  async sync(): Promise<void> {
    const now = this.d.clock.now();
    const changed = await this.d.store.changedSince(this.syncedAt - this.d.settings.syncMs);
    this.syncedAt = now;
    for (const a of changed) if (!this.executor.isBusy(a.id)) this.watcher.load(a);
    this.watcher.paused = await this.globallyPaused();
    this.trackActive();
  }

  /** DCA buys due now, then firings due again (retries, a dead worker's). Resolves when they have run. */
  async runDue(): Promise<void> {
    if (await this.globallyPaused()) return;
    await this.schedules.runDue();
    await this.executor.resumeDue();
  }

  private async fireTrigger(a: Automation, usd: number, receivedAt: number): Promise<void> {
    const fired = await this.executor.fire(a, a.firings + 1, { priceUsd: usd, receivedAt });
    if (fired) return;
    // Not claimed: everything is paused (watch it again), or another worker has it (take the stored truth).
    const fresh = await this.d.store.get(a.id);
    if (fresh && (await this.globallyPaused())) this.watcher.load(fresh);
  }

  /** Hands the tokens armed triggers watch to the market, so the poller publishes their ticks. */
  private trackActive(): void {
    const track = this.d.track;
    if (!track) return;
    const fresh = [...this.watcher.mints()].filter((m) => !this.tracked.has(m));
    if (!fresh.length) return;
    for (const m of fresh) this.tracked.add(m);
    this.executor.track(
      Promise.all(fresh.map((m) => this.d.tokens.resolve(m).catch(() => (this.tracked.delete(m), undefined)))).then((ts) => track(ts.filter((t): t is Token => t !== undefined))),
    );
  }

  // ---- AutomationsPort ----

  propose(userId: string, req: AutomationRequest, notify: Automation["notify"]): Promise<AutomationDraft> {
    return this.drafts.propose(userId, req, notify);
  }

  async confirm(userId: string, id: string, opts: { acknowledgeRisk?: boolean } = {}): Promise<ConfirmAutomation> {
    const a = await this.mine(userId, id);
    const now = this.d.clock.now();
    if (a.state === "proposed" && now - a.createdAt > (this.d.settings.draftTtlMs ?? DRAFT_TTL_MS)) {
      await this.d.store.setState(a.id, ["proposed"], "cancelled", now);
      throw new UserError("automation_expired", "That preview is more than 10 minutes old, so nothing was armed. Set it again to see a fresh preview.");
    }
    // TOKEN_SAFETY=warn: a draft on a flagged token is armed only by "I understand the risks".
    if (a.state === "proposed" && a.acknowledgedRisk && opts.acknowledgeRisk !== true) {
      throw new UserError("token_unsafe", ackNeededText(a), { automationId: a.id, flags: [...a.acknowledgedRisk] });
    }
    const r = a.state === "proposed" ? await this.d.store.arm(a.id, userId, now, this.d.settings.maxPerUser) : "not_proposed";
    if (r === "over_limit") {
      await this.d.store.setState(a.id, ["proposed"], "cancelled", now);
      throw new UserError("automation_limit", `You already have ${this.d.settings.maxPerUser} active automations, the most allowed. Cancel some with /auto cancel <id>.`);
    }
    const fresh = (await this.d.store.get(a.id)) ?? a;
    if (r === "armed") {
      if (fresh.acknowledgedRisk) this.d.log.info({ automation: fresh.id, user: userId, flags: fresh.acknowledgedRisk }, "automation armed with its token's risk acknowledged");
      this.watcher.load(fresh);
      this.trackActive();
      return { kind: "armed", automation: fresh };
    }
    return fresh.state === "cancelled" ? { kind: "cancelled", automation: fresh } : { kind: "already", automation: fresh };
  }

  async discard(userId: string, id: string): Promise<Automation> {
    const a = await this.mine(userId, id);
    await this.d.store.setState(a.id, ["proposed"], "cancelled", this.d.clock.now());
    return (await this.d.store.get(a.id)) ?? a;
  }

  list(userId: string): Promise<Automation[]> {
    return this.d.store.byUser(userId, LISTED);
  }

  async cancel(userId: string, id: string): Promise<boolean> {
    const a = await this.mine(userId, id);
    const ok = await this.d.store.setState(a.id, ACTIVE_AUTOMATION_STATES, "cancelled", this.d.clock.now());
    this.watcher.forget(a.id);
    return ok;
  }

  async cancelAll(userId: string): Promise<number> {
    const ids = await this.d.store.setStateOfUser(userId, ACTIVE_AUTOMATION_STATES, "cancelled", this.d.clock.now());
    ids.forEach((id) => this.watcher.forget(id));
    return ids.length;
  }

  async pause(userId: string): Promise<number> {
    const ids = await this.d.store.setStateOfUser(userId, ["armed"], "paused", this.d.clock.now());
    ids.forEach((id) => this.watcher.forget(id));
    return ids.length;
  }

  async resume(userId: string): Promise<number> {
    const now = this.d.clock.now();
    // A fresh start: the failures that paused everything no longer count.
    await this.d.store.streak(userId, false, now);
    const ids = await this.d.store.setStateOfUser(userId, ["paused"], "armed", now);
    for (const id of ids) {
      const a = await this.d.store.get(id);
      if (a) this.watcher.load(a);
    }
    this.trackActive();
    return ids.length;
  }

  async pauseAll(by: string): Promise<void> {
    await this.d.kv.set(GLOBAL_PAUSE_KEY, JSON.stringify({ paused: true, by, at: this.d.clock.now() }), this.d.clock.now());
    this.watcher.paused = true;
    this.d.log.warn({ by }, "automations paused for everyone");
  }

  async resumeAll(by: string): Promise<void> {
    await this.d.kv.set(GLOBAL_PAUSE_KEY, JSON.stringify({ paused: false, by, at: this.d.clock.now() }), this.d.clock.now());
    this.watcher.paused = false;
    this.d.log.warn({ by }, "automations resumed for everyone");
  }

  async globallyPaused(): Promise<boolean> {
    const v = await this.d.kv.get(GLOBAL_PAUSE_KEY);
    if (v === undefined) return false;
    try {
      return (JSON.parse(v) as { paused?: unknown }).paused === true;
    } catch {
      return true; // unreadable: fail safe, nothing fires
    }
  }

  /** The user's automation, or automation_unknown (also for anyone else's). */
  private async mine(userId: string, id: string): Promise<Automation> {
    const a = await this.d.store.get(id.toLowerCase());
    if (!a || a.userId !== userId) throw new UserError("automation_unknown", `You have no automation ${id.slice(0, 12)}. See /auto.`);
    return a;
  }
}
