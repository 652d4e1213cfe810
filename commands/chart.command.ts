import { z } from "zod";
import { formatPct, formatPrice as formatUsd, formatUtc } from "../core/domain/format.js";
import { choiceArg, defineCommand } from "../core/router/command.js";
import { reply } from "../core/router/reply.js";

const RANGES = ["1d", "7d", "30d", "90d"] as const;

export default defineCommand({
  name: "chart",
  group: "Market",
  summary: "Price chart of a token as an image (1d, 7d, 30d or 90d)",
  usage: "chart <token> [1d|7d|30d|90d]",
  examples: ["/chart SOL", "/chart JUP 30d"],
  scope: "public",
  args: z.object({
    token: z.string().min(1).max(64),
    range: choiceArg(RANGES, "Range must be 1d, 7d, 30d or 90d").default("7d"),
  }),
  positional: ["token", "range"],
  needs: ["tokens", "market", "charts"],
  async run(ctx, { token: q, range }) {
    const { tokens, market, charts } = ctx.services;
    const token = await tokens.resolve(q);
    const series = await market.history(token, range);
    const pts = series.points;
    const first = pts[0]!.v;
    const last = pts[pts.length - 1]!.v;
    const lo = Math.min(...pts.map((p) => p.v));
    const hi = Math.max(...pts.map((p) => p.v));
    const change = ((last - first) / first) * 100;
    const asOf = formatUtc(pts[pts.length - 1]!.t);
    const label = series.replay ? `replay (historical), to ${asOf}` : `${series.source}, to ${asOf}`;
    const png = await charts.lineChart({
      title: `${token.symbol} ${range}${series.replay ? " (replay)" : ""}`,
      subtitle: `${formatUsd(first)} -> ${formatUsd(last)} (${formatPct(change)}), range ${formatUsd(lo)} - ${formatUsd(hi)} | ${label}`,
      points: pts,
      valueLabel: "USD",
    });
    const caption = `${token.symbol} ${range}: ${formatUsd(last)} (${formatPct(change)}), low ${formatUsd(lo)}, high ${formatUsd(hi)}. Source: ${label}.`;
    return reply().image(png, `${token.symbol} ${range} price chart`, caption).build();
  },
});
