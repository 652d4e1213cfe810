import type { TreasuryService } from "../core/services/treasury/index.js";
import type { ActionService } from "../core/services/actions.service.js";
import type { AlertEngine } from "../core/services/alert-engine.service.js";
import type { AutomationEngine } from "../core/services/automations/index.js";
import type { IdentityService } from "../core/services/identity.service.js";
import type { MarketService } from "../core/services/market.service.js";
import type { Notifications } from "../core/services/notifications.service.js";
import type { OutboxDispatcher } from "../core/services/outbox-dispatcher.service.js";
import type { PortfolioService } from "../core/services/portfolio.service.js";
import type { TokenCardService } from "../core/services/token-card.service.js";
import type { SettingsService } from "../core/services/settings.service.js";
import type { TokenRegistry } from "../core/services/token-registry.service.js";
import type { TradingService } from "../core/services/trading.service.js";
import type { WalletService } from "../core/services/wallet.service.js";
import type { AuditLog } from "../core/ports/audit.port.js";
import type { ChartRenderer } from "../core/ports/chart.port.js";
import type { Clock } from "../core/ports/clock.port.js";
import type { Assistant } from "../core/ports/assistant.port.js";
import type { DeploymentInfo } from "../core/ports/commands.port.js";
import type { WithdrawalsPort } from "../core/ports/withdrawals.port.js";
import type { AddressBookService } from "../core/services/withdrawals/address-book.js";
import type { TwoFactorPort } from "../core/ports/two-factor.port.js";
import type { WebAccessService } from "../core/services/web/web-access.service.js";
import type { WithdrawalService } from "../core/services/withdrawals/withdrawal.service.js";

/**
 * The services this composition root wired, as their classes (start, stop, register, ...). The router
 * sees them through its ports (`RouterPorts`); a command only through the ports it declares in `needs`.
 */
export interface Services {
  identity: IdentityService;
  actions: ActionService;
  audit: AuditLog;
  tokens: TokenRegistry;
  /** Token cards with the chain's safety checks (issue 18); the same reports judge trades (TOKEN_SAFETY). */
  tokenCards: TokenCardService;
  market: MarketService;
  charts: ChartRenderer;
  trading: TradingService;
  portfolio: PortfolioService;
  wallets: WalletService;
  notifications: Notifications;
  alerts: AlertEngine;
  automations: AutomationEngine;
  assistant: Assistant;
  /** Present when TREASURY_CONFIG is set. */
  treasury?: TreasuryService;
  outbox: OutboxDispatcher;
  /** Users' own settings (/settings), under the operator's ceilings. */
  settings: SettingsService;
  /** TOTP 2FA (issue 19); absent when there is no key to seal secrets with (bots/two-factor.ts). */
  twoFactor?: TwoFactorPort;
  clock: Clock;
  info: DeploymentInfo;
  /** The withdrawal address book (issue 19); absent without 2FA. */
  addressBook?: AddressBookService;
  /** Withdrawals (issue 19): the send service with the address book as `book` (book-only while no send service is wired). */
  withdrawals?: WithdrawalsPort;
  /** The web dashboard's sign-in links, sessions and API tokens (issue 21); absent when WEB=off. */
  web?: WebAccessService;
}
