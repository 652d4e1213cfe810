/** A user's own settings: JSON of only what they changed (core/domain/user-settings.ts reads it). */
export interface UserSettingsTable {
  user_id: string;
  settings: string;
  updated_at: number;
}
