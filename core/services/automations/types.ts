import { createHash } from "node:crypto";
import type { PriceQuote } from "../../domain/price.js";
import type { Order } from "../../domain/order.js";
import type { Token } from "../../domain/token.js";
import type { AutomationStore } from "../../ports/automations.port.js";
import type { Clock } from "../../ports/clock.port.js";
import type { KvStore } from "../../ports/kv.port.js";
import type { Logger } from "../../ports/logger.port.js";
import type { PriceBus } from "../../ports/price-bus.port.js";
import type { PushPlanner } from "../notifications.service.js";
import type { TradingService } from "../trading.service.js";

/** What the engine needs of trading: the very path a Confirmed trade takes (policy, quote, once-only order). */
export type AutomationTrading = Pick<TradingService, "mode" | "limits" | "checkToken" | "judgeReceived" | "book" | "held" | "previewIn" | "confirm" | "cancel" | "findOrder">;

export interface AutomationSettings {
  /** MAX_AUTOMATIONS_PER_USER: active (armed or paused) automations per user. */
  maxPerUser: number;
  /** AUTOMATION_RETRIES: retries of a firing that failed for a reason that may pass. */
  retries: number;
  /** AUTOMATION_RETRY_S in ms: the first retry's wait (market clock), doubling each time. */
  retryMs: number;
  /** AUTOMATION_LEASE_S in ms: a worker's claim on a running firing (wall clock). */
  leaseMs: number;
  /** AUTOMATION_SYNC_S in ms: how often changes made by other processes are picked up, and schedules and due firings checked. */
  syncMs: number;
  /** PRICE_MAX_AGE_S in ms: an older tick fires nothing. */
  maxTickAgeMs: number;
  /** A tick further than this (%) from another source's recent price fires nothing. */
  maxDeviationPct?: number;
  /** How long a draft waits for its Confirm (default 10 minutes). */
  draftTtlMs?: number;
}

export interface AutomationDeps {
  store: AutomationStore;
  /** Shared settings (the global kill switch lives here so every process sees it). */
  kv: KvStore;
  bus: PriceBus;
  trading: AutomationTrading;
  /** Tokens by symbol or mint (the token registry). */
  tokens: { resolve(word: string): Promise<Token> };
  /** A good (checked) price now (the market service). */
  prices: { getPrice(token: Token): Promise<PriceQuote> };
  /** Wall clock: leases, drafts, updatedAt. */
  clock: Clock;
  /** Market clock (the replay clock when replaying): schedules, retries, tick age. */
  marketNow: () => number;
  /** Live or replayed prices now: a tick labelled otherwise fires nothing. */
  mode?: () => "live" | "replay";
  log: Logger;
  /** Turns an outcome into its outbox rows (the push, copies to linked platforms); default: the push alone. */
  pushes?: PushPlanner;
  /** Has the market poll the tokens armed automations watch (the poller only polls tracked tokens). */
  track?: (tokens: Token[]) => void;
  settings: AutomationSettings;
  /** Observers (metrics). */
  onFired?: (automationId: string, n: number) => void;
}

export const DRAFT_TTL_MS = 10 * 60_000;
/** The shared kv key of the admins' global kill switch. */
export const GLOBAL_PAUSE_KEY = "automations.paused";

/**
 * The order attempt k of firing n of automation id places: the same for every worker and after a
 * restart, so a retried attempt finds its order instead of placing a second one. Shaped like every
 * other order id ("o_" and 16 hex digits).
 */
export function firingOrderId(automationId: string, n: number, k: number): string {
  return "o_" + createHash("sha256").update(`auto:${automationId}:${n}:${k}`).digest("hex").slice(0, 16);
}

/** What one attempt of a firing came to. */
export type AttemptResult =
  | { kind: "filled"; order: Order; capped: boolean }
  /** A live order sent and not landed yet: the tracker finishes it; the firing waits for it. */
  | { kind: "pending"; order: Order }
  | { kind: "skipped"; reason: string }
  | { kind: "failed"; reason: string; retryable: boolean; order: Order | null };
