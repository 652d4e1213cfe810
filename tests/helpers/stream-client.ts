import type { Socket } from "node:net";
import { WebSocket, type ClientOptions } from "ws";

/** A message the stream sent, parsed. */
export type StreamMsg = Record<string, unknown> & { type: string };

/**
 * A real `ws` client of `/api/v1/stream` that keeps every message and lets a test wait for the one it
 * expects (never for time). `until(pred)` looks at what arrived already, then at what arrives next.
 */
export class StreamClient {
  readonly messages: StreamMsg[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: Array<{ pred: (m: StreamMsg) => boolean; resolve: (m: StreamMsg) => void; from: number }> = [];

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on("message", (data) => {
      const m = JSON.parse(data.toString()) as StreamMsg;
      this.messages.push(m);
      const i = this.messages.length - 1;
      this.waiters = this.waiters.filter((w) => {
        if (i < w.from || !w.pred(m)) return true;
        w.resolve(m);
        return false;
      });
    });
    ws.on("error", () => undefined);
  }

  /** Opens a connection; rejects with the HTTP status when the upgrade is refused. */
  static open(url: string, opts: ClientOptions = {}): Promise<StreamClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, opts);
      const c = new StreamClient(ws);
      ws.once("open", () => resolve(c));
      ws.once("unexpected-response", (_req, res) => {
        reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode }));
        res.resume();
        ws.terminate();
      });
      ws.once("error", reject);
    });
  }

  /** The first message (from index `from`) that matches; waits for it if it has not arrived yet. */
  until(pred: (m: StreamMsg) => boolean, from = 0): Promise<StreamMsg> {
    const seen = this.messages.slice(from).find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ pred, resolve, from }));
  }

  type(t: string, from = 0): Promise<StreamMsg> {
    return this.until((m) => m.type === t, from);
  }

  send(msg: unknown): void {
    this.ws.send(JSON.stringify(msg));
  }

  /** Subscribes and waits for the server's acknowledgement. */
  async subscribe(...prices: string[]): Promise<StreamMsg> {
    const from = this.messages.length;
    this.send({ type: "subscribe", prices });
    return this.type("subscribed", from);
  }

  async unsubscribe(...prices: string[]): Promise<StreamMsg> {
    const from = this.messages.length;
    this.send({ type: "unsubscribe", prices });
    return this.type("subscribed", from);
  }

  /** Stops reading from the socket (a client that cannot keep up), or reads again. */
  pause(): void {
    (this.ws as unknown as { _socket: Socket })._socket.pause();
  }

  resume(): void {
    (this.ws as unknown as { _socket: Socket })._socket.resume();
  }

  close(): void {
    this.ws.close();
  }
}
