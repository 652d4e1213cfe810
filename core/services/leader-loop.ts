import type { Leases } from "../ports/kv.port.js";
import type { Logger } from "../ports/logger.port.js";

/** What a running step can ask of its loop. */
export interface LoopStep {
  /** True once stop() was called: finish between two units of work. */
  readonly stopping: boolean;
  /** Renews the lease now (true without a lease); false once it was lost: stop doing anything shared. */
  renew(): Promise<boolean>;
}

export interface LoopLease {
  leases: Leases;
  /** This process on the lease (instance id plus the loop's role). */
  owner: string;
  /** A holder that stops renewing is taken over after this long. */
  ttlMs: number;
  /** Lease name; defaults to the loop's name. */
  name?: string;
}

/** What one step came to: its value, not run (another process holds the lease), or thrown. */
export type StepOutcome<R> = { kind: "ran"; value: R } | { kind: "not-leading" } | { kind: "failed"; err: unknown };

/** The lines a failing loop logs (defaults: `<name> failed: retrying` at warn, `<name> failed again`, `<name> succeeds again`). */
export interface FailureLog {
  /** Level of the first failure in a row (default warn); the ones after it are debug. */
  level?: "warn" | "error";
  failed?: string;
  again?: string;
  recovered?: string;
}

export interface LeaderLoopOptions<R = number | void> {
  /** Names the loop in logs (and the lease, unless the lease names itself). */
  name: string;
  /** Wait after a step before the next one. */
  everyMs: number;
  /** One step. A number it returns replaces `everyMs` for the next wait (0: again at once). */
  run: (step: LoopStep) => Promise<R>;
  /** With a lease, only its holder runs steps: one process across the deployment. */
  lease?: LoopLease;
  log: Logger;
  /** After failures the wait doubles per failure from `everyMs`, up to this (default `everyMs`: no backoff). */
  maxBackoffMs?: number;
  /** The wait after the n-th failure in a row (n >= 1), instead of the doubling above. */
  backoffMs?: (failures: number) => number;
  /**
   * The wait counts from the step's start, as with setInterval: a slow step does not push the
   * cadence back, and one longer than the wait skips to the next slot (never two at once).
   */
  fixedRate?: boolean;
  failureLog?: FailureLog;
  /** The first step runs at start (default) or one wait later. */
  immediate?: boolean;
  /** Clock for lease bookkeeping (default Date.now). */
  now?: () => number;
}

/**
 * The one background-loop helper: a step at a time (never two at once), a wait between steps, an
 * optional lease so one process across the deployment runs it (taken or renewed before every step,
 * renewed every third of its TTL while a step runs, released at stop so a peer takes over at once),
 * failures logged once then quietly retried with a growing wait, and a stop that waits for the step
 * in flight. Market poller, order tracker, treasury, outbox dispatcher, retention, snapshots and the
 * alert engine's timers all run on it.
 */
export class LeaderLoop<R = number | void> {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private current: Promise<StepOutcome<R>> | undefined;
  private started = false;
  private stopping = false;
  private failing = 0;
  /** True while this process holds the loop's lease (always true without one). */
  private held = false;
  private lost = false;
  private heldAt = 0;

  constructor(private readonly o: LeaderLoopOptions<R>) {}

  get leading(): boolean {
    return this.o.lease ? this.held : this.started;
  }

  get running(): boolean {
    return this.current !== undefined;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.stopping = false;
    if (this.o.immediate === false) this.schedule(this.o.everyMs);
    else void this.tick();
  }

  /**
   * Runs one step now unless one is running (then waits for that one). Resolves with what the step
   * came to; a failure is logged, not thrown. Usable without start() (tests, an admin's "run now").
   */
  runNow(): Promise<StepOutcome<R>> {
    return this.current ?? this.step();
  }

