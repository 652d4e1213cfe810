import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { deleteCookie } from "hono/cookie";
import { ApiError, callerOf, SESSION_COOKIE, type WebEnv } from "./auth.js";
import * as S from "./api-schemas.js";
import type { WebDeps } from "./web-deps.js";

const DAY = 86_400_000;
const get = (path: string, summary: string, responses: ReturnType<typeof S.json>) =>
  createRoute({ method: "get", path, summary, responses: { ...responses, ...S.readErrors() } });
const getQ = <Q extends typeof S.HistoryQuery | typeof S.PricesQuery | typeof S.AuditQuery>(path: string, summary: string, responses: ReturnType<typeof S.json>, query: Q) =>
  createRoute({ method: "get", path, summary, request: { query }, responses: { ...responses, ...S.readErrors() } });

/** Admin-only reads and writes: a 403 for anyone else (the same rule as the chat's admin scope). */
export async function requireAdmin(deps: WebDeps, userId: string): Promise<void> {
  if ((await deps.reads.me(userId)).role !== "admin") throw new ApiError(403, "forbidden", "Only an admin may see the treasury and the audit log.");
}

/** The GET routes: read straight from the services (nothing here changes anything). */
export function mountReads(api: OpenAPIHono<WebEnv>, deps: WebDeps): void {
  api.openapi(get("/session", "Who is signed in, and the CSRF token for state-changing requests (cookie sessions only)", S.json(S.Session, "The session")), async (c) => {
    const caller = callerOf(c);
    const cookie = c.get("cookie");
    if (caller.via !== "session" || !cookie) throw new ApiError(403, "forbidden", "Only a cookie session has a CSRF token; API tokens need none.");
    const me = await deps.reads.me(caller.userId);
    return c.json({ userId: caller.userId, name: me.name, role: me.role, csrf: deps.access.csrfToken(cookie) }, 200);
  });
  api.openapi(
    createRoute({ method: "delete", path: "/session", summary: "Sign this browser out", responses: { ...S.json(S.ReplyBody, "Signed out"), ...S.writeErrors() } }),
    async (c) => {
      const cookie = c.get("cookie");
      if (cookie) await deps.access.logout(cookie);
      deleteCookie(c, SESSION_COOKIE, { path: "/" });
      return c.json({ reply: { kind: "success", text: "Signed out." } }, 200);
    },
  );
  api.openapi(get("/portfolio", "Holdings, allocation and PnL", S.json(S.Portfolio, "The portfolio")), async (c) => c.json(await deps.reads.portfolio(callerOf(c).userId), 200));
  api.openapi(
    getQ("/portfolio/history", "Value of the trading book over time", S.json(S.PortfolioHistory, "Value points"), S.HistoryQuery),
    async (c) => {
      const { days } = c.req.valid("query");
      return c.json({ points: await deps.reads.history(callerOf(c).userId, deps.clock.now() - days * DAY) }, 200);
    },
  );
  api.openapi(get("/trades", "Your trades, newest first", S.json(S.Trades, "Trades")), async (c) => c.json({ trades: await deps.reads.trades(callerOf(c).userId) }, 200));
  api.openapi(getQ("/prices", "USD prices of tokens", S.json(S.Prices, "Prices"), S.PricesQuery), async (c) => {
    const tokens = c.req.valid("query").tokens.split(",").filter(Boolean).slice(0, 20);
    return c.json({ prices: await deps.reads.prices(tokens) }, 200);
  });
  api.openapi(get("/alerts", "Your price alerts", S.json(S.Alerts, "Alerts")), async (c) => c.json({ alerts: await deps.reads.alerts(callerOf(c).userId) }, 200));
  api.openapi(get("/automations", "Your automations (limit, stop, tp, trail, dca)", S.json(S.Automations, "Automations")), async (c) =>
    c.json({ automations: await deps.reads.automations(callerOf(c).userId) }, 200),
  );
  api.openapi(get("/settings", "Your settings", S.json(S.Settings, "Settings")), async (c) => c.json(await deps.reads.settings(callerOf(c).userId), 200));
  api.openapi(get("/treasury", "The treasury: allocation against targets, pause state (admin only)", S.json(S.Treasury, "The treasury")), async (c) => {
    await requireAdmin(deps, callerOf(c).userId);
    const t = await deps.reads.treasury();
    if (!t) throw new ApiError(404, "treasury_off", "No treasury is configured on this deployment.");
    return c.json(t, 200);
  });
  api.openapi(getQ("/audit", "The audit log, newest first (admin only)", S.json(S.Audit, "Audit entries"), S.AuditQuery), async (c) => {
    await requireAdmin(deps, callerOf(c).userId);
    return c.json({ entries: await deps.reads.audit(c.req.valid("query").limit) }, 200);
  });
}
