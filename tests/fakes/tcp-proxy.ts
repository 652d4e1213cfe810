// A loopback TCP proxy for fault tests: clients connect to 127.0.0.1:<port> and are piped to the
// target. cut() drops every open connection (a reset, as a server that died or a failover gives)
// and resets new ones until restore(): the service behind it is "unreachable" for as long as the
// test wants, then comes back on the same address.

import { createConnection, createServer, type Server, type Socket } from "node:net";

export interface TcpProxy {
  readonly port: number;
  /** Connections accepted and piped to the target so far (refused ones not counted). */
  readonly accepted: number;
  /** True between cut() and restore(). */
  readonly isCut: boolean;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host?: string; port: number }): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let down = false;
  let accepted = 0;
  const drop = (s: Socket) => (s.destroyed ? undefined : s.resetAndDestroy());
  const server: Server = createServer((client) => {
    client.on("error", () => undefined);
    if (down) return drop(client);
    accepted++;
    const upstream = createConnection({ host: target.host ?? "127.0.0.1", port: target.port });
    upstream.on("error", () => drop(client));
    client.on("error", () => drop(upstream));
    for (const s of [client, upstream]) {
      open.add(s);
      s.on("close", () => {
        open.delete(s);
        if (s === client) upstream.destroy();
        else client.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    port,
    get accepted() {
      return accepted;
    },
    get isCut() {
      return down;
    },
    cut() {
      down = true;
      for (const s of [...open]) drop(s);
    },
    restore() {
      down = false;
    },
    close() {
      down = true;
      for (const s of [...open]) drop(s);
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
