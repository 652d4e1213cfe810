import type { AuditEntry, AuditLog } from "../../core/ports/audit.port.js";

/** An audit log in memory: what commands recorded, newest last. */
export class MemoryAudit implements AuditLog {
  readonly entries: AuditEntry[] = [];
  async record(entry: AuditEntry): Promise<void> {
    this.entries.push(entry);
  }
  async recent(limit: number, action?: string): Promise<AuditEntry[]> {
    return this.entries.filter((e) => !action || e.action === action).slice(-limit).reverse();
  }
}
