import type { Platform } from "../domain/identity.js";

export interface AuditEntry {
  at: number;
  userId?: string | null;
  platform?: Platform | null;
  action: string;
  detail?: Record<string, unknown>;
}

export interface AuditLog {
  record(entry: AuditEntry): Promise<void>;
  recent(limit: number, action?: string): Promise<AuditEntry[]>;
}