  /**
   * Stops scheduling, waits for the step in flight, and hands the lease over at once (released
   * whether or not this process thinks it holds it: the store only releases its owner's lease).
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.started = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.current;
    const l = this.o.lease;
    if (l) {
      this.held = false;
      await l.leases.release(this.leaseName, l.owner).catch((err: unknown) => this.o.log.debug({ err, loop: this.o.name }, "lease release failed"));
    }
  }

  private get leaseName(): string {
    return this.o.lease?.name ?? this.o.name;
  }

  private async tick(): Promise<void> {
    const t0 = Date.now();
    let wait = await this.runNowForWait();
    if (this.o.fixedRate && wait > 0) wait -= (Date.now() - t0) % wait;
    if (this.started && !this.stopping) this.schedule(wait);
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => void this.tick(), Math.max(0, ms));
    this.timer.unref?.();
  }

  private async runNowForWait(): Promise<number> {
    let wait = this.o.everyMs;
    const p = this.current ?? this.step((w) => (wait = w));
    await p;
    return wait;
  }

  private step(setWait?: (ms: number) => void): Promise<StepOutcome<R>> {
    const p = this.runStep(setWait).finally(() => {
      if (this.current === p) this.current = undefined;
    });
    this.current = p;
    return p;
  }

  private async runStep(setWait?: (ms: number) => void): Promise<StepOutcome<R>> {
    let heartbeat: ReturnType<typeof setInterval> | undefined;
    try {
      if (!(await this.takeLease())) return { kind: "not-leading" };
      const l = this.o.lease;
      if (l) {
        heartbeat = setInterval(() => void this.renew(), Math.max(10, Math.floor(l.ttlMs / 3)));
        heartbeat.unref?.();
      }
      const self = this;
      const next = await this.o.run({
        get stopping() {
          return self.stopping;
        },
        renew: () => this.renew(),
      });
      if (this.failing) this.o.log.info({ loop: this.o.name, failedSteps: this.failing }, this.o.failureLog?.recovered ?? `${this.o.name} succeeds again`);
      this.failing = 0;
      setWait?.(typeof next === "number" ? next : this.o.everyMs);
      return { kind: "ran", value: next };
    } catch (err) {
      this.failed(err);
      setWait?.(this.backoff());
      return { kind: "failed", err };
    } finally {
      if (heartbeat) clearInterval(heartbeat);
    }
  }

  /** Logs the first failure in a row at its level, the ones after it quietly. */
  private failed(err: unknown): void {
    this.failing++;
    const f = this.o.failureLog ?? {};
    if (this.failing === 1) this.o.log[f.level ?? "warn"]({ err, loop: this.o.name }, f.failed ?? `${this.o.name} failed: retrying`);
    else this.o.log.debug({ err, loop: this.o.name, failedSteps: this.failing }, f.again ?? `${this.o.name} failed again`);
  }

  private backoff(): number {
    if (this.o.backoffMs) return this.o.backoffMs(this.failing);
    const max = this.o.maxBackoffMs ?? this.o.everyMs;
    return Math.min(max, Math.max(this.o.everyMs, 1) * 2 ** Math.min(this.failing - 1, 10));
  }

  /** Takes or renews the lease before a step; a store that cannot be reached counts as not held. */
  private async takeLease(): Promise<boolean> {
    const l = this.o.lease;
    if (!l) return true;
    this.lost = false;
    this.held = await l.leases.acquire(this.leaseName, l.owner, l.ttlMs).catch((err: unknown) => {
      this.o.log.debug({ err, loop: this.o.name }, "lease store unreachable: not leading this step");
      return false;
    });
    if (this.held) this.heldAt = this.now();
    return this.held;
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  /**
   * Renews the lease mid-step; once lost it stays lost for the rest of the step. A store that does not
   * answer is not a loss while the last renewal is younger than the TTL (nobody else can hold it yet).
   */
  private async renew(): Promise<boolean> {
    const l = this.o.lease;
    if (!l) return true;
    if (this.lost) return false;
    const ok = await l.leases.acquire(this.leaseName, l.owner, l.ttlMs).then(
      (held) => {
        if (held) this.heldAt = this.now();
        return held;
      },
      (err: unknown) => {
        this.o.log.warn({ err, loop: this.o.name }, "lease renewal failed");
        return this.now() - this.heldAt <= l.ttlMs;
      },
    );
    if (!ok) {
      this.lost = true;
      this.held = false;
      this.o.log.error({ loop: this.o.name, lease: this.leaseName, owner: l.owner }, `${this.o.name} lost its lease mid-step`);
    }
    return ok;
  }
}
