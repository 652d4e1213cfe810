import { randomBytes } from "node:crypto";
import { formatUtc } from "../domain/format.js";
import { formatRecoveryCode, readOneTimeCode, RECOVERY_ALPHABET, RECOVERY_LENGTH } from "../domain/one-time-code.js";
import { UserError } from "../errors.js";
import type { AuditLog } from "../ports/audit.port.js";
import type { Clock } from "../ports/clock.port.js";
import type { KvStore } from "../ports/kv.port.js";
import type { Logger } from "../ports/logger.port.js";
import type { PendingCodeStep, TwoFactorPort, TwoFactorPurpose, TwoFactorSetup, TwoFactorStatus } from "../ports/two-factor.port.js";
import type { RecoveryHash, SecretBox, TotpEngine, TwoFactorRow, TwoFactorStore } from "../ports/two-factor-store.port.js";

export interface TwoFactorLimits {
  /** Failed attempts allowed in `windowMs` before the lock (default 5 in 15 minutes). */
  maxFailures: number;
  windowMs: number;
  /** How long the lock lasts (default 15 minutes). */
  lockMs: number;
  /** TOTP steps accepted either side of now (default 1: the previous, current and next 30 s). */
  window: number;
}

export const DEFAULT_TWO_FACTOR_LIMITS: TwoFactorLimits = { maxFailures: 5, windowMs: 15 * 60_000, lockMs: 15 * 60_000, window: 1 };

export interface TwoFactorDeps {
  store: TwoFactorStore;
  /** Where steps waiting for a code live (the database kv: they survive a restart, any process reads them). */
  kv: KvStore;
  box: SecretBox;
  totp: TotpEngine;
  audit: AuditLog;
  clock: Clock;
  log: Logger;
  limits?: Partial<TwoFactorLimits>;
}

const RECOVERY_CODES = 10;
const EXPECT_KEY = (userId: string) => `2fa:expect:${userId}`;
/** What a taken (or never set) step reads as in the kv store. */
const NONE = "";

type Why = "bad_code" | "reused" | "locked" | "off";

/**
 * TOTP two-factor authentication (issue 19). The secret is sealed by the SecretBox (a key derived from
 * MASTER_KEY) and bound to its user; a code is accepted for one time-step either side of now, and each
 * time-step only once (the last accepted step is stored, and a newer one is written atomically); failures
 * are counted per user in the database (every process, across restarts) and lock 2FA for a while; every
 * attempt is audit-logged with its purpose and outcome, never the code. Recovery codes are random, shown
 * once, and kept as a per-code salt plus a peppered HMAC, compared in constant time.
 */
export class TwoFactorService implements TwoFactorPort {
  private readonly limits: TwoFactorLimits;

  constructor(private readonly d: TwoFactorDeps) {
    this.limits = { ...DEFAULT_TWO_FACTOR_LIMITS, ...d.limits };
  }

  async expectCode(userId: string, step: PendingCodeStep, ttlMs: number): Promise<void> {
    const now = this.d.clock.now();
    await this.d.kv.set(EXPECT_KEY(userId), JSON.stringify({ kind: step.kind, ref: step.ref, until: now + ttlMs }), now);
  }

  async takeExpected(userId: string): Promise<PendingCodeStep | undefined> {
    const key = EXPECT_KEY(userId);
    const now = this.d.clock.now();
    const current = await this.d.kv.get(key);
    if (current === undefined || current === NONE) return undefined;
    // Taken once: of two messages racing for it (two processes), only one wins the compare-and-set.
    if (!(await this.d.kv.compareAndSet(key, current, NONE, now))) return undefined;
    try {
      const v = JSON.parse(current) as { kind?: unknown; ref?: unknown; until?: unknown };
      if (typeof v.kind !== "string" || typeof v.ref !== "string" || typeof v.until !== "number" || v.until <= now) return undefined;
      return { kind: v.kind, ref: v.ref };
    } catch {
      return undefined;
    }
  }

