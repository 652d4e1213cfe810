import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { Logger } from "../core/ports/logger.port.js";
import { refuse } from "../adapters/web/stream-auth.js";

/** A route's handler gets the request body already read (at most the server's cap). */
export type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void | Promise<void>;

/**
 * A protocol upgrade (WebSocket) on an exact path: the handler owns the socket from here (answers
 * 101, or an HTTP error and destroys it).
 */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** A fetch-style app (Hono's `app.fetch`) mounted under a path prefix. */
export type FetchHandler = (req: Request) => Response | Promise<Response>;

/** Largest request body any route accepts (webhook updates and interactions are a few KB). */
export const MAX_BODY_BYTES = 1 << 20;
/** After a 413 the rest of the body is read and thrown away, up to this much or this long, then the socket closes. */
const DRAIN_MAX_BYTES = 8 << 20;
const DRAIN_MAX_MS = 5000;

export interface HttpServerOptions {
  maxBodyBytes?: number;
}

/**
 * The one HTTP server on HTTP_PORT: webhooks, interactions, health and metrics mount their paths here.
 * It reads every request body itself, capped: a declared Content-Length over the cap gets 413 before
 * anything is read (and no 100 Continue), a chunked body gets 413 as soon as the cap is crossed. The
 * rest is never buffered: it is drained and discarded while the 413 reaches the client (closing at once
 * would often reset the connection before the client read the answer), then the socket is closed.
 */
export class HttpServer {
  private readonly routes = new Map<string, Handler>();
  private readonly upgrades = new Map<string, { handler: UpgradeHandler; close?: () => Promise<void> }>();
  /** Prefix mounts, longest first: `/web` takes `/web` and `/web/...`, never `/webhook`. */
  private readonly mounts: Array<{ prefix: string; handler: Handler }> = [];
  private server: Server | undefined;
  private readonly maxBody: number;

  constructor(
    private readonly log: Logger,
    opts: HttpServerOptions = {},
  ) {
    this.maxBody = opts.maxBodyBytes ?? MAX_BODY_BYTES;
  }

  route(path: string, handler: Handler): this {
    this.routes.set(path, handler);
    return this;
  }

  /**
   * Upgrade requests to `path` go to `handler`; `close` ends its connections on shutdown (upgraded
   * sockets are no longer requests the server waits for by itself).
   */
  upgrade(path: string, handler: UpgradeHandler, close?: () => Promise<void>): this {
    this.upgrades.set(path, close ? { handler, close } : { handler });
    return this;
  }

  /**
   * Serves every path under `prefix` (`/api/v1` -> `/api/v1` and `/api/v1/...`) with a fetch-style app;
   * exact routes win. The body arrives read and capped as for any route.
   */
  mount(prefix: string, app: FetchHandler): this {
    const p = prefix.replace(/\/+$/, "");
    this.mounts.push({ prefix: p, handler: fetchRoute(app) });
    this.mounts.sort((a, b) => b.prefix.length - a.prefix.length);
    return this;
  }

  get size(): number {
    return this.routes.size + this.mounts.length + this.upgrades.size;
  }

  private find(path: string): Handler | undefined {
    const exact = this.routes.get(path);
    if (exact) return exact;
    return this.mounts.find((m) => path === m.prefix || path.startsWith(`${m.prefix}/`))?.handler;
  }

  async listen(port: number, host = "0.0.0.0"): Promise<number> {
    this.server = createServer((req, res) => void this.dispatch(req, res));
    // `Expect: 100-continue`: an oversized body is refused before the client sends it.
    this.server.on("checkContinue", (req: IncomingMessage, res: ServerResponse) => {
      if (!this.declaredTooLarge(req)) res.writeContinue();
      void this.dispatch(req, res);
    });
    this.server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => this.dispatchUpgrade(req, socket, head));
    await new Promise<void>((resolve, reject) => {
      this.server!.once("error", reject);
      this.server!.listen(port, host, () => resolve());
    });
    const addr = this.server.address();
    return typeof addr === "object" && addr ? addr.port : port;
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0]!;
    const h = this.find(path);
    if (!h) {
      answerAndDrain(req, res, this.declaredTooLarge(req) ? 413 : 404, this.declaredTooLarge(req) ? "request body too large" : "not found");
      return;
    }
    const body = await this.readBody(req, res, path);
    if (!body) return;
    try {
      await h(req, res, body);
    } catch (err) {
      this.log.error({ err, path }, "http handler failed");
      if (!res.headersSent) res.writeHead(500).end();
    }
  }

  private dispatchUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on("error", () => undefined); // a client gone mid-handshake is not the process's error
    const u = this.upgrades.get((req.url ?? "/").split("?")[0]!);
    if (!u) {
      refuse(socket, 404);
      return;
    }
    try {
      u.handler(req, socket, head);
    } catch (err) {
      this.log.error({ err, path: req.url }, "upgrade handler failed");
      refuse(socket, 500);
    }
  }

  private declaredTooLarge(req: IncomingMessage): boolean {
    const declared = req.headers["content-length"];
    return declared !== undefined && !(Number(declared) <= this.maxBody);
  }

  /** The body, or undefined when it was refused (413) or the client went away. */
  private readBody(req: IncomingMessage, res: ServerResponse, path: string): Promise<Buffer | undefined> {
    if (this.declaredTooLarge(req)) {
      this.refuseTooLarge(req, res, path, Number(req.headers["content-length"]));
      return Promise.resolve(undefined);
    }
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const stop = () => {
        req.off("data", onData).off("end", onEnd).off("error", onGone).off("close", onGone);
      };
      const onData = (c: Buffer) => {
        size += c.length;
        if (size <= this.maxBody) {
          chunks.push(c);
          return;
        }
        stop();
        chunks.length = 0;
        this.refuseTooLarge(req, res, path, size);
        resolve(undefined);
      };
      const onEnd = () => {
        stop();
        resolve(Buffer.concat(chunks, size));
      };
      const onGone = () => {
        stop();
        resolve(undefined);
      };
      req.on("data", onData).on("end", onEnd).on("error", onGone).on("close", onGone);
    });
  }

  private refuseTooLarge(req: IncomingMessage, res: ServerResponse, path: string, bytes: number): void {
    this.log.warn({ path, bytes, limit: this.maxBody }, "request body too large: refused with 413");
    answerAndDrain(req, res, 413, `request body too large (limit ${this.maxBody} bytes)`);
  }

  /** Stops accepting connections and waits for requests in flight (webhooks being handled) to finish. */
  async close(): Promise<void> {
    const s = this.server;
    if (!s) return;
    this.server = undefined;
    await Promise.all([...this.upgrades.values()].map((u) => u.close?.().catch((err: unknown) => this.log.warn({ err }, "upgrade close failed"))));
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeIdleConnections();
      const idle = setInterval(() => s.closeIdleConnections(), 100);
      s.once("close", () => clearInterval(idle));
    });
  }
}

