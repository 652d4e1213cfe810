import { afterEach, describe, expect, it } from "vitest";
import { ManualTimers, streamWorld, type StreamWorld } from "../helpers/stream-world.js";

let w: StreamWorld;
afterEach(async () => w?.close());

describe("stream heartbeats (a fake clock moves the 20 s periods)", () => {
  it("pings every period; a client silent for two pings is closed with 4408, one that answers stays", async () => {
    const timers = new ManualTimers();
    w = await streamWorld({ timers });
    const silent = await w.user("u1");
    const alive = await w.user("u2");
    const pings = async (n: number) => {
      for (const c of [silent, alive]) await c.until(() => c.messages.filter((m) => m.type === "ping").length >= n);
    };

    timers.tick(); // 20 s: first ping to both
    await pings(1);
    alive.send({ type: "pong" });
    await alive.subscribe("SOL"); // acknowledged: the server has read the pong before it

    timers.tick(); // 40 s: the silent one missed one ping
    await pings(2);
    await alive.subscribe("SOL");
    expect(w.stream.stats().connections).toBe(2);

    timers.tick(); // 60 s: missed two: closed
    expect((await silent.closed).code).toBe(4408);
    await alive.until(() => alive.messages.filter((m) => m.type === "ping").length >= 3);
    expect(await w.serverClosed("u1")).toMatchObject({ code: 4408 });
    expect(w.stream.stats()).toMatchObject({ connections: 1, users: 1 });
  });

  it("a protocol-level pong (what a WebSocket client library answers by itself) also counts as an answer", async () => {
    const timers = new ManualTimers();
    w = await streamWorld({ timers });
    const c = await w.user("u1");
    for (let i = 1; i <= 4; i++) {
      timers.tick();
      const closed = c.closed.then((x) => Promise.reject(new Error(`closed ${x.code}`)));
      await Promise.race([c.until(() => c.messages.filter((m) => m.type === "ping").length >= i), closed]);
      c.ws.pong();
      // The server's answer to our ping proves it read the pong before it.
      const answered = new Promise<void>((r) => c.ws.once("pong", () => r()));
      c.ws.ping();
      await answered;
    }
    expect(w.stream.stats().connections).toBe(1);
  });

  it("a connection that promised an auth message and sent none within the deadline is closed with 4401", async () => {
    const timers = new ManualTimers();
    w = await streamWorld({ timers });
    const c = await w.open("?auth=message");
    timers.expire(); // 5 s pass
    expect((await c.closed).code).toBe(4401);
  });
});
