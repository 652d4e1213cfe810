import type { ActionsPort } from "./actions.port.js";
import type { AddressBookPort } from "./address-book.port.js";
import type { AlertsPort } from "./alerts.port.js";
import type { Assistant } from "./assistant.port.js";
import type { AuditLog } from "./audit.port.js";
import type { AutomationsPort } from "./automations.port.js";
import type { ChartRenderer } from "./chart.port.js";
import type { Clock } from "./clock.port.js";
import type { IdentityPort, UserResolver } from "./identity.port.js";
import type { MarketPort } from "./market.port.js";
import type { PortfolioPort } from "./portfolio.port.js";
import type { SettingsCaps } from "../domain/user-settings.js";
import type { TokenCardsPort } from "./token-safety.port.js";
import type { TokensPort } from "./tokens.port.js";
import type { ToldOrders, TradingPort } from "./trading.port.js";
import type { TreasuryPort } from "./treasury.port.js";
import type { TwoFactorPort } from "./two-factor.port.js";
import type { SettingsPort } from "./user-settings.port.js";
import type { WalletsPort } from "./wallets.port.js";
import type { WebAccessPort } from "./web-access.port.js";
import type { WithdrawalsPort } from "./withdrawals.port.js";

/** Facts about this deployment that commands show (mode, version, explorer links). */
export interface DeploymentInfo {
  tradingMode: "paper" | "live";
  version: string;
  explorerTx: (signature: string) => string;
  walletExportDeleteS: number;
}

/**
 * Every port a command may declare in `needs`, by name. The router hands a command only the ports it
 * declared, so a test builds a command's context from just those (no service classes, no casts).
 */
export interface CommandPorts {
  alerts: AlertsPort;
  assistant: Assistant;
  audit: AuditLog;
  /** The automations (issue 17); absent until the engine is wired: the commands then say automations are off. */
  automations?: AutomationsPort;
  charts: ChartRenderer;
  clock: Clock;
  identity: IdentityPort;
  info: DeploymentInfo;
  market: MarketPort;
  portfolio: PortfolioPort;
  /** A user's own settings (/settings); absent: the command says settings are not available here. */
  settings?: SettingsPort & { readonly caps: SettingsCaps };
  tokens: TokensPort;
  trading: TradingPort;
  /** Present when TREASURY_CONFIG is set. */
  treasury?: TreasuryPort;
  wallets: WalletsPort;
  /** The web dashboard's sign-in links, sessions and API tokens (issue 21); absent when WEB=off. */
  web?: WebAccessPort;
  /** Token cards with chain safety checks (issue 18); absent until wired: /token then says cards are off. */
  tokenCards?: TokenCardsPort;
  /** TOTP 2FA (issue 19); absent when this deployment has no key to seal secrets with: /2fa then says so. */
  twoFactor?: TwoFactorPort;
  /** Withdrawals (issue 19); absent: /withdraw says withdrawals are off. */
  withdrawals?: WithdrawalsPort;
  /** The withdrawal address book with its steps around the shared contract (issue 19): the same book as `withdrawals.book`. */
  addressBook?: AddressBookPort;
}

export type PortName = keyof CommandPorts;

/** The ports a command declared, and only those. */
export type PortsOf<N extends PortName> = Pick<CommandPorts, N>;

/**
 * What the router itself uses besides the commands' ports: who is speaking (identity), buttons
 * (actions), scope refusals (audit) and orders whose outcome a delivered reply told (trading).
 */
export type RouterPorts = CommandPorts & {
  identity: UserResolver;
  actions: ActionsPort;
  trading: ToldOrders;
};
