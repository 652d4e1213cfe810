import type { AuditLog } from "../ports/audit.port.js";
import type { Clock } from "../ports/clock.port.js";
import type { ChartRenderer } from "../ports/chart.port.js";
import type { ActionService } from "./actions.service.js";
import type { AlertEngine } from "./alert-engine.service.js";
import type { Assistant } from "../ports/assistant.port.js";
import type { TreasuryService } from "./treasury/index.js";
import type { OutboxDispatcher } from "./outbox-dispatcher.service.js";
import type { IdentityService } from "./identity.service.js";
import type { MarketService } from "./market.service.js";
import type { Notifications } from "./notifications.service.js";
import type { PortfolioService } from "./portfolio.service.js";
import type { TradingService } from "./trading.service.js";
import type { WalletService } from "./wallet.service.js";
import type { TokenRegistry } from "./token-registry.service.js";

/** The use cases commands can call. Later capabilities add their service here. */
export interface Services {
  identity: IdentityService;
  actions: ActionService;
  audit: AuditLog;
  tokens: TokenRegistry;
  market: MarketService;
  charts: ChartRenderer;
  trading: TradingService;
  portfolio: PortfolioService;
  wallets: WalletService;
  notifications: Notifications;
  alerts: AlertEngine;
  intent: Assistant;
  /** Present when TREASURY_CONFIG is set. */
  treasury?: TreasuryService;
  outbox: OutboxDispatcher;
  clock: Clock;
  /** Facts about this deployment that commands show (mode, version). */
  info: { tradingMode: "paper" | "live"; version: string; explorerTx: (signature: string) => string; walletExportDeleteS: number };
}