  async status(userId: string): Promise<TwoFactorStatus> {
    const row = await this.d.store.get(userId);
    if (!row) return { enabled: false };
    if (row.state === "pending") return { enabled: false, pending: true };
    const left = (await this.d.store.recovery(userId)).filter((r) => r.usedAt === undefined).length;
    const locked = row.lockedUntil !== undefined && row.lockedUntil > this.d.clock.now() ? { lockedUntil: row.lockedUntil } : {};
    return { enabled: true, ...(row.enabledAt !== undefined ? { enabledAt: row.enabledAt } : {}), recoveryLeft: left, ...locked };
  }

  async enabled(userId: string): Promise<boolean> {
    return (await this.d.store.get(userId))?.state === "on";
  }

  async begin(userId: string): Promise<TwoFactorSetup> {
    const secret = this.d.totp.newSecret();
    const now = this.d.clock.now();
    if (!(await this.d.store.putPending(userId, await this.d.box.seal(secret, userId), now))) {
      throw new UserError("twofa_on", "2FA is already on. To set it up again, turn it off first with /2fa disable.");
    }
    const uri = this.d.totp.uri(secret, `user-${userId.slice(0, 8)}`);
    await this.audit(userId, "2fa.setup_started", {});
    return { uri, secret, qrPng: await this.d.totp.qrPng(uri) };
  }

  async confirmSetup(userId: string, code: string): Promise<{ recoveryCodes: string[] }> {
    const row = await this.d.store.get(userId);
    if (row?.state === "on") throw new UserError("twofa_on", "2FA is already on.");
    if (!row) throw new UserError("twofa_off", "No 2FA setup is waiting for a code: start with /2fa setup.");
    const now = this.d.clock.now();
    await this.refuseIfLocked(row, "setup", now);
    const counter = await this.totpCounter(row, code, now);
    if (counter === undefined) return this.fail(row.userId, "setup", "bad_code", now);
    const codes = Array.from({ length: RECOVERY_CODES }, newRecoveryCode);
    const hashes: RecoveryHash[] = await Promise.all(codes.map((c) => this.hashRecovery(c)));
    if (!(await this.d.store.enable(userId, counter, hashes, now))) return this.fail(userId, "setup", "reused", now);
    await this.audit(userId, "2fa.verify", { purpose: "setup", ok: true, method: "totp" });
    await this.audit(userId, "2fa.enabled", {});
    return { recoveryCodes: codes.map(formatRecoveryCode) };
  }

  async disable(userId: string, code: string): Promise<void> {
    await this.verify(userId, code, "disable");
    await this.d.store.remove(userId);
    await this.audit(userId, "2fa.disabled", {});
  }

  async verify(userId: string, code: string, purpose: TwoFactorPurpose): Promise<void> {
    const row = await this.d.store.get(userId);
    const now = this.d.clock.now();
    if (row?.state !== "on") {
      await this.audit(userId, "2fa.verify", { purpose, ok: false, reason: "off" satisfies Why });
      throw new UserError("twofa_off", "2FA is not on for your account: turn it on with /2fa setup.");
    }
    await this.refuseIfLocked(row, purpose, now);
    const read = readOneTimeCode(code);
    if (read?.kind === "recovery") {
      if (!(await this.useRecovery(userId, read.code, now))) return this.fail(userId, purpose, "bad_code", now);
      await this.d.store.clearFailures(userId);
      await this.audit(userId, "2fa.verify", { purpose, ok: true, method: "recovery" });
      return;
    }
    const counter = await this.totpCounter(row, code, now);
    if (counter === undefined) return this.fail(userId, purpose, "bad_code", now);
    // A code for a step at or before the last accepted one was already used (or is older than it).
    if (row.lastCounter !== undefined && counter <= row.lastCounter) return this.fail(userId, purpose, "reused", now);
    if (!(await this.d.store.acceptCounter(userId, counter))) return this.fail(userId, purpose, "reused", now);
    await this.d.store.clearFailures(userId);
    await this.audit(userId, "2fa.verify", { purpose, ok: true, method: "totp" });
  }

