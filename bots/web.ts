import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { App } from "./app.js";
import type { HttpServer } from "./http.js";
import { webReads } from "./web-reads.js";

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
 * The web dashboard and REST API (issue 21) on the HTTP server: /web and /api/v1. Loaded only when
 * WEB=on, and lazily (Hono and the API's schemas are not imported otherwise). Returns the Hono app's
 * fetch for tests.
 */
export async function mountWeb(app: App, http: HttpServer): Promise<((req: Request) => Promise<Response>) | undefined> {
  const access = app.services.web;
  if (app.config.WEB !== "on" || !access) return undefined;
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
  const fetch = async (req: Request) => web.fetch(req);
  http.mount("/web", fetch);
  http.mount("/api/v1", fetch);
  // The live stream (/api/v1/stream, an upgrade on the same server): the same sessions and API tokens,
  // looked up again on each connection, and cookies only from the dashboard's own origin.
  const { mountStream } = await import("./web-stream.js");
  const principal = (c: { userId: string; scope: string } | undefined) => (c ? { userId: c.userId, scope: c.scope } : undefined);
  await mountStream(app, http, {
    auth: { session: async (cookie) => principal(await access.session(cookie)), token: async (token) => principal(await access.verifyToken(token)) },
    origin: new URL(access.baseUrl).origin,
  });
  return fetch;
}
