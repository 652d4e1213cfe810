export interface AuditLogTable {
  id: string;
  at: number;
  user_id: string | null;
  platform: string | null;
  action: string;
  /** JSON text. */
  detail: string | null;
}
