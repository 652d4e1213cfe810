import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { App } from "./app.js";
import type { HttpServer } from "./http.js";
import { webReads } from "./web-reads.js";
import { mountStream } from "./web-stream.js";

/** The repository root (the nearest package.json above this module: bots/ under tsx, dist/bots/ compiled). */
function repoRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; ) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "node_modules"))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no repository root above ${import.meta.url}`);
    dir = up;
  }
}

/**
 * The web dashboard, REST API and live stream (issue 21) on the HTTP server: /web, /api/v1 and the
 * WebSocket /api/v1/stream. Mounted only when WEB=on, and loaded lazily: Hono, the API's schemas and
 * the OpenAPI registry (ws for the stream) are imported on the first request under those paths, so a
 * Purser nobody opens the dashboard of pays nothing for it (start-up time, idle memory). Returns the
 * fetch handler (tests call it directly).
 */
export async function mountWeb(app: App, http: HttpServer): Promise<((req: Request) => Promise<Response>) | undefined> {
  const access = app.services.web;
  if (app.config.WEB !== "on" || !access) return undefined;
  const load = async () => {
    const { createWebApp } = await import("../adapters/web/server.js");
    const root = repoRoot();
    const web = createWebApp({
      access,
      handle: (msg, respond) => app.router.handle(msg, respond),
      reads: webReads(app),
      tokenLimiter: app.limiters.create("api-token", { points: app.config.API_TOKEN_RATE_PER_MIN, durationS: 60 }),
      clock: app.clock,
      log: app.log.child({ component: "web" }),
      publicDir: join(root, "adapters", "web", "public"),
      nodeModulesDir: join(root, "node_modules"),
      tradingMode: app.config.TRADING_MODE,
    });
    return (req: Request) => web.fetch(req);
  };
  let loading: Promise<(req: Request) => Response | Promise<Response>> | undefined;
  const fetch = async (req: Request): Promise<Response> => {
    loading ??= load().catch((err: unknown) => {
      loading = undefined; // a failed load is tried again by the next request
      throw err;
    });
    return (await loading)(req);
  };
  http.mount("/web", fetch);
  http.mount("/api/v1", fetch);
  // The live stream: the same sessions (Origin checked against WEB_BASE_URL) and API tokens.
  mountStream(app, http, { auth: { session: (c) => access.session(c), token: (t) => access.verifyToken(t) }, origin: access.baseUrl });
  return fetch;
}
