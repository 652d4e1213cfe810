import { z } from "zod";
import { defineCommand } from "../core/router/command.js";
import { bold, reply } from "../core/router/reply.js";

/** A word (stored detail is data: only short identifiers are shown). */
const word = (v: unknown) => (typeof v === "string" && /^[\w.-]{1,32}$/.test(v) ? v : undefined);

/** What an attempt came to, when the event records one: ": FAILED (bad_code, withdraw)", ": ok (setup)". */
function outcome(detail: Record<string, unknown> | undefined): string {
  if (!detail || typeof detail.ok !== "boolean") return "";
  const why = [word(detail.reason), word(detail.purpose)].filter(Boolean).join(", ");
  return `: ${detail.ok ? "ok" : "FAILED"}${why ? ` (${why})` : ""}`;
}

export default defineCommand({
  name: "audit",
  group: "Admin",
  summary: "Show recent security-relevant events",
  usage: "audit [count]",
  examples: ["/audit", "/audit 50"],
  scope: "admin",
  args: z.object({ count: z.coerce.number().int("count must be a whole number").min(1).max(100).default(20) }),
  positional: ["count"],
  privateReply: true,
  llmTool: false,
  needs: ["audit"],
  async run(ctx, { count }) {
    const rows = await ctx.services.audit.recent(count);
    if (!rows.length) return reply().line("No audit events yet.").build();
    return reply()
      .line(bold(`Last ${rows.length} audit events`))
      .table(
        rows.map((e) => [
          new Date(e.at).toISOString().replace("T", " ").slice(0, 19),
          `${e.action}${e.userId ? ` user ${e.userId.slice(0, 8)}` : ""}${e.platform ? ` (${e.platform})` : ""}${outcome(e.detail)}`,
        ]),
      )
      .build();
  },
});
