import type { UserSettings } from "../domain/user-settings.js";

/** Stored per-user settings (db/repositories/user-settings.repository.ts): only what the user changed. */
export interface UserSettingsStore {
  /** The stored settings (partial: what the user set), undefined when never set. */
  get(userId: string): Promise<Partial<UserSettings> | undefined>;
  /** Replaces the stored settings of the user. */
  put(userId: string, settings: Partial<UserSettings>, now: number): Promise<void>;
}

/** Settings as the commands and services use them. */
export interface SettingsPort {
  /** The user's effective settings: stored values over the defaults, clamped to the operator's caps. */
  get(userId: string): Promise<UserSettings>;
  /** Validates (zod) and stores a change; throws UserError bad_setting naming the ceiling when over a cap. */
  update(userId: string, patch: Partial<UserSettings>): Promise<UserSettings>;
  /** Back to the defaults. */
  reset(userId: string): Promise<UserSettings>;
}
