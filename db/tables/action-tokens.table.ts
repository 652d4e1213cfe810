export interface ActionTokensTable {
  token: string;
  group_id: string;
  user_id: string;
  command: string;
  action: string;
  /** JSON text. */
  payload: string;
  expires_at: number;
  used_at: number | null;
}
