import type { StreamAuth } from "../adapters/web/stream-auth.js";
import type { StreamServer } from "../adapters/web/stream.js";
import type { App } from "./app.js";
import type { HttpServer } from "./http.js";

export const STREAM_PATH = "/api/v1/stream";

/**
 * The WebSocket `/api/v1/stream` on the HTTP server (loaded only with the web adapter): price ticks from
 * the market's bus, the user's own events from the pushes Notifications tells, credentials checked by
 * `auth` (the web adapter's sessions and API tokens). The HTTP server's close ends its connections.
 */
export async function mountStream(app: App, http: HttpServer, opts: { auth: StreamAuth; origin: string }): Promise<StreamServer> {
  const { StreamServer } = await import("../adapters/web/stream.js");
  const stream = new StreamServer({
    auth: opts.auth,
    prices: app.market.bus,
    events: app.services.notifications,
    log: app.log.child({ component: "web-stream" }),
    origin: opts.origin,
    explorerTx: app.services.info.explorerTx,
  });
  http.upgrade(STREAM_PATH, stream.upgrade, () => stream.stop());
  return stream;
}
