import { ACTIVE_AUTOMATION_STATES, type Automation, type AutomationState } from "../../domain/automation.js";
import type { Missed } from "../../domain/automation-schedule.js";
import { ocoSiblings } from "../../domain/automation-trigger.js";
import type { AutomationPatch, Firing } from "../../ports/automations.port.js";
import { pushRows } from "../push-events.js";
import { FiringAttempt } from "./attempt.js";
import type { AutomationFired, FiringOutcome } from "./events.js";
import { automationAfter, retryWaitMs, STREAK_PAUSE } from "./outcome.js";
import type { AttemptResult, AutomationDeps } from "./types.js";

/** Why a firing happens: the price that fired it (null for a DCA), DCA buys missed before it. */
export interface FiringCause {
  priceUsd: number | null;
  missed?: Missed | null;
  /** Wall-clock ms the cause arrived (delivery latency). */
  receivedAt?: number;
}

/** What the executor tells the rest of the engine. */
export interface ExecutorHooks {
  /** These automations left the armed state here (cancelled by OCO, paused by a streak): stop watching them. */
  forget(ids: readonly string[]): void;
  globallyPaused(): Promise<boolean>;
}

/**
 * Executes firings exactly once: firing n is claimed by inserting its row (two workers: one
 * executes), the claim is a lease renewed while the attempt runs, and each attempt places the order
 * derived from (id, n, k). Outcomes are written with their push in one step (settleFiring), so the
 * user hears once. A retryable failure waits (market clock, doubling) and is taken again by any
 * worker through firingsDue, which also picks up firings whose worker died.
 */
export class FiringExecutor {
  private readonly attempt: FiringAttempt;
  private readonly inflight = new Set<Promise<unknown>>();
  /** Automations with a firing running in this process. */
  private readonly busy = new Set<string>();

  constructor(
    private readonly d: AutomationDeps,
    private readonly hooks: ExecutorHooks,
  ) {
    this.attempt = new FiringAttempt(d);
  }

  isBusy(id: string): boolean {
    return this.busy.has(id);
  }

  /** Resolves when every firing started so far has ended or stopped waiting. */
  async idle(): Promise<void> {
    while (this.inflight.size) await Promise.all([...this.inflight]);
  }

  /** Runs `work` in the background, tracked by idle(). */
  track(work: Promise<unknown>): void {
    const p = work.catch((err: unknown) => this.d.log.error({ err }, "automation firing failed")).finally(() => this.inflight.delete(p));
    this.inflight.add(p);
  }

  /**
   * Firing n of `a`: claimed (false when another worker or an earlier run has it, or everything is
   * paused), then executed. Resolves when this attempt has ended.
   */
  async fire(a: Automation, n: number, cause: FiringCause): Promise<boolean> {
    if (await this.hooks.globallyPaused()) return false;
    const now = this.d.clock.now();
    const f: Firing = {
      automationId: a.id,
      userId: a.userId,
      n,
      status: "running",
      attempts: 1,
      orderId: null,
      priceUsd: cause.priceUsd,
      at: this.d.marketNow(),
      leaseUntil: now + this.d.settings.leaseMs,
      nextTryAt: null,
      reason: null,
      createdAt: now,
      updatedAt: now,
    };
    if (!(await this.d.store.claimFiring(f))) return false;
    this.d.onFired?.(a.id, n);
    const cancelled = await this.cancelSiblings(a);
    await this.execute(a, f, { ...cause, cancelled });
    return true;
  }

  /**
   * Firings due again: a retry whose wait passed (a new attempt), or one whose worker's lease passed
   * (a crash: the same attempt carries on, finding its order). One taker each.
   */
  async resumeDue(limit = 50): Promise<number> {
    if (await this.hooks.globallyPaused()) return 0;
    const now = this.d.clock.now();
    const marketNow = this.d.marketNow();
    let taken = 0;
    for (const f of await this.d.store.firingsDue(now, marketNow, limit)) {
      if (f.nextTryAt !== null && f.nextTryAt > marketNow) continue;
      if (this.busy.has(f.automationId)) continue;
      if (!(await this.d.store.takeFiring(f.automationId, f.n, f.attempts, now, now + this.d.settings.leaseMs))) continue;
      const a = await this.d.store.get(f.automationId);
      if (!a) continue;
      taken++;
      let g = f;
      if (f.nextTryAt !== null) {
        g = { ...f, attempts: f.attempts + 1, nextTryAt: null, leaseUntil: now + this.d.settings.leaseMs };
        await this.d.store.updateFiring(f.automationId, f.n, { attempts: g.attempts, nextTryAt: null }, now);
        if (a.state !== "armed") {
          // Paused or cancelled while it waited: the retry is dropped and the state kept.
          const keep = { state: a.state, firings: f.n };
          await this.settle(a, g, { kind: "skipped", reason: `the automation was ${a.state} before its retry` }, { priceUsd: f.priceUsd, cancelled: [] }, keep);
          continue;
        }
      }
      await this.execute(a, g, { priceUsd: f.priceUsd, cancelled: [] });
    }
    return taken;
  }

