import { z } from "zod";
import { formatAge, formatPct, formatUsd, formatUtc } from "../core/domain/format.js";
import { formatAmount } from "../core/domain/money.js";
import { defineCommand } from "../core/router/command.js";
import { bold, reply } from "../core/router/reply.js";

const signed = (v: number) => `${v >= 0 ? "+" : "-"}${formatUsd(Math.abs(v))}`;

export default defineCommand({
  name: "balance",
  aliases: ["portfolio", "bal"],
  group: "Trading",
  summary: "Your holdings with USD values, allocation and PnL",
  usage: "balance",
  scope: "public",
  privateReply: true,
  args: z.object({}),
  positional: [],
  needs: ["portfolio", "market"],
  async run(ctx) {
    const sections = await ctx.services.portfolio.summary(ctx.user.id);
    const r = reply();
    if (!sections.length) return r.line("Nothing to show yet. Add a wallet with /wallet watch <address>.").build();
    const market = ctx.services.market;
    const sources = new Map<string, number>();
    for (const s of sections) {
      r.line(bold(s.title));
      if (s.error) {
        r.line(`(${s.error})`);
        continue;
      }
      const rows: Array<[string, string]> = s.holdings.map((h) => {
        const amt = `${formatAmount(h.amount, h.token.decimals, 6)} ${h.token.symbol}`;
        if (h.usd === undefined) return [h.token.symbol, `${amt}  (no price)`];
        const alloc = s.totalUsd > 0 ? `${((h.usd / s.totalUsd) * 100).toFixed(1)}%` : "-";
        const pnl = h.costUsd !== undefined && h.costUsd > 0 ? `  PnL ${signed(h.usd - h.costUsd)} (${formatPct(((h.usd - h.costUsd) / h.costUsd) * 100, 1)})` : "";
        if (h.quote) sources.set(h.quote.replay ? "replay" : h.quote.source, Math.max(sources.get(h.quote.source) ?? 0, market.now() - h.quote.at));
        return [h.token.symbol, `${amt}  ${formatUsd(h.usd)}  ${alloc}${pnl}`];
      });
      if (!rows.length) rows.push(["-", "empty"]);
      rows.push(["Total", `${formatUsd(s.totalUsd)}${s.unpriced ? ` (+${s.unpriced} unpriced)` : ""}`]);
      if (s.unrealizedUsd !== undefined) rows.push(["Unrealised", signed(s.unrealizedUsd)]);
      if (s.realizedUsd !== undefined) rows.push(["Realised", signed(s.realizedUsd)]);
      r.table(rows);
    }
    const src = [...sources].map(([name, age]) => (name === "replay" ? `replay (${formatUtc(market.now())})` : `${name}, ${formatAge(age)}`));
    if (src.length) r.line("Prices: ", src.join("; "));
    return r.build();
  },
});
