import type { Migration } from "kysely";
import * as foundation from "./2026-11-21T0800-foundation.js";
import * as market from "./2026-11-21T0900-market.js";
import * as delivery from "./2026-11-21T1000-delivery.js";
import * as trading from "./2026-11-21T1100-trading.js";
import * as alerts from "./2026-11-21T1200-alerts.js";
import * as kvLeases from "./2026-11-21T1300-kv-leases.js";
import * as llmUsage from "./2026-11-21T1400-llm-usage.js";
import * as outboxParts from "./2026-11-22T0900-outbox-parts.js";
import * as tradeLocks from "./2026-11-22T1100-trade-locks.js";
import * as ordersTold from "./2026-12-06T0100-orders-told.js";
import * as retention from "./2026-12-06T0100-retention.js";
import * as orderFees from "./2026-12-06T1200-order-fees.js";
import * as automations from "./2026-12-06T1300-automations.js";
import * as userSettings from "./2026-12-06T1400-user-settings.js";
import * as orderRisk from "./2026-12-06T1800-order-risk.js";
import * as automationRisk from "./2026-12-07T0900-automation-risk.js";
import * as twoFactor from "./2026-12-07T1000-two-factor.js";
import * as withdrawAddresses from "./2026-12-07T1100-withdraw-addresses.js";
import * as withdrawals from "./2026-12-07T1200-withdrawals.js";
import * as web from "./2026-12-07T1300-web.js";
import * as identityChanges from "./2026-12-08T0900-identity-changes.js";

/** Timestamp-named migrations, applied in name order. Never edit one that has landed. */
export const migrations: Record<string, Migration> = {
  "2026-11-21T0800-foundation": foundation,
  "2026-11-21T0900-market": market,
  "2026-11-21T1000-delivery": delivery,
  "2026-11-21T1100-trading": trading,
  "2026-11-21T1200-alerts": alerts,
  "2026-11-21T1300-kv-leases": kvLeases,
  "2026-11-21T1400-llm-usage": llmUsage,
  "2026-11-22T0900-outbox-parts": outboxParts,
  "2026-11-22T1100-trade-locks": tradeLocks,
  "2026-12-06T0100-orders-told": ordersTold,
  "2026-12-06T0100-retention": retention,
  "2026-12-06T1200-order-fees": orderFees,
  "2026-12-06T1300-automations": automations,
  "2026-12-06T1400-user-settings": userSettings,
  "2026-12-06T1800-order-risk": orderRisk,
  "2026-12-07T0900-automation-risk": automationRisk,
  "2026-12-07T1000-two-factor": twoFactor,
  "2026-12-07T1100-withdraw-addresses": withdrawAddresses,
  "2026-12-07T1200-withdrawals": withdrawals,
  "2026-12-07T1300-web": web,
  "2026-12-08T0900-identity-changes": identityChanges,
};
