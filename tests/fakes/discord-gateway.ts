import { randomBytes } from "node:crypto";
import type http from "node:http";
import { WebSocketServer, type WebSocket } from "ws";
import type { FakeUser } from "./discord-payloads.js";

/**
 * The Discord gateway (v10, JSON frames, no compression) on a fake's HTTP server: HELLO on connect,
 * heartbeat ACKs, IDENTIFY -> READY (no guilds, so discord.js is ready at once), then dispatches.
 * A wrong token closes with 4004 (Authentication failed), as Discord does.
 */
export class FakeGateway {
  readonly wss: WebSocketServer;
  /** Every frame the clients sent (op codes, payloads), for assertions. */
  readonly received: Array<{ op: number; d: unknown }> = [];
  private readonly sessions = new Set<{ ws: WebSocket; seq: number; identified: boolean }>();
  private waiters: Array<() => void> = [];

  constructor(
    server: http.Server,
    private readonly o: { token: string; appId: string; bot: FakeUser; url: () => string; heartbeatIntervalMs?: number },
  ) {
    this.wss = new WebSocketServer({ server });
    this.wss.on("connection", (ws) => this.onConnection(ws));
  }

  get identifiedSessions(): number {
    return [...this.sessions].filter((s) => s.identified).length;
  }

  /** Resolves once a client has identified (now, if one has). */
  waitForIdentify(timeoutMs = 5000): Promise<void> {
    if (this.identifiedSessions > 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error("no gateway IDENTIFY within timeout")), timeoutMs);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  /** Sends a dispatch (op 0) to every identified session; returns how many got it. */
  dispatch(t: string, d: unknown): number {
    let n = 0;
    for (const s of this.sessions) {
      if (!s.identified || s.ws.readyState !== s.ws.OPEN) continue;
      s.ws.send(JSON.stringify({ op: 0, t, s: ++s.seq, d }));
      n++;
    }
    return n;
  }

  async close(): Promise<void> {
    for (const s of this.sessions) s.ws.terminate();
    this.sessions.clear();
    await new Promise<void>((r) => this.wss.close(() => r()));
  }

  private onConnection(ws: WebSocket) {
    const s = { ws, seq: 0, identified: false };
    this.sessions.add(s);
    ws.on("close", () => this.sessions.delete(s));
    ws.on("message", (raw) => {
      let frame: { op: number; d: unknown };
      try {
        frame = JSON.parse(String(raw)) as { op: number; d: unknown };
      } catch {
        ws.close(4002, "Error while decoding payload.");
        return;
      }
      this.received.push(frame);
      if (frame.op === 1) ws.send(JSON.stringify({ op: 11, d: null, s: null, t: null }));
      else if (frame.op === 2) this.identify(s, frame.d as { token?: string });
      else if (frame.op === 6) ws.send(JSON.stringify({ op: 9, d: false, s: null, t: null })); // cannot resume: identify again
    });
    ws.send(JSON.stringify({ op: 10, d: { heartbeat_interval: this.o.heartbeatIntervalMs ?? 41250 }, s: null, t: null }));
  }

  private identify(s: { ws: WebSocket; seq: number; identified: boolean }, d: { token?: string }) {
    if (d?.token !== this.o.token) {
      s.ws.close(4004, "Authentication failed.");
      return;
    }
    s.identified = true;
    s.ws.send(
      JSON.stringify({
        op: 0,
        t: "READY",
        s: ++s.seq,
        d: {
          v: 10,
          user: { ...this.o.bot, bot: true, verified: true, mfa_enabled: false, flags: 0 },
          guilds: [],
          session_id: randomBytes(16).toString("hex"),
          resume_gateway_url: this.o.url(),
          shard: [0, 1],
          application: { id: this.o.appId, flags: 0 },
          private_channels: [],
          relationships: [],
          presences: [],
          user_settings: {},
          guild_join_requests: [],
          geo_ordered_rtc_regions: [],
        },
      }),
    );
    for (const w of this.waiters.splice(0)) w();
  }
}
