import { z } from "zod";
import { formatUtc } from "../core/domain/format.js";
import { UserError } from "../core/errors.js";
import { choiceArg, defineCommand } from "../core/router/command.js";
import { bold, code, reply } from "../core/router/reply.js";
import { requireWeb } from "./web.common.js";

const USAGE = "Use /api token new read|trade [label], /api token list or /api token revoke <id>";

export default defineCommand({
  name: "api",
  group: "Account",
  summary: "REST API tokens: create (read or trade scope), list, revoke",
  usage: "api token new read|trade [label] | api token list | api token revoke <id>",
  examples: ["/api token new read grafana", "/api token new trade my-script", "/api token list", "/api token revoke 3f9a1c2b7d4e"],
  scope: "private",
  llmTool: false,
  args: z.object({
    what: choiceArg(["token"], USAGE),
    action: choiceArg(["new", "list", "revoke"], USAGE).default("list"),
    rest: z.array(z.string().max(64)).max(8).default([]),
  }),
  positional: ["what", "action", "rest"],
  variadic: true,
  needs: ["web"],
  async run(ctx, { action, rest }) {
    const web = requireWeb(ctx.services);
    const userId = ctx.user.id;
    if (action === "new") {
      const scope = rest[0]?.toLowerCase();
      if (scope !== "read" && scope !== "trade") throw new UserError("bad_args", "Say the scope: /api token new read [label] or /api token new trade [label].");
      const label = rest.slice(1).join(" ").replace(/[^\w .:@-]/g, "").slice(0, 40) || scope;
      const { id, token } = await web.createToken(userId, scope, label);
      return reply("warning")
        .line(bold("New API token"), ` (${scope}, "${label}", id ${id}). It is shown this once:`)
        .line(code(token))
        .line("Send it as ", code("Authorization: Bearer <token>"), ` to ${web.baseUrl}/api/v1. Revoke it with `, code(`/api token revoke ${id}`), ".")
        .deleteAfter(300)
        .build();
    }
    if (action === "revoke") {
      const id = rest[0]?.toLowerCase() ?? "";
      if (!(await web.revokeToken(userId, id))) throw new UserError("api_token_unknown", `You have no live API token with id ${id || "(none given)"}: see /api token list.`);
      return reply("success").line(bold("Revoked."), ` Token ${id} stops working at once.`).build();
    }
    const tokens = await web.listTokens(userId);
    if (!tokens.length) return reply().line("You have no API tokens. Create one with ", code("/api token new read [label]"), ".").build();
    return reply()
      .table(
        tokens.map((t): [string, string] => [
          t.id,
          `${t.scope} "${t.label}" made ${formatUtc(t.createdAt)}${t.revokedAt !== null ? `, revoked ${formatUtc(t.revokedAt)}` : t.lastUsedAt !== null ? `, last used ${formatUtc(t.lastUsedAt)}` : ", never used"}`,
        ]),
        "API tokens",
      )
      .build();
  },
});
