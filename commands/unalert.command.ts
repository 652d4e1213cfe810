import { z } from "zod";
import { defineCommand } from "../core/router/command.js";
import { reply } from "../core/router/reply.js";

export default defineCommand({
  name: "unalert",
  group: "Alerts",
  summary: "Remove an alert by id, or all of them",
  usage: "unalert <id|all>",
  examples: ["/unalert k3x9pq", "/unalert all"],
  scope: "public",
  // proposed by the model ("thanks, that's all" -> unalert all), it waits for the requester's Confirm
  confirmFromModel: true,
  args: z.object({ id: z.string().regex(/^([a-z2-9]{6}|all)$/i, "Give an alert id from /alerts, or all") }),
  positional: ["id"],
  needs: ["alerts"],
  async run(ctx, { id }) {
    const { alerts } = ctx.services;
    if (id.toLowerCase() === "all") {
      const n = await alerts.cancelAll(ctx.user.id);
      return reply("success").line(n ? `Removed ${n} alert${n === 1 ? "" : "s"}.` : "You had no active alerts.").build();
    }
    const ok = await alerts.cancel(ctx.user.id, id);
    return reply(ok ? "success" : "info").line(ok ? `Alert ${id.toLowerCase()} removed.` : `Alert ${id.toLowerCase()} was not active.`).build();
  },
});
