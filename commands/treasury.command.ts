import { z } from "zod";
import { formatUsd, formatUtc } from "../core/domain/format.js";
import { UserError } from "../core/errors.js";
import type { CommandContext } from "../core/router/command.js";
import { choiceArg, defineCommand } from "../core/router/command.js";
import { bold, reply } from "../core/router/reply.js";
import { approvalButtons, approvalText, cycleText, rejectText } from "../core/services/treasury/index.js";

const treasuryOf = (ctx: CommandContext<"treasury">) => {
  const t = ctx.services.treasury;
  if (!t) throw new UserError("treasury_off", "The treasury bot is not configured here (set TREASURY_CONFIG).");
  return t;
};

/** The payload of a pending rebalance's Approve / Reject buttons (see approvalButtons). */
const pendingPayload = z.object({ id: z.string().min(1).max(64) });

const pct = (v: number | undefined) => (v === undefined ? "-" : `${v.toFixed(2)}%`);

export default defineCommand({
  name: "treasury",
  group: "Treasury",
  summary: "The treasury bot: status, plan, rebalance (preview and Confirm), pause, resume, history",
  usage: "treasury [status|plan|rebalance|pause|resume|history]",
  examples: ["/treasury status", "/treasury plan", "/treasury pause"],
  scope: "admin",
  privateReply: true,
  llmTool: false,
  args: z.object({
    action: choiceArg(["status", "plan", "rebalance", "pause", "resume", "history"], "Use status, plan, rebalance, pause, resume or history").default("status"),
  }),
  positional: ["action"],
  needs: ["treasury", "charts", "clock"],
  async run(ctx, { action }) {
    const t = treasuryOf(ctx);
    if (action === "pause") {
      await t.pause(ctx.user.id);
      return reply("warning").line(bold("Treasury paused."), " No rebalance runs until /treasury resume.").build();
    }
    if (action === "resume") {
      await t.resume(ctx.user.id);
      return reply("success").line(bold("Treasury resumed."), " Breakers cleared; the next cycle runs on schedule.").build();
    }
    const state = await t.state();
    if (action === "history") {
      if (!state.history.length) return reply().line("No rebalances yet.").build();
      return reply()
        .line(bold("Treasury history"))
        .table(state.history.slice(-20).reverse().map((h) => [formatUtc(h.at), `${h.trigger}: ${h.filled}/${h.swaps} filled${h.failed ? `, ${h.failed} failed` : ""}, turnover ${formatUsd(h.turnoverUsd)}, fees ~${formatUsd(h.feesUsd)} (${h.note})`]))
        .build();
    }
    const { plan, valueUsd } = await t.plan();
    const targets = t.settings.targets;
    const symbols = Object.keys(targets);
    if (action === "status") {
      const rows: Array<[string, string]> = [
        ["Mode", `${t.settings.mode}${t.settings.wallet.kind === "paper" ? " (paper wallet)" : " (LIVE wallet)"}`],
        ["State", state.paused ? `PAUSED: ${state.pausedReason ?? ""}` : "running"],
        ["Value", formatUsd(valueUsd)],
        ["Turnover today", `${formatUsd(state.turnoverTodayUsd)} of ${formatUsd(t.settings.maxDailyTurnoverUsd)}`],
        ["Last run", state.lastRunAt ? formatUtc(state.lastRunAt) : "never"],
      ];
      for (const s of symbols) rows.push([s, `${pct(plan.before[s])} (target ${targets[s]}%)`]);
      for (const [b, why] of Object.entries(state.breakers)) rows.push([`Breaker ${b}`, why ?? ""]);
      return reply().line(bold("Treasury status")).table(rows).build();
    }
    const png = await ctx.services.charts.barChart({
      title: "Treasury allocation (%)",
      subtitle: `value ${formatUsd(valueUsd)}; ${plan.swaps.length} swaps, turnover ${formatUsd(plan.turnoverUsd)}`,
      labels: symbols,
      series: [
        { label: "target", values: symbols.map((s) => targets[s] ?? 0) },
        { label: "now", values: symbols.map((s) => plan.before[s] ?? 0) },
        { label: "after plan", values: symbols.map((s) => plan.after[s] ?? 0) },
      ],
    });
    const rows: Array<[string, string]> = plan.swaps.map((s, i) => [`${i + 1}. ${s.from} -> ${s.to}`, `${formatUsd(s.usd)} (${s.reason})`]);
    if (!rows.length) rows.push(["Swaps", plan.inBand ? "none: every asset is inside its band" : "none possible"]);
    for (const b of plan.blocked) rows.push([`Blocked ${b.symbol}`, b.reason]);
    rows.push(["Turnover", formatUsd(plan.turnoverUsd)], ["Modelled fees", formatUsd(plan.feesUsd)]);
    const r = reply().line(bold(action === "plan" ? "Treasury plan" : "Rebalance now?")).table(rows).image(png, "treasury allocation: target, now, after");
    if (action === "rebalance") {
      if (!plan.swaps.length) return r.build();
      if (t.settings.mode === "dry-run") return r.line("The treasury is in dry-run mode: it plans and reports but never trades.").build();
      const buttons = await ctx.buttons(
        [
          { label: "Confirm rebalance", action: "rebalance", style: "danger" },
          { label: "Cancel", action: "cancel" },
        ],
        5 * 60_000,
      );
      r.line("Nothing trades until you press Confirm; the plan is recomputed from fresh balances then.").buttons(...buttons);
    }
    return r.build();
  },
  actions: {
    cancel: { payload: z.object({}), run: async () => reply().line("Cancelled. Nothing was traded.").edit().build() },
    rebalance: {
      payload: z.object({}),
      async run(ctx) {
        // Recomputed from fresh balances and executed holding the treasury lease; refused while another run holds it.
        const r = await treasuryOf(ctx).cycle("approved", true);
        if (r.kind === "busy") return reply("warning").line(bold("Treasury: "), cycleText(r), " Run /treasury rebalance again for a fresh preview.").build();
        return reply().line(bold("Treasury: "), cycleText(r)).build();
      },
    },
    approve: {
      payload: pendingPayload,
      async run(ctx, { id }) {
        const r = await treasuryOf(ctx).approve(id, ctx.user.id);
        const now = ctx.services.clock.now();
        // Refused but still pending (another run held the lease, or paused): fresh buttons to try again.
        if ((r.kind === "busy" || r.kind === "paused") && r.expiresAt > now) {
          const again = await ctx.buttons(approvalButtons(id), r.expiresAt - now);
          return reply("warning").line(bold("Treasury: "), approvalText(r)).buttons(...again).build();
        }
        return reply().line(bold("Treasury: "), approvalText(r)).edit().build();
      },
    },
    reject: {
      payload: pendingPayload,
      run: async (ctx, { id }) => reply().line(bold("Treasury: "), rejectText(await treasuryOf(ctx).reject(id, ctx.user.id))).edit().build(),
    },
  },
});
