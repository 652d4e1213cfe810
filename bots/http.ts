import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Logger } from "../core/ports/logger.port.js";

export type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** The one HTTP server on HTTP_PORT: webhooks, interactions, health and metrics mount their paths here. */
export class HttpServer {
  private readonly routes = new Map<string, Handler>();
  private server: Server | undefined;

  constructor(private readonly log: Logger) {}

  route(path: string, handler: Handler): this {
    this.routes.set(path, handler);
    return this;
  }

  get size(): number {
    return this.routes.size;
  }

  async listen(port: number, host = "0.0.0.0"): Promise<number> {
    this.server = createServer((req, res) => {
      const path = (req.url ?? "/").split("?")[0]!;
      const h = this.routes.get(path);
      if (!h) {
        res.writeHead(404, { "content-type": "text/plain" }).end("not found");
        return;
      }
      Promise.resolve(h(req, res)).catch((err: unknown) => {
        this.log.error({ err, path }, "http handler failed");
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once("error", reject);
      this.server!.listen(port, host, () => resolve());
    });
    const addr = this.server.address();
    return typeof addr === "object" && addr ? addr.port : port;
  }

  /** Stops accepting connections and waits for requests in flight (webhooks being handled) to finish. */
  async close(): Promise<void> {
    const s = this.server;
    if (!s) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeIdleConnections();
      const idle = setInterval(() => s.closeIdleConnections(), 100);
      s.once("close", () => clearInterval(idle));
    });
  }
}
