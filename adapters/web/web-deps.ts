import type { InboundMessage } from "../../core/domain/message.js";
import type { Clock } from "../../core/ports/clock.port.js";
import type { Logger } from "../../core/ports/logger.port.js";
import type { RateLimiter } from "../../core/ports/rate-limit.port.js";
import type { WebAccessPort } from "../../core/ports/web-access.port.js";
import type { Reply } from "../../core/domain/message.js";
import type { AlertJson, AuditJson, AutomationJson, PortfolioJson, SettingsJson, TradeJson, TreasuryJson } from "./api-schemas.js";

/** The router as the web adapter drives it: one message in, every reply (with its failure code) out. */
export type WebHandle = (msg: InboundMessage, respond: (reply: Reply, meta?: { code?: string }) => Promise<void>) => Promise<unknown>;

/**
 * What the REST API reads straight from the services (the composition root maps them): nothing here
 * changes anything; every change goes through the router as a command or a button.
 */
export interface WebReads {
  me(userId: string): Promise<{ name: string; role: "user" | "admin" }>;
  portfolio(userId: string): Promise<PortfolioJson>;
  history(userId: string, sinceMs: number): Promise<Array<{ t: number; valueUsd: number }>>;
  trades(userId: string): Promise<TradeJson[]>;
  prices(tokens: string[]): Promise<Array<{ symbol: string; priceUsd: number; at: number }>>;
  alerts(userId: string): Promise<AlertJson[]>;
  automations(userId: string): Promise<AutomationJson[]>;
  settings(userId: string): Promise<SettingsJson>;
  /** undefined: no treasury configured. */
  treasury(): Promise<TreasuryJson | undefined>;
  audit(limit: number): Promise<AuditJson[]>;
}

export interface WebDeps {
  access: WebAccessPort;
  handle: WebHandle;
  reads: WebReads;
  /** One bucket per API token (API_TOKEN_RATE_PER_MIN). */
  tokenLimiter: RateLimiter;
  clock: Clock;
  log: Logger;
  /** adapters/web/public (index.html, app.js, css) and node_modules, for the vendored ESM builds. */
  publicDir: string;
  nodeModulesDir: string;
  tradingMode: "paper" | "live";
}
