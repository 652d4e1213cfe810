import type { StreamAuth } from "../adapters/web/stream-auth.js";
import type { StreamServer } from "../adapters/web/stream.js";
import type { App } from "./app.js";
import type { HttpServer } from "./http.js";

export const STREAM_PATH = "/api/v1/stream";

/**
 * The WebSocket `/api/v1/stream` on the HTTP server: price ticks from the market's bus, the user's own
 * events from the pushes Notifications tells, credentials checked by `auth` (the web adapter's sessions
 * and API tokens). Loaded on the first upgrade request (ws and the stream cost nothing until then, and
 * it listens to prices only from then on); the HTTP server's close ends its connections. Returns the
 * stream, loading it if need be (tests).
 */
export function mountStream(app: App, http: HttpServer, opts: { auth: StreamAuth; origin: string }): () => Promise<StreamServer> {
  let loading: Promise<StreamServer> | undefined;
  const load = async () => {
    const { StreamServer } = await import("../adapters/web/stream.js");
    return new StreamServer({
      auth: opts.auth,
      prices: app.market.bus,
      events: app.services.notifications,
      ...(app.userEvents ? { remoteEvents: app.userEvents } : {}),
      log: app.log.child({ component: "web-stream" }),
      origin: opts.origin,
      explorerTx: app.services.info.explorerTx,
    });
  };
  const stream = () =>
    (loading ??= load().catch((err: unknown) => {
      loading = undefined; // tried again by the next request
      throw err;
    }));
  http.upgrade(
    STREAM_PATH,
    (req, socket, head) => {
      stream().then(
        (s) => s.upgrade(req, socket, head),
        (err: unknown) => {
          app.log.error({ err }, "web stream could not be loaded");
          socket.destroy();
        },
      );
    },
    async () => {
      if (loading) await (await loading).stop();
    },
  );
  return stream;
}
