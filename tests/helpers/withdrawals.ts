import { Secret, TOTP } from "otpauth";
import { UserError } from "../../core/errors.js";
import type { PendingCodeStep, TwoFactorPort, TwoFactorPurpose } from "../../core/ports/two-factor.port.js";
import type { WithdrawAddress, WithdrawAddressBook, WithdrawFreeze } from "../../core/ports/withdrawals.port.js";

/**
 * Test stand-ins for the two halves other parts of issue 19 build: an in-memory address book (with the
 * delay and freezes of the real one's contract) and a 2FA service that accepts one known code, or real
 * TOTP codes of a secret (otpauth, RFC 6238) when made with `totp`.
 */

export const GOOD_CODE = "123456";
const H = 3_600_000;

export class FakeAddressBook implements WithdrawAddressBook {
  readonly entries: WithdrawAddress[] = [];
  private readonly frozen = new Map<string, WithdrawFreeze>();
  private global = false;
  constructor(private readonly now: () => number, private readonly delayMs = 24 * H) {}

  /** An address added `ageMs` ago (old enough to use when ageMs >= the delay). */
  put(userId: string, label: string, address: string, ageMs = 48 * H): WithdrawAddress {
    const addedAt = this.now() - ageMs;
    const e = { id: `a${this.entries.length + 1}`, userId, label, address, addedAt, usableAt: addedAt + this.delayMs };
    this.entries.push(e);
    return e;
  }

  async add(userId: string, label: string, address: string): Promise<WithdrawAddress> {
    return this.put(userId, label, address, 0);
  }

  async list(userId: string): Promise<WithdrawAddress[]> {
    return this.entries.filter((e) => e.userId === userId);
  }

  async remove(userId: string, label: string): Promise<WithdrawAddress> {
    const i = this.entries.findIndex((e) => e.userId === userId && e.label.toLowerCase() === label.toLowerCase());
    if (i < 0) throw new UserError("withdraw_address_unknown", `No address "${label}" in your withdrawal address book.`);
    return this.entries.splice(i, 1)[0]!;
  }

  async usable(userId: string, label: string): Promise<WithdrawAddress> {
    if (this.global || this.frozen.get(userId)?.frozen) throw new UserError("withdraw_frozen", "Withdrawals are frozen.");
    const e = this.entries.find((x) => x.userId === userId && x.label.toLowerCase() === label.toLowerCase());
    if (!e) throw new UserError("withdraw_address_unknown", `No address "${label}" in your withdrawal address book.`);
    if (this.now() < e.usableAt) throw new UserError("withdraw_address_young", `"${label}" becomes usable at ${new Date(e.usableAt).toISOString()}.`);
    return e;
  }

  async freeze(userId: string): Promise<void> {
    this.frozen.set(userId, { frozen: true, by: "user", at: this.now() });
  }

  async freezeState(userId: string): Promise<WithdrawFreeze> {
    return this.global ? { frozen: true, by: "global" } : (this.frozen.get(userId) ?? { frozen: false });
  }

  async setGlobalFreeze(on: boolean): Promise<void> {
    this.global = on;
  }
}

/** 2FA on for everyone: accepts GOOD_CODE (or, with a TOTP secret, the current code), refuses anything else. */
export class FakeTwoFactor implements TwoFactorPort {
  readonly verified: Array<{ userId: string; purpose: TwoFactorPurpose; ok: boolean }> = [];
  private readonly pending = new Map<string, { step: PendingCodeStep; until: number }>();
  private readonly totp: TOTP | undefined;
  private readonly usedSteps = new Set<string>();

  constructor(
    private readonly now: () => number = Date.now,
    opts: { totpSecret?: string } = {},
  ) {
    this.totp = opts.totpSecret ? new TOTP({ secret: Secret.fromBase32(opts.totpSecret), digits: 6, period: 30 }) : undefined;
  }

  async expectCode(userId: string, step: PendingCodeStep, ttlMs: number): Promise<void> {
    this.pending.set(userId, { step, until: this.now() + ttlMs });
  }

  async takeExpected(userId: string): Promise<PendingCodeStep | undefined> {
    const p = this.pending.get(userId);
    this.pending.delete(userId);
    return p && p.until > this.now() ? p.step : undefined;
  }

  expected(userId: string): PendingCodeStep | undefined {
    return this.pending.get(userId)?.step;
  }

  async status() {
    return { enabled: true };
  }

  async enabled(): Promise<boolean> {
    return true;
  }

  async begin(): Promise<never> {
    throw new Error("not in this fake");
  }

  async confirmSetup(): Promise<never> {
    throw new Error("not in this fake");
  }

  async disable(): Promise<void> {}

  async verify(userId: string, code: string, purpose: TwoFactorPurpose): Promise<void> {
    let ok: boolean;
    if (this.totp) {
      const delta = this.totp.validate({ token: code, timestamp: this.now(), window: 1 });
      const step = delta === null ? undefined : `${userId}:${Math.floor(this.now() / 30_000) + delta}`;
      if (step && this.usedSteps.has(step)) {
        this.verified.push({ userId, purpose, ok: false });
        throw new UserError("twofa_bad_code", "That code was already used; wait for the next one.");
      }
      ok = step !== undefined;
      if (step) this.usedSteps.add(step);
    } else ok = code === GOOD_CODE;
    this.verified.push({ userId, purpose, ok });
    if (!ok) throw new UserError("twofa_bad_code", "That code is not right.");
  }
}
