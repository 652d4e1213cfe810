// The PubSub side of the fake RPC node, served on the same port as HTTP: signatureSubscribe and
// signatureUnsubscribe (what web3.js confirmTransaction uses). A subscription fires once, when
// the signature has landed at the requested commitment, and is then dropped by the server.
import type { Server } from "node:http";
import { WebSocketServer, type WebSocket } from "ws";
import type { FakeChain } from "./chain.js";
import { toJson } from "./encoding.js";

interface Subscription {
  id: number;
  socket: WebSocket;
  signature: string;
  commitment: string;
}

interface WsRequest {
  jsonrpc?: string;
  id?: number | string | null;
  method?: unknown;
  params?: unknown;
}

export interface SignatureSubscriptions {
  /** Open signature subscriptions (for assertions). */
  open(): number;
  close(): Promise<void>;
}

export function attachSignatureSubscriptions(
  server: Server,
  chain: FakeChain,
  record: (method: string, params: unknown) => void,
): SignatureSubscriptions {
  const wss = new WebSocketServer({ server });
  const subs = new Map<number, Subscription>();
  let nextId = 1;

  const check = () => {
    for (const sub of [...subs.values()]) {
      const status = chain.signatureStatus(sub.signature, true);
      if (!status) continue;
      if (sub.commitment === "finalized" && status.confirmationStatus !== "finalized") continue;
      subs.delete(sub.id);
      sub.socket.send(
        toJson({
          jsonrpc: "2.0",
          method: "signatureNotification",
          params: { result: { context: { slot: status.slot }, value: { err: status.err } }, subscription: sub.id },
        }),
      );
    }
  };
  const stopListening = chain.onBlock(check);

  const answer = (socket: WebSocket, req: WsRequest): unknown => {
    const method = typeof req.method === "string" ? req.method : "";
    const params = Array.isArray(req.params) ? req.params : [];
    record(method, req.params);
    const reply = (body: Record<string, unknown>) => ({ jsonrpc: "2.0", id: req.id ?? null, ...body });
    if (method === "signatureSubscribe") {
      if (typeof params[0] !== "string") return reply({ error: { code: -32602, message: "Invalid params" } });
      const cfg = (params[1] ?? {}) as { commitment?: string };
      const id = nextId++;
      subs.set(id, { id, socket, signature: params[0], commitment: cfg.commitment ?? "finalized" });
      setImmediate(check); // already landed: notify right after the subscription id
      return reply({ result: id });
    }
    if (method === "signatureUnsubscribe") {
      if (!subs.delete(Number(params[0]))) return reply({ error: { code: -32602, message: "Invalid subscription id." } });
      return reply({ result: true });
    }
    return reply({ error: { code: -32601, message: "Method not found" } });
  };

  wss.on("connection", (socket) => {
    socket.on("message", (raw) => {
      let msg: unknown;
      try {
        msg = JSON.parse(String(raw));
      } catch {
        socket.send(toJson({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "Parse error" } }));
        return;
      }
      const list = (Array.isArray(msg) ? msg : [msg]) as WsRequest[];
      // Requests without an id are notifications (web3.js sends a `ping` every 5 s): no answer.
      const replies = list.filter((r) => r && r.id !== undefined).map((r) => answer(socket, r));
      if (replies.length > 0) socket.send(toJson(Array.isArray(msg) ? replies : replies[0]));
    });
    socket.on("close", () => {
      for (const sub of [...subs.values()]) if (sub.socket === socket) subs.delete(sub.id);
    });
  });

  return {
    open: () => subs.size,
    close: async () => {
      stopListening();
      // web3.js spins forever (no I/O in between) if its socket closes while it is unsubscribing,
      // so give open subscriptions up to a second to be torn down by their clients first.
      const deadline = Date.now() + 1_000;
      while (subs.size > 0 && wss.clients.size > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 10));
      }
      await new Promise((r) => setTimeout(r, 10));
      await new Promise<void>((resolve) => {
        // Code 1000 tells web3.js (rpc-websockets) not to reconnect; terminate stragglers shortly after.
        for (const client of wss.clients) client.close(1000, "server shutting down");
        const timer = setTimeout(() => {
          for (const client of wss.clients) client.terminate();
        }, 200);
        wss.close(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}
