import { randomUUID } from "node:crypto";
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { isButtonRefusal } from "../../core/errors.js";
import type { InboundMessage, Reply } from "../../core/domain/message.js";
import { plainText } from "../../core/router/reply.js";
import type { WebCaller } from "../../core/ports/web-access.port.js";
import { ApiError, callerOf, type WebEnv } from "./auth.js";
import * as S from "./api-schemas.js";
import type { WebDeps } from "./web-deps.js";

type ReplyJson = { kind: string; text: string; actions?: { confirm?: string; cancel?: string } };

/** A reply's buttons as the API names them: Cancel, and the other one (Confirm, or the risk acknowledgement). */
function replyJson(r: Reply): ReplyJson {
  const buttons = (r.buttons ?? []).flat();
  const cancel = buttons.find((b) => b.label === "Cancel");
  const confirm = buttons.find((b) => b !== cancel);
  const actions = { ...(confirm ? { confirm: confirm.action } : {}), ...(cancel ? { cancel: cancel.action } : {}) };
  return { kind: r.kind, text: plainText(r), ...(confirm || cancel ? { actions } : {}) };
}

/** Why the router refused, as an HTTP status. */
function statusOf(code: string): 400 | 403 | 404 | 409 | 429 {
  if (code === "not_your_button" || code === "private_only" || code === "admin_only") return 403;
  if (isButtonRefusal(code)) return 409;
  if (code === "rate_limited") return 429;
  if (code.endsWith("_unknown")) return 404;
  return 400;
}

/**
 * Runs one command (or presses one button) through the router exactly as a chat message from the
 * caller's private chat: the same parsing, preconditions, preview, Confirm bound to the requester and
 * exactly-once execution. Each HTTP request is its own update. A refusal becomes an ApiError.
 */
export async function viaRouter(deps: WebDeps, caller: WebCaller, input: { text: string } | { action: string }): Promise<ReplyJson> {
  const msg: InboundMessage = {
    platform: "web",
    updateId: `web:${randomUUID()}`,
    chat: { id: caller.userId, kind: "private" },
    sender: { id: caller.userId, name: "" },
    text: "text" in input ? input.text : "",
    ...("action" in input ? { action: input.action } : {}),
    directed: true,
  };
  const replies: Array<{ reply: Reply; code?: string }> = [];
  await deps.handle(msg, async (reply, meta) => {
    replies.push({ reply, ...(meta?.code ? { code: meta.code } : {}) });
  });
  const failed = replies.find((r) => r.code);
  if (failed?.code) {
    if (failed.code === "internal" || failed.code === "unavailable") throw new Error(`router: ${failed.code}: ${plainText(failed.reply)}`);
    throw new ApiError(statusOf(failed.code), failed.code, plainText(failed.reply));
  }
  const main = replies.find((r) => r.reply.buttons?.length) ?? replies[0];
  if (!main) throw new ApiError(400, "no_reply", "The command gave no answer.");
  const out = replyJson(main.reply);
  const rest = replies.filter((r) => r !== main).map((r) => plainText(r.reply));
  return rest.length ? { ...out, text: [out.text, ...rest].join("\n\n") } : out;
}

/** Words the chat command takes, from the JSON request (each already validated as one word). */
export function automationText(a: typeof S.AutomationRequest._output): string {
  const price = a.price === undefined ? undefined : String(a.price);
  const need = (v: string | undefined, what: string) => {
    if (!v) throw new ApiError(400, "bad_args", `A ${a.kind} needs ${what}.`);
    return v;
  };
  switch (a.kind) {
    case "limit":
      return ["/limit", a.side ?? "buy", a.token, need(a.amount, "an amount"), a.pay, "at", need(price, "a price")].filter(Boolean).join(" ");
    case "stop":
    case "tp":
      return [`/${a.kind}`, a.token, "at", need(price, "a price or N%"), a.amount].filter(Boolean).join(" ");
    case "trail":
      return ["/trail", a.token, need(price, "a distance N%"), a.amount].filter(Boolean).join(" ");
    case "dca":
      return ["/dca", a.token, need(a.amount, "an amount"), a.pay, "every", need(a.every, "every (1h..30d)"), a.times ? `times ${a.times}` : undefined].filter(Boolean).join(" ");
  }
}