  /**
   * The DCA buys whose windows all passed unused: recorded as one skipped firing (the last one) so the
   * schedule ends, and the user told. Never bunched into a burst of buys.
   */
  async expire(a: Automation, missed: Missed): Promise<void> {
    const now = this.d.clock.now();
    const f: Firing = {
      automationId: a.id, userId: a.userId, n: missed.to, status: "running", attempts: 1, orderId: null, priceUsd: null,
      at: this.d.marketNow(), leaseUntil: now + this.d.settings.leaseMs, nextTryAt: null, reason: null, createdAt: now, updatedAt: now,
    };
    if (!(await this.d.store.claimFiring(f))) return;
    const reason = "its last buy's window passed while Purser was not running";
    await this.settle(a, f, { kind: "skipped", reason }, { priceUsd: null, missed: missed.from < missed.to ? { from: missed.from, to: missed.to - 1 } : null, cancelled: [] }, {
      state: "done",
      firings: missed.to,
      nextAt: null,
    });
  }

  /** One attempt with its lease renewed, then its outcome: settled, scheduled for a retry, or left pending. */
  private async execute(a: Automation, f: Firing, cause: FiringCause & { cancelled: readonly Automation[] }): Promise<void> {
    const { store, clock, settings } = this.d;
    this.busy.add(a.id);
    const renew = setInterval(() => {
      store.updateFiring(a.id, f.n, { leaseUntil: clock.now() + settings.leaseMs }, clock.now()).catch((err: unknown) => this.d.log.warn({ err, automation: a.id }, "firing lease renewal failed"));
    }, Math.max(50, Math.floor(settings.leaseMs / 3)));
    renew.unref?.();
    let r: AttemptResult;
    try {
      r = await this.attempt.run(a, f.n, f.attempts);
    } finally {
      clearInterval(renew);
      this.busy.delete(a.id);
    }
    const now = clock.now();
    if (r.kind === "pending") {
      // A live order on its way: the trading tracker lands it; when this lease passes a worker looks again.
      await store.updateFiring(a.id, f.n, { orderId: r.order.id }, now);
      return;
    }
    if (r.kind === "failed" && r.retryable && f.attempts <= settings.retries) {
      const nextTryAt = this.d.marketNow() + retryWaitMs(settings.retryMs, f.attempts);
      this.d.log.warn({ automation: a.id, firing: f.n, attempt: f.attempts, reason: r.reason }, "automation attempt failed: retrying");
      await store.settleFiring(a.id, f.n, f.attempts, { status: "running", nextTryAt, reason: r.reason, leaseUntil: now, orderId: r.order?.id ?? null }, {}, [], now);
      return;
    }
    const outcome: FiringOutcome =
      r.kind === "filled" ? { kind: "filled", order: r.order, capped: r.capped } : r.kind === "skipped" ? { kind: "skipped", reason: r.reason } : { kind: "failed", reason: r.reason, order: r.order };
    await this.settle(a, f, outcome, cause);
  }

  /** The final outcome, its automation's change and its push, in one step; a failure counts toward the streak. */
  private async settle(
    a: Automation,
    f: Firing,
    outcome: FiringOutcome,
    cause: FiringCause & { cancelled: readonly Automation[] },
    change?: AutomationPatch & { state: AutomationState },
  ): Promise<void> {
    const { store, clock } = this.d;
    const now = clock.now();
    const after = change ?? automationAfter(a, f.n, outcome.kind);
    let pausedAll: number | null = null;
    if (outcome.kind !== "skipped") {
      const streak = await store.streak(a.userId, outcome.kind === "failed", now);
      if (outcome.kind === "failed" && streak >= STREAK_PAUSE) {
        const ids = (await store.setStateOfUser(a.userId, ["armed"], "paused", now)).filter((id) => id !== a.id);
        this.hooks.forget(ids);
        pausedAll = ids.length;
      }
    }
    const event: AutomationFired = {
      type: "automation.fired",
      automation: a,
      n: f.n,
      outcome,
      priceUsd: cause.priceUsd,
      state: after.state,
      cancelled: cause.cancelled,
      pausedAll,
      missed: cause.missed ?? null,
      receivedAt: cause.receivedAt ?? now,
    };
    const to = { userId: a.userId, chat: a.notify };
    const rows = this.d.pushes ? await this.d.pushes.plan(to, event) : pushRows(to, event);
    const orderId = outcome.kind === "filled" ? outcome.order.id : outcome.kind === "failed" ? (outcome.order?.id ?? f.orderId) : f.orderId;
    const reason = outcome.kind === "filled" ? null : outcome.reason;
    const ok = await store.settleFiring(a.id, f.n, f.attempts, { status: outcome.kind, orderId, reason }, after, rows, now);
    if (!ok) this.d.log.warn({ automation: a.id, firing: f.n }, "firing already settled elsewhere");
    else this.d.pushes?.told?.(a.userId, event);
    if (after.state !== "armed") this.hooks.forget([a.id]);
  }

  /** One-cancels-other: the user's exits on the other side of the same holding are cancelled as this one fires. */
  private async cancelSiblings(a: Automation): Promise<Automation[]> {
    if (a.rule.kind !== "stop" && a.rule.kind !== "trailing" && a.rule.kind !== "take-profit") return [];
    const others = await this.d.store.byUser(a.userId, ACTIVE_AUTOMATION_STATES);
    const ids = ocoSiblings(a, others);
    const out: Automation[] = [];
    const now = this.d.clock.now();
    for (const id of ids) {
      if (await this.d.store.setState(id, ACTIVE_AUTOMATION_STATES, "cancelled", now)) {
        const o = others.find((x) => x.id === id);
        if (o) out.push({ ...o, state: "cancelled" });
      }
    }
    this.hooks.forget(out.map((x) => x.id));
    return out;
  }
}
