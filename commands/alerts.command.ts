import { z } from "zod";
import { formatUtc } from "../core/domain/format.js";
import { defineCommand } from "../core/router/command.js";
import { bold, reply } from "../core/router/reply.js";
import { describeAlert } from "../core/services/alert-engine.service.js";

export default defineCommand({
  name: "alerts",
  group: "Alerts",
  summary: "Your alerts with ids and state",
  usage: "alerts",
  scope: "public",
  args: z.object({}),
  positional: [],
  needs: ["alerts"],
  async run(ctx) {
    const list = await ctx.services.alerts.list(ctx.user.id);
    if (!list.length) return reply().line("No alerts. Set one with /alert SOL above 200.").build();
    const active = list.filter((a) => a.state === "armed" || a.state === "cooling").length;
    return reply()
      .line(bold(`Your alerts (${active} active)`))
      .table(
        list.slice(-50).map((a) => [
          a.id,
          `${describeAlert(a)} - ${a.state === "cooling" ? "fired, re-arming" : a.state}${a.fireCount ? `, fired ${a.fireCount}x${a.lastFiredAt ? ` (last ${formatUtc(a.lastFiredAt)})` : ""}` : ""}`,
        ]),
      )
      .line("Remove one with /unalert <id>, or all with /unalert all.")
      .build();
  },
});
