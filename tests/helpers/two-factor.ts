import { UserError } from "../../core/errors.js";
import type { PendingCodeStep, TwoFactorPort, TwoFactorPurpose, TwoFactorSetup, TwoFactorStatus } from "../../core/ports/two-factor.port.js";

/**
 * A stand-in TwoFactorPort for the parts that only ask "is this code right?" (the real TOTP service is
 * tested on its own): users with 2FA on, each with codes that work once; every verify is recorded.
 * Refusals use stable codes the address book passes on untouched.
 */
export class FakeTwoFactor implements TwoFactorPort {
  private readonly on = new Set<string>();
  private readonly codes = new Map<string, Set<string>>();
  private readonly expected = new Map<string, PendingCodeStep>();
  readonly verified: Array<{ userId: string; purpose: TwoFactorPurpose; ok: boolean }> = [];

  /** Turns 2FA on for a user, with these one-time codes. */
  enable(userId: string, ...codes: string[]): void {
    this.on.add(userId);
    this.codes.set(userId, new Set([...(this.codes.get(userId) ?? []), ...codes]));
  }

  async expectCode(userId: string, step: PendingCodeStep): Promise<void> {
    this.expected.set(userId, step);
  }
  async takeExpected(userId: string): Promise<PendingCodeStep | undefined> {
    const s = this.expected.get(userId);
    this.expected.delete(userId);
    return s;
  }
  async status(userId: string): Promise<TwoFactorStatus> {
    return { enabled: this.on.has(userId) };
  }
  async enabled(userId: string): Promise<boolean> {
    return this.on.has(userId);
  }
  begin(): Promise<TwoFactorSetup> {
    throw new Error("not in the fake");
  }
  confirmSetup(): Promise<{ recoveryCodes: string[] }> {
    throw new Error("not in the fake");
  }
  disable(): Promise<void> {
    throw new Error("not in the fake");
  }
  async verify(userId: string, code: string, purpose: TwoFactorPurpose): Promise<void> {
    if (!this.on.has(userId)) throw new UserError("withdraw_needs_2fa", "2FA is off.");
    const mine = this.codes.get(userId);
    const ok = mine?.delete(code) ?? false;
    this.verified.push({ userId, purpose, ok });
    if (!ok) throw new UserError("bad_args", "That code is not right.");
  }
}
