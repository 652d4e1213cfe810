import type { ActionTokensTable } from "./tables/action-tokens.table.js";
import type { AutomationFiringsTable, AutomationStreaksTable } from "./tables/automation-firings.table.js";
import type { AutomationsTable } from "./tables/automations.table.js";
import type { ChatStatusTable } from "./tables/chat-status.table.js";
import type { BooksTable, OrdersTable, PortfolioSnapshotsTable, PositionsTable, TradeLocksTable, WalletsTable } from "./tables/trading.table.js";
import type { AlertChangesTable, AlertsTable, OutboxTable } from "./tables/alerts.table.js";
import type { KvTable, LeasesTable } from "./tables/kv.table.js";
import type { LlmUsageTable } from "./tables/llm-usage.table.js";
import type { AuditLogTable } from "./tables/audit-log.table.js";
import type { LinkCodesTable } from "./tables/link-codes.table.js";
import type { PriceTicksTable } from "./tables/price-ticks.table.js";
import type { ProcessedUpdatesTable } from "./tables/processed-updates.table.js";
import type { TokensTable } from "./tables/tokens.table.js";
import type { IdentitiesTable, UsersTable } from "./tables/users.table.js";
import type { UserSettingsTable } from "./tables/user-settings.table.js";
import type { WithdrawAddressesTable, WithdrawFreezesTable } from "./tables/withdraw-addresses.table.js";

/** The typed database. Timestamps are epoch milliseconds; token amounts are TEXT (bigint). */
export interface Database {
  users: UsersTable;
  identities: IdentitiesTable;
  processed_updates: ProcessedUpdatesTable;
  audit_log: AuditLogTable;
  link_codes: LinkCodesTable;
  action_tokens: ActionTokensTable;
  tokens: TokensTable;
  price_ticks: PriceTicksTable;
  chat_status: ChatStatusTable;
  wallets: WalletsTable;
  positions: PositionsTable;
  books: BooksTable;
  orders: OrdersTable;
  trade_locks: TradeLocksTable;
  portfolio_snapshots: PortfolioSnapshotsTable;
  alerts: AlertsTable;
  alert_changes: AlertChangesTable;
  outbox: OutboxTable;
  kv: KvTable;
  leases: LeasesTable;
  llm_usage: LlmUsageTable;
  automations: AutomationsTable;
  automation_firings: AutomationFiringsTable;
  automation_streaks: AutomationStreaksTable;
  user_settings: UserSettingsTable;
  withdraw_addresses: WithdrawAddressesTable;
  withdraw_freezes: WithdrawFreezesTable;
}