const post = <B extends Parameters<typeof S.body>[0]>(path: string, summary: string, schema: B, out: Parameters<typeof S.json>[0] = S.ReplyBody) =>
  createRoute({ method: "post", path, summary, request: S.body(schema), responses: { ...S.json(out, "The reply"), ...S.writeErrors() } });

/** State-changing routes: every one is a command or a button press through the router. */
export function mountWrites(api: OpenAPIHono<WebEnv>, deps: WebDeps): void {
  const previewOf = async (caller: WebCaller, text: string) => {
    const r = await viaRouter(deps, caller, { text });
    if (!r.actions?.confirm) throw new ApiError(400, "no_preview", r.text);
    return { preview: { kind: r.kind, text: r.text, actions: r.actions } };
  };
  api.openapi(post("/trades/preview", "Preview a buy or sell; confirm it with POST /actions/{confirm}", S.TradePreviewRequest, S.Preview), async (c) => {
    const t = c.req.valid("json");
    return c.json(await previewOf(callerOf(c), [`/${t.side}`, t.token, t.amount, t.pay].filter(Boolean).join(" ")), 200);
  });
  api.openapi(
    createRoute({
      method: "post",
      path: "/actions/{action}",
      summary: "Press a reply's button (Confirm or Cancel); each works once, for the user it was issued to",
      request: { params: S.ActionParam },
      responses: { ...S.json(S.ReplyBody, "The reply"), ...S.writeErrors() },
    }),
    async (c) => c.json({ reply: await viaRouter(deps, callerOf(c), { action: c.req.valid("param").action }) }, 200),
  );
  api.openapi(post("/alerts", "Create a price alert", S.AlertRequest), async (c) => {
    const a = c.req.valid("json");
    return c.json({ reply: await viaRouter(deps, callerOf(c), { text: `/alert ${a.token} ${a.op} ${a.price}` }) }, 200);
  });
  api.openapi(
    createRoute({ method: "delete", path: "/alerts/{id}", summary: "Remove an alert", request: { params: S.IdParam }, responses: { ...S.json(S.ReplyBody, "The reply"), ...S.writeErrors() } }),
    async (c) => c.json({ reply: await viaRouter(deps, callerOf(c), { text: `/unalert ${c.req.valid("param").id}` }) }, 200),
  );
  api.openapi(post("/automations/preview", "Preview an automation; confirm it with POST /actions/{confirm}", S.AutomationRequest, S.Preview), async (c) =>
    c.json(await previewOf(callerOf(c), automationText(c.req.valid("json"))), 200),
  );
  api.openapi(
    createRoute({
      method: "delete",
      path: "/automations/{id}",
      summary: "Cancel an automation",
      request: { params: S.IdParam },
      responses: { ...S.json(S.ReplyBody, "The reply"), ...S.writeErrors() },
    }),
    async (c) => c.json({ reply: await viaRouter(deps, callerOf(c), { text: `/auto cancel ${c.req.valid("param").id}` }) }, 200),
  );
  api.openapi(
    createRoute({
      method: "patch",
      path: "/settings",
      summary: "Change one setting (the words /settings takes)",
      request: S.body(S.SettingsPatch),
      responses: { ...S.json(S.ReplyBody, "The reply"), ...S.writeErrors() },
    }),
    async (c) => {
      const s = c.req.valid("json");
      if (/[\r\n/]/.test(s.value)) throw new ApiError(400, "bad_args", "A setting's value is one line of words.");
      return c.json({ reply: await viaRouter(deps, callerOf(c), { text: `/settings ${s.name} ${s.value}`.trim() }) }, 200);
    },
  );
  for (const verb of ["pause", "resume"] as const) {
    api.openapi(
      createRoute({ method: "post", path: `/treasury/${verb}`, summary: `${verb === "pause" ? "Pause" : "Resume"} the treasury (admin only)`, responses: { ...S.json(S.ReplyBody, "The reply"), ...S.writeErrors() } }),
      async (c) => c.json({ reply: await viaRouter(deps, callerOf(c), { text: `/treasury ${verb}` }) }, 200),
    );
  }
}
