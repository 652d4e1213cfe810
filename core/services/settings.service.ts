import {
  DEFAULT_USER_SETTINGS,
  effectiveSettings,
  inQuietHours,
  quietHoursEnd,
  settingsOverCap,
  userSettingsPatchSchema,
  userSettingsSchema,
  type SettingsCaps,
  type UserSettings,
} from "../domain/user-settings.js";
import { UserError } from "../errors.js";
import type { Clock } from "../ports/clock.port.js";
import type { HeldPushStore, QuietHoursGate } from "../ports/held-pushes.port.js";
import type { Logger } from "../ports/logger.port.js";
import type { SettingsPort, UserSettingsStore } from "../ports/user-settings.port.js";

export interface SettingsDeps {
  store: UserSettingsStore;
  /** The operator's ceilings (MAX_SLIPPAGE_BPS, MAX_TRADE_USD, MAX_PRIORITY_FEE_LEVEL). */
  caps: SettingsCaps;
  clock: Clock;
  log: Logger;
  /** Pushes held by quiet hours: when the user changes or ends their quiet hours, what is held follows. */
  held?: Pick<HeldPushStore, "reschedule">;
}

/**
 * A user's own settings. A change is read by the same zod schema as every argument, and a value above
 * one of the operator's ceilings is refused with the ceiling named; what is stored is read through the
 * schema again and clamped to the ceilings as they are now (an operator may lower one later).
 */
export class SettingsService implements SettingsPort, QuietHoursGate {
  constructor(private readonly d: SettingsDeps) {}

  get caps(): SettingsCaps {
    return this.d.caps;
  }

  async get(userId: string): Promise<UserSettings> {
    return effectiveSettings(await this.d.store.get(userId), this.d.caps);
  }

  async update(userId: string, patch: Partial<UserSettings>): Promise<UserSettings> {
    // A number over the operator's ceiling is refused naming it ("at most 100 bps: the operator's cap"),
    // even when it is also past the setting's own bound; anything else is judged by the schema first.
    const numbers: Partial<UserSettings> = {};
    if (typeof patch.slippageBps === "number" && Number.isFinite(patch.slippageBps)) numbers.slippageBps = patch.slippageBps;
    if (typeof patch.quickBuyMaxUsd === "number" && Number.isFinite(patch.quickBuyMaxUsd)) numbers.quickBuyMaxUsd = patch.quickBuyMaxUsd;
    const overFirst = settingsOverCap(numbers, this.d.caps);
    if (overFirst) throw new UserError("bad_setting", overFirst.message, { setting: overFirst.setting });
    const r = userSettingsPatchSchema.strict().safeParse(patch);
    if (!r.success) {
      const issue = r.error.issues[0];
      throw new UserError("bad_setting", issue?.message ?? "That setting is not valid.", { setting: String(issue?.path[0] ?? "") });
    }
    const over = settingsOverCap(r.data, this.d.caps);
    if (over) throw new UserError("bad_setting", over.message, { setting: over.setting });
    const stored = { ...(await this.d.store.get(userId)) };
    // Keep only what still reads (a corrupt stored field is dropped, not carried along).
    const kept: Partial<UserSettings> = {};
    for (const [k, v] of Object.entries({ ...stored, ...r.data })) {
      const key = k as keyof UserSettings;
      if (!Object.hasOwn(userSettingsSchema.shape, key)) continue;
      const ok = userSettingsSchema.shape[key].safeParse(v);
      if (ok.success) (kept as Record<string, unknown>)[key] = ok.data;
    }
    await this.d.store.put(userId, kept, this.d.clock.now());
    if (Object.hasOwn(r.data, "quietHours")) await this.quietHoursChanged(userId);
    return effectiveSettings(kept, this.d.caps);
  }

  async reset(userId: string): Promise<UserSettings> {
    await this.d.store.put(userId, {}, this.d.clock.now());
    await this.quietHoursChanged(userId);
    return effectiveSettings({ ...DEFAULT_USER_SETTINGS }, this.d.caps);
  }

  /** Held pushes wait for the end of the new quiet hours, or are summarised at once when none hold now. */
  private async quietHoursChanged(userId: string): Promise<void> {
    if (!this.d.held) return;
    const now = this.d.clock.now();
    const until = (await this.holdUntil(userId, now)) ?? now;
    await this.d.held.reschedule(userId, until).catch((err: unknown) => this.d.log.warn({ err, user: userId }, "held pushes not rescheduled: they wait for the old end of quiet hours"));
  }

  /** Quiet hours: until when a push of this user is held now (null: deliver it). A failed read delivers. */
  async holdUntil(userId: string, now: number): Promise<number | null> {
    let s: UserSettings;
    try {
      s = await this.get(userId);
    } catch (err) {
      this.d.log.warn({ err, user: userId }, "settings unreadable: push delivered without quiet hours");
      return null;
    }
    if (!s.quietHours || !inQuietHours(s.quietHours, now)) return null;
    return quietHoursEnd(s.quietHours, now) ?? null;
  }
}
