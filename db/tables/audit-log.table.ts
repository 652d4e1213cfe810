import type { Platform } from "../../core/domain/identity.js";

export interface AuditLogTable {
  id: string;
  at: number;
  user_id: string | null;
  platform: Platform | null;
  action: string;
  /** JSON text. */
  detail: string | null;
}
