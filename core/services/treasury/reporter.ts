import type { Reply } from "../../domain/message.js";
import type { ChartRenderer } from "../../ports/chart.port.js";
import type { ActionService } from "../actions.service.js";
import { approvalButtons, reportChart, reportKey, reportReply, treasuryReport, type TreasuryReport } from "./report.js";
import type { TreasuryEvent } from "./types.js";

/** One event rendered once (chart included), with a Reply per recipient (approval buttons are bound to each). */
export interface RenderedReport {
  report: TreasuryReport;
  /** Dedupe part for the outbox: the plan id when it waits for approval, else the title. */
  key: string;
  replyFor(userId: string): Promise<Reply>;
}

/**
 * Turns treasury events into the admins' Replies: the pure report, its allocation chart (drawn once;
 * a chart that fails is left out), and for a plan waiting for approval Approve/Reject buttons issued
 * to each recipient, valid as long as approvals are.
 */
export class TreasuryReporter {
  constructor(
    private readonly d: {
      charts: ChartRenderer;
      actions: ActionService;
      targets: Readonly<Record<string, number>>;
      approvalTtlMs: number;
    },
  ) {}

  async render(e: TreasuryEvent): Promise<RenderedReport> {
    const report = treasuryReport(e, this.d.targets);
    const chart = reportChart(report, this.d.targets);
    const png = chart ? await this.d.charts.barChart(chart).catch(() => undefined) : undefined;
    const approval = report.approval;
    return {
      report,
      key: reportKey(report),
      replyFor: async (userId) => {
        const buttons = approval ? await this.d.actions.issue(userId, "treasury", approvalButtons(approval.id), this.d.approvalTtlMs) : [];
        return reportReply(report, { ...(png ? { png } : {}), buttons });
      },
    };
  }
}