  private async totpCounter(row: TwoFactorRow, code: string, now: number): Promise<number | undefined> {
    const read = readOneTimeCode(code);
    if (read?.kind !== "totp") return undefined;
    let secret: string;
    try {
      secret = await this.d.box.open(row.secretSealed, row.userId);
    } catch (err) {
      this.d.log.error({ err, user: row.userId }, "2fa secret failed to open: check MASTER_KEY");
      await this.audit(row.userId, "2fa.secret_unreadable", {});
      throw new UserError("twofa_unavailable", "Your 2FA secret cannot be read on this server (an operator must check its master key). Nothing was done.");
    }
    return this.d.totp.match(secret, read.code, now, this.limits.window);
  }

  private async refuseIfLocked(row: TwoFactorRow, purpose: TwoFactorPurpose, now: number): Promise<void> {
    if (row.lockedUntil === undefined || row.lockedUntil <= now) return;
    await this.audit(row.userId, "2fa.verify", { purpose, ok: false, reason: "locked" satisfies Why });
    throw lockedError(row.lockedUntil, now);
  }

  /** Counts the failure, audits it, and throws what the user sees (the lock when this one reached it). */
  private async fail(userId: string, purpose: TwoFactorPurpose, why: "bad_code" | "reused", now: number): Promise<never> {
    const { count, lockedUntil } = await this.d.store.recordFailure(userId, now, {
      windowMs: this.limits.windowMs,
      max: this.limits.maxFailures,
      lockMs: this.limits.lockMs,
    });
    await this.audit(userId, "2fa.verify", { purpose, ok: false, reason: why, failures: count });
    if (lockedUntil !== undefined) {
      await this.audit(userId, "2fa.locked", { purpose, until: lockedUntil });
      throw lockedError(lockedUntil, now);
    }
    const left = Math.max(0, this.limits.maxFailures - count);
    const tries = `${left} ${left === 1 ? "try" : "tries"} left before 2FA locks for ${Math.round(this.limits.lockMs / 60_000)} minutes.`;
    if (why === "reused") throw new UserError("twofa_reused", `That code was already used: wait for the next one in your app. ${tries}`);
    throw new UserError("twofa_bad_code", `That code is not right (check your app's clock, or use a recovery code). ${tries}`);
  }

  /** Marks the matching unused recovery code used; false when none matches (all compared, constant-time each). */
  private async useRecovery(userId: string, code: string, now: number): Promise<boolean> {
    const stored = await this.d.store.recovery(userId);
    let match: number | undefined;
    for (const r of stored) {
      const same = await this.d.box.macEquals(`${r.salt}:${code}`, r.hash);
      if (same && r.usedAt === undefined && match === undefined) match = r.idx;
    }
    return match !== undefined && this.d.store.useRecovery(userId, match, now);
  }

  private async hashRecovery(raw: string): Promise<RecoveryHash> {
    const salt = randomBytes(16).toString("hex");
    return { salt, hash: await this.d.box.mac(`${salt}:${raw}`) };
  }

  private audit(userId: string, action: string, detail: Record<string, unknown>): Promise<void> {
    return this.d.audit.record({ at: this.d.clock.now(), userId, action, detail });
  }
}

function lockedError(until: number, now: number): UserError {
  const min = Math.max(1, Math.ceil((until - now) / 60_000));
  return new UserError("twofa_locked", `Too many wrong 2FA codes: codes are locked until ${formatUtc(until)} (in ${min} min).`, { until });
}

/** Ten characters of RECOVERY_ALPHABET (rejection sampling: no bias), unformatted, at least one a letter (never read as digits). */
function newRecoveryCode(): string {
  let out = "";
  while (out.length < RECOVERY_LENGTH || !/[a-z]/.test(out)) {
    if (out.length >= RECOVERY_LENGTH) out = "";
    for (const b of randomBytes(16)) {
      const i = b & 31;
      if (i < RECOVERY_ALPHABET.length && out.length < RECOVERY_LENGTH) out += RECOVERY_ALPHABET[i];
    }
  }
  return out;
}