/** Node's request (body already read) as a fetch Request, and the app's Response written back. */
function fetchRoute(app: FetchHandler): Handler {
  return async (req, res, body) => {
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) {
      if (v === undefined) continue;
      for (const one of Array.isArray(v) ? v : [v]) headers.append(k, one);
    }
    const method = req.method ?? "GET";
    const url = `http://${req.headers.host ?? "localhost"}${req.url ?? "/"}`;
    const hasBody = method !== "GET" && method !== "HEAD" && body.length > 0;
    const response = await app(new Request(url, { method, headers, ...(hasBody ? { body } : {}) }));
    const out: Record<string, string | string[]> = {};
    response.headers.forEach((v, k) => {
      if (k === "set-cookie") return;
      out[k] = v;
    });
    const cookies = response.headers.getSetCookie();
    if (cookies.length) out["set-cookie"] = cookies;
    const buf = method === "HEAD" || !response.body ? undefined : Buffer.from(await response.arrayBuffer());
    res.writeHead(response.status, out).end(buf);
  };
}

/**
 * Answers at once, then reads whatever body is left and throws it away (bounded in bytes and time) so
 * the answer reaches the client before the connection closes; a body that ends in time keeps the
 * connection usable.
 */
function answerAndDrain(req: IncomingMessage, res: ServerResponse, status: number, text: string): void {
  let drained = 0;
  const close = () => {
    clearTimeout(timer);
    req.socket.destroy();
  };
  const timer = setTimeout(close, DRAIN_MAX_MS);
  timer.unref();
  req.on("data", (c: Buffer) => {
    drained += c.length;
    if (drained > DRAIN_MAX_BYTES) close();
  });
  req.once("end", () => clearTimeout(timer)).once("close", () => clearTimeout(timer));
  req.on("error", () => undefined);
  res.writeHead(status, { "content-type": "text/plain" }).end(text);
}

