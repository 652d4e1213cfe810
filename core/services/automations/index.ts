export { AutomationEngine } from "./automation.service.js";
export { describeAcknowledged, describeAmount, describeAutomation, describeLevel, describeOutcome, describeRule, KIND_NAME, STATE_NAME } from "./describe.js";
export type { AutomationEvent, AutomationFired, FiringOutcome } from "./events.js";
export { DRAFT_TTL_MS, firingOrderId, GLOBAL_PAUSE_KEY, type AutomationDeps, type AutomationSettings, type AutomationTrading } from "./types.js";
