/** The treasury feature: the service facade, its typed results and events, and the pure report. */
export { TreasuryService, type TreasuryDeps } from "./treasury.service.js";
export type { Planned } from "./cycle.js";
export { TreasuryReporter, type RenderedReport } from "./reporter.js";
export { approvalButtons, reportChart, reportReply, treasuryReport, type TreasuryReport } from "./report.js";
export { approvalText, busyText, cycleText, rejectText } from "./results.js";
export { LOOP_LEASE } from "./runner.js";
export * from "./types.js";
