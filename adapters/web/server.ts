import { OpenAPIHono } from "@hono/zod-openapi";
import { Hono } from "hono";
import { ApiError, authenticate, securityHeaders, type WebEnv } from "./auth.js";
import { mountReads } from "./api-reads.js";
import { mountWrites } from "./api-writes.js";
import { mountLogin } from "./login.js";
import { mountStatic } from "./static.js";
import type { WebDeps } from "./web-deps.js";

export type { WebDeps, WebReads, WebHandle } from "./web-deps.js";
export { LINK_REFUSED } from "./login.js";
export { SESSION_COOKIE, CSP } from "./auth.js";

export const API_PREFIX = "/api/v1";

/** The REST API: zod schemas validate requests and generate the OpenAPI 3.1 document served at /openapi.json. */
export function createApi(deps: WebDeps): OpenAPIHono<WebEnv> {
  const api = new OpenAPIHono<WebEnv>({
    defaultHook: (result, c) => {
      if (!result.success) {
        const issue = result.error.issues[0];
        return c.json({ error: "bad_request", message: issue ? `${issue.path.join(".") || "body"}: ${issue.message}` : "invalid request" }, 400);
      }
      return undefined;
    },
  });
  api.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer", description: "pst_<id>_<secret> from /api token new" });
  api.openAPIRegistry.registerComponent("securitySchemes", "session", { type: "apiKey", in: "cookie", name: "purser_session" });
  api.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "Purser API",
      version: "1",
      description: "Read the portfolio, trades, alerts and automations; preview trades and automations and confirm them with the reply's action. Never withdrawals or exports.",
    },
    servers: [{ url: API_PREFIX }],
    security: [{ bearer: [] }, { session: [] }],
  });
  const auth = authenticate(deps);
  api.use("*", async (c, next) => (c.req.path === `${API_PREFIX}/openapi.json` ? next() : auth(c, next)));
  mountReads(api, deps);
  mountWrites(api, deps);
  return api;
}

/** Everything the web adapter serves: /web (sign-in, dashboard, assets) and /api/v1. */
export function createWebApp(deps: WebDeps): Hono {
  const app = new Hono();
  app.use("*", securityHeaders);
  app.onError((err, c) => {
    if (err instanceof ApiError) {
      if (err.retryAfterS !== undefined) c.header("Retry-After", String(err.retryAfterS));
      return c.json({ error: err.error, message: err.message }, err.status);
    }
    deps.log.error({ err, path: c.req.path }, "web request failed");
    return c.json({ error: "internal", message: "Something went wrong; it has been logged." }, 500);
  });
  app.notFound((c) => c.json({ error: "not_found", message: "No such route." }, 404));
  mountLogin(app, deps);
  mountStatic(app, deps);
  app.route(API_PREFIX, createApi(deps));
  return app;
}
