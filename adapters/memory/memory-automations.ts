import { ACTIVE_AUTOMATION_STATES, type Automation, type AutomationState } from "../../core/domain/automation.js";
import type { NewOutboxMessage } from "../../core/ports/alerts.port.js";
import type { AutomationPatch, AutomationStore, Firing, FiringPatch } from "../../core/ports/automations.port.js";

interface Row {
  a: Automation;
  nextAt: number | null;
}

/**
 * Automations and their firings in memory, with the port's compare-and-set semantics: every method
 * runs to completion before another starts (one JavaScript turn), which is what the database's
 * transactions give. For tests, and for a single process without the automations table. Pushes
 * handed to settleFiring go to `enqueue` (the outbox) in the same step.
 */
export class MemoryAutomationStore implements AutomationStore {
  private readonly rows = new Map<string, Row>();
  private readonly firings = new Map<string, Firing>();
  private readonly streaks = new Map<string, number>();

  constructor(private readonly enqueue: (msg: NewOutboxMessage, now: number) => Promise<boolean> | boolean = () => true) {}

  private copy(a: Automation): Automation {
    return structuredClone(a);
  }

  /** For tests: the stored row's nextAt. */
  nextAtOf(id: string): number | null | undefined {
    return this.rows.get(id)?.nextAt;
  }

  async create(a: Automation, nextAt: number | null): Promise<void> {
    if (this.rows.has(a.id)) throw new Error(`automation ${a.id} exists`);
    this.rows.set(a.id, { a: this.copy(a), nextAt });
  }

  async get(id: string): Promise<Automation | undefined> {
    const r = this.rows.get(id);
    return r ? this.copy(r.a) : undefined;
  }

  private list(pred: (a: Automation) => boolean): Automation[] {
    return [...this.rows.values()]
      .map((r) => r.a)
      .filter(pred)
      .sort((x, y) => y.createdAt - x.createdAt)
      .map((a) => this.copy(a));
  }

  async byUser(userId: string, states: readonly AutomationState[]): Promise<Automation[]> {
    return this.list((a) => a.userId === userId && states.includes(a.state));
  }

  async byState(states: readonly AutomationState[]): Promise<Automation[]> {
    return this.list((a) => states.includes(a.state));
  }

  async changedSince(since: number): Promise<Automation[]> {
    return this.list((a) => a.updatedAt >= since);
  }

  async arm(id: string, userId: string, now: number, max: number): Promise<"armed" | "over_limit" | "not_proposed"> {
    const r = this.rows.get(id);
    if (!r || r.a.userId !== userId || r.a.state !== "proposed") return "not_proposed";
    const active = [...this.rows.values()].filter((x) => x.a.userId === userId && ACTIVE_AUTOMATION_STATES.includes(x.a.state)).length;
    if (active + 1 > max) return "over_limit";
    r.a = { ...r.a, state: "armed", updatedAt: now };
    return "armed";
  }

  async setState(id: string, from: readonly AutomationState[], to: AutomationState, now: number): Promise<boolean> {
    const r = this.rows.get(id);
    if (!r || !from.includes(r.a.state)) return false;
    r.a = { ...r.a, state: to, updatedAt: now };
    return true;
  }

  async setStateOfUser(userId: string, from: readonly AutomationState[], to: AutomationState, now: number): Promise<string[]> {
    const moved: string[] = [];
    for (const r of this.rows.values()) {
      if (r.a.userId !== userId || !from.includes(r.a.state)) continue;
      r.a = { ...r.a, state: to, updatedAt: now };
      moved.push(r.a.id);
    }
    return moved;
  }

  async raiseHigh(mint: string, high: number, now: number): Promise<string[]> {
    const raised: string[] = [];
    for (const r of this.rows.values()) {
      const a = r.a;
      if (a.rule.kind !== "trailing" || a.state !== "armed" || a.rule.token.mint !== mint) continue;
      if (a.high !== null && a.high >= high) continue;
      r.a = { ...a, high, updatedAt: now };
      raised.push(a.id);
    }
    return raised;
  }

  async dueDca(now: number, limit: number): Promise<Automation[]> {
    return [...this.rows.values()]
      .filter((r) => r.a.rule.kind === "dca" && r.a.state === "armed" && r.nextAt !== null && r.nextAt <= now)
      .sort((x, y) => (x.nextAt ?? 0) - (y.nextAt ?? 0))
      .slice(0, limit)
      .map((r) => this.copy(r.a));
  }

  private key(id: string, n: number) {
    return `${id}#${n}`;
  }

  async claimFiring(f: Firing): Promise<boolean> {
    const k = this.key(f.automationId, f.n);
    if (this.firings.has(k)) return false;
    this.firings.set(k, { ...f });
    return true;
  }

  async getFiring(automationId: string, n: number): Promise<Firing | undefined> {
    const f = this.firings.get(this.key(automationId, n));
    return f ? { ...f } : undefined;
  }

  async firingsOf(automationId: string): Promise<Firing[]> {
    return [...this.firings.values()].filter((f) => f.automationId === automationId).sort((x, y) => x.n - y.n).map((f) => ({ ...f }));
  }

  async takeFiring(automationId: string, n: number, attempts: number, now: number, leaseUntil: number): Promise<boolean> {
    const f = this.firings.get(this.key(automationId, n));
    if (!f || f.status !== "running" || f.attempts !== attempts || f.leaseUntil > now) return false;
    f.leaseUntil = leaseUntil;
    f.updatedAt = now;
    return true;
  }

  async updateFiring(automationId: string, n: number, patch: FiringPatch, now: number): Promise<void> {
    const f = this.firings.get(this.key(automationId, n));
    if (!f) return;
    Object.assign(f, patch, { updatedAt: now });
  }

  async settleFiring(
    automationId: string,
    n: number,
    attempts: number,
    patch: FiringPatch,
    automation: AutomationPatch,
    pushes: readonly NewOutboxMessage[],
    now: number,
  ): Promise<boolean> {
    const f = this.firings.get(this.key(automationId, n));
    if (!f || f.status !== "running" || f.attempts !== attempts) return false;
    Object.assign(f, patch, { updatedAt: now });
    const r = this.rows.get(automationId);
    if (r) {
      const { nextAt, ...rest } = automation;
      if (nextAt !== undefined) r.nextAt = nextAt;
      if (Object.keys(rest).length || nextAt !== undefined) r.a = { ...r.a, ...rest, updatedAt: now };
    }
    for (const p of pushes) await this.enqueue(p, now);
    return true;
  }

  async firingsDue(now: number, marketNow: number, limit: number): Promise<Firing[]> {
    return [...this.firings.values()]
      .filter((f) => f.status === "running" && (f.nextTryAt !== null ? f.nextTryAt <= marketNow : f.leaseUntil <= now))
      .sort((x, y) => x.createdAt - y.createdAt)
      .slice(0, limit)
      .map((f) => ({ ...f }));
  }

  async streak(userId: string, failed: boolean, _now: number): Promise<number> {
    const n = failed ? (this.streaks.get(userId) ?? 0) + 1 : 0;
    this.streaks.set(userId, n);
    return n;
  }
}
