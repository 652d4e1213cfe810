import type { Db } from "./database.js";
import { SqliteStatements } from "./sqlite-statements.js";
import { systemClock, type Clock } from "../core/ports/clock.port.js";
import { silentLogger, type Logger } from "../core/ports/logger.port.js";
import { KyselyAutomations } from "./repositories/automations.repository.js";
import { KyselyActionTokens } from "./repositories/action-tokens.repository.js";
import { KyselyChatStatus } from "./repositories/chat-status.repository.js";
import { KyselyBooks, KyselyWallets } from "./repositories/books.repository.js";
import { KyselyOrders } from "./repositories/orders.repository.js";
import { KyselyAlerts } from "./repositories/alerts.repository.js";
import { KyselyOutbox } from "./repositories/outbox.repository.js";
import { KyselyKv, KyselyLeases } from "./repositories/kv.repository.js";
import { KyselyLlmUsage } from "./repositories/llm-usage.repository.js";
import { KyselyAuditLog } from "./repositories/audit-log.repository.js";
import { KyselyIdentityChanges } from "./repositories/identity-changes.repository.js";
import { KyselyLinkCodes } from "./repositories/link-codes.repository.js";
import { KyselyTickStore } from "./repositories/price-ticks.repository.js";
import { KyselyRetention } from "./repositories/retention.repository.js";
import { processedUpdates, type BatchOptions } from "./repositories/processed-updates.repository.js";
import { KyselyTokenCache } from "./repositories/tokens.repository.js";
import { KyselyUserRepository } from "./repositories/users.repository.js";
import { KyselyUserSettings } from "./repositories/user-settings.repository.js";
import { KyselyHeldPushes } from "./repositories/held-pushes.repository.js";
import { KyselyTwoFactor } from "./repositories/two-factor.repository.js";
import { KyselyWebAuth } from "./repositories/web-auth.repository.js";
import { KyselyAddressBook } from "./repositories/withdraw-addresses.repository.js";

export { createDatabase, migrate, MigrationError, type Db, type DialectName } from "./database.js";
export { DONE_FLUSH_MS, type BatchOptions, type FlushTimer } from "./repositories/processed-updates.repository.js";

/** Every repository over one database: what composition roots and tests wire into services. */
/** `log`: where unreadable stored rows are reported (an automation whose rule is corrupt is skipped, not fatal). */
/** `updates`: the dedupe store's flush timer (tests fire it by hand). */
export function repositories(d: Db, clock: Clock = systemClock, log: Logger = silentLogger, updates: BatchOptions = {}) {
  // SQLite: the per-message statements (dedupe, identity lookup) prepared once on Kysely's connection.
  const hot = d.raw?.kind === "sqlite" ? new SqliteStatements(d.raw.sqlite, d.raw.lockWait, d.db) : undefined;
  return {
    users: new KyselyUserRepository(d.db, hot),
    updates: processedUpdates(d, hot, { onFlushError: (err) => log.warn({ err }, "could not write done marks: they go with the next flush"), ...updates }),
    audit: new KyselyAuditLog(d.db),
    linkCodes: new KyselyLinkCodes(d.db),
    identityChanges: new KyselyIdentityChanges(d.db),
    actionTokens: new KyselyActionTokens(d.db),
    tokens: new KyselyTokenCache(d.db),
    ticks: new KyselyTickStore(d.db),
    chatStatus: new KyselyChatStatus(d.db),
    orders: new KyselyOrders(d.db, d.dialect),
    books: new KyselyBooks(d.db, d.dialect),
    wallets: new KyselyWallets(d.db),
    alerts: new KyselyAlerts(d.db),
    outbox: new KyselyOutbox(d.db, d.dialect),
    kv: new KyselyKv(d.db),
    leases: new KyselyLeases(d.db, clock),
    llmUsage: new KyselyLlmUsage(d.db),
    retention: new KyselyRetention(d.db),
    userSettings: new KyselyUserSettings(d.db),
    heldPushes: new KyselyHeldPushes(d.db, d.dialect),
    twoFactor: new KyselyTwoFactor(d.db),
    addressBook: new KyselyAddressBook(d.db, d.dialect),
    webAuth: new KyselyWebAuth(d.db),
    automations: new KyselyAutomations(d.db, d.dialect, (err) => log.error({ err, automation: err.automationId }, "automation skipped: its stored rule cannot be read")),
  };
}
export type Repositories = ReturnType<typeof repositories>;
