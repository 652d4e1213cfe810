import { z } from "zod";
import { defineCommand } from "../core/router/command.js";
import { bold, reply } from "../core/router/reply.js";
import { orderLine } from "../core/services/trade-format.js";

export default defineCommand({
  name: "trades",
  aliases: ["orders"],
  group: "Trading",
  summary: "Your recent orders with status (explorer links for live ones)",
  usage: "trades [count]",
  scope: "public",
  privateReply: true,
  args: z.object({ count: z.coerce.number().int("count must be a whole number").min(1).max(50).default(10) }),
  positional: ["count"],
  needs: ["trading", "info"],
  async run(ctx, { count }) {
    const orders = await ctx.services.trading.orders(ctx.user.id, count);
    if (!orders.length) return reply().line("No trades yet. Try /buy JUP 20 (paper by default).").build();
    const r = reply().line(bold(`Your last ${orders.length} orders`)).table(orders.map(orderLine));
    const live = orders.filter((o) => o.signature);
    for (const o of live) r.line(`${o.id}: `, { text: "explorer", href: ctx.services.info.explorerTx(o.signature!) });
    return r.build();
  },
});
