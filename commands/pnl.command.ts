import { z } from "zod";
import { formatUsd } from "../core/domain/format.js";
import { defineCommand } from "../core/router/command.js";
import { reply } from "../core/router/reply.js";

const signed = (v: number) => `${v >= 0 ? "+" : "-"}${formatUsd(Math.abs(v))}`;

export default defineCommand({
  name: "pnl",
  group: "Trading",
  summary: "A picture of your portfolio value over time with realised and unrealised PnL",
  usage: "pnl",
  scope: "public",
  privateReply: true,
  args: z.object({}),
  positional: [],
  needs: ["portfolio", "charts", "clock", "info"],
  async run(ctx) {
    const { portfolio, charts, clock } = ctx.services;
    const sections = await portfolio.summary(ctx.user.id); // also records a fresh snapshot
    const main = sections.find((s) => s.book);
    const { points } = await portfolio.history(ctx.user.id, clock.now() - 365 * 86_400_000);
    const series = points.map((p) => ({ t: p.at, v: p.valueUsd }));
    if (series.length === 1) series.unshift({ t: series[0]!.t - 60_000, v: series[0]!.v });
    const unreal = main?.unrealizedUsd ?? 0;
    const real = main?.realizedUsd ?? 0;
    const value = main?.totalUsd ?? 0;
    const png = await charts.lineChart({
      title: `Portfolio ${ctx.services.info.tradingMode === "paper" ? "(paper)" : ""}`.trim(),
      subtitle: `Value ${formatUsd(value)} | unrealised ${signed(unreal)} | realised ${signed(real)}`,
      points: series.length ? series : [{ t: clock.now() - 60_000, v: value }, { t: clock.now(), v: value }],
      valueLabel: "USD",
    });
    return reply()
      .image(png, "portfolio value over time", `Value ${formatUsd(value)}; unrealised ${signed(unreal)}; realised ${signed(real)}.`)
      .build();
  },
});
