import { afterEach, describe, expect, it } from "vitest";
import type { Alert } from "../../core/domain/alert.js";
import type { PushEvent } from "../../core/services/notifications.service.js";
import { levelAlert } from "../helpers/alerts.js";
import { automation, order, RULES } from "../helpers/automation-rows.js";
import { StreamClient, type StreamMsg } from "../helpers/stream-client.js";
import { ORIGIN, streamWorld, type StreamWorld } from "../helpers/stream-world.js";

let w: StreamWorld;
afterEach(async () => w?.close());

const refused = (p: Promise<unknown>) => p.then(
  () => undefined,
  (err: { status?: number }) => err.status,
);
const chat = (userId: string) => ({ userId, chat: { platform: "telegram" as const, chatId: userId } });
const fill = (userId: string, id: string): PushEvent => ({
  type: "trade.filled",
  order: order(id, { userId, status: "filled", side: "buy", input: RULES["limit-buy"].pay, output: RULES["limit-buy"].token, inAmount: 20_000_000n, quotedOut: 100_000_000n, filledIn: 20_000_000n, filledOut: 99_500_000n, signature: "sig1" }),
});
const alert = (userId: string, id: string): Alert =>
  levelAlert({ id, userId, kind: "above", mint: "mint-SOL", symbol: "SOL", level: 200, refValue: 190, at: 1, notify: { platform: "telegram", chatId: userId } });
const events = (c: StreamClient) => c.messages.filter((m) => m.type === "event").map((m) => m.event as Record<string, unknown>);

describe("the stream's sign-in", () => {
  it("refuses an upgrade without credentials (401), with an unknown token (401), or a session cookie from another origin (403)", async () => {
    w = await streamWorld();
    w.sessions.set("s3cret", { userId: "u1", scope: "session" });
    expect(await refused(w.open())).toBe(401);
    expect(await refused(w.open("", { headers: { authorization: "Bearer pst_nope" } }))).toBe(401);
    expect(await refused(w.open("", { headers: { cookie: "purser_session=s3cret", origin: "https://evil.example" } }))).toBe(403);
    expect(await refused(w.open("", { headers: { cookie: "purser_session=s3cret" } }))).toBe(403); // no Origin at all
    expect(await refused(w.open("", { headers: { cookie: "purser_session=expired", origin: ORIGIN } }))).toBe(401);
    expect(w.stream.stats().connections).toBe(0);
  });

  it("accepts the session cookie from the dashboard's origin, a Bearer token, or a first auth message", async () => {
    w = await streamWorld();
    w.sessions.set("s3cret", { userId: "u1", scope: "session" });
    w.tokens.set("pst_a_b", { userId: "u2", scope: "read" });
    const byCookie = await w.open("", { headers: { cookie: "theme=dark; purser_session=s3cret", origin: ORIGIN } });
    expect((await byCookie.type("ready")).userId).toBe("u1");
    const byBearer = await w.open("", { headers: { authorization: "Bearer pst_a_b" } });
    expect((await byBearer.type("ready")).userId).toBe("u2");
    const byMessage = await w.open("?auth=message");
    byMessage.send({ type: "subscribe", prices: ["SOL"] });
    expect((await byMessage.type("error")).error).toBe("unauthenticated");
    byMessage.send({ type: "auth", token: "pst_a_b" });
    expect((await byMessage.type("ready")).userId).toBe("u2");
  });

  it("closes a message-authenticated connection whose token is wrong (4401)", async () => {
    w = await streamWorld();
    const c = await w.open("?auth=message");
    c.send({ type: "auth", token: "pst_wrong" });
    expect((await c.closed).code).toBe(4401);
  });

  it("caps the connections of one user: one more is refused with 429, other users are not affected", async () => {
    w = await streamWorld({ maxPerUser: 2 });
    await w.user("u1", "t1");
    await w.user("u1", "t2");
    expect(await refused(w.open("", { headers: { authorization: "Bearer t1" } }))).toBe(429);
    await w.user("u2");
    expect(w.stream.stats()).toMatchObject({ connections: 3, users: 2 });
  });
});

describe("prices", () => {
  it("a subscriber gets ticks of its symbols only, the last known one at once, and none after unsubscribing", async () => {
    w = await streamWorld();
    await w.tick("SOL", 150);
    const c = await w.user("u1");
    expect((await c.subscribe("sol", "BONK")).prices).toEqual(["SOL", "BONK"]);
    expect(await c.type("price")).toMatchObject({ symbol: "SOL", priceUsd: 150, source: "test" }); // the last known tick
    await w.tick("JUP", 1);
    await w.tick("BONK", 0.00002);
    expect(await c.until((m) => m.type === "price" && m.symbol === "BONK")).toMatchObject({ priceUsd: 0.00002 });
    expect((await c.unsubscribe("BONK")).prices).toEqual(["SOL"]);
    await w.tick("BONK", 0.00003);
    await w.tick("SOL", 151);
    await c.until((m) => m.type === "price" && m.priceUsd === 151);
    const prices = c.messages.filter((m) => m.type === "price").map((m) => `${String(m.symbol)}=${String(m.priceUsd)}`);
    expect(prices).toEqual(["SOL=150", "BONK=0.00002", "SOL=151"]);
  });

  it("answers a malformed message with an error frame and keeps the connection", async () => {
    w = await streamWorld();
    const c = await w.user("u1");
    c.ws.send("not json");
    expect((await c.type("error")).error).toBe("bad_message");
    c.send({ type: "subscribe", prices: "SOL" });
    expect((await c.type("error", c.messages.length)).error).toBe("bad_message");
    expect((await c.subscribe("SOL")).prices).toEqual(["SOL"]);
  });

  it("a client that stops reading is closed with 1013 once 1 MiB waits for it, while the others keep receiving", async () => {
    w = await streamWorld({ closeGraceMs: 60_000 });
    const slow = await w.user("slow");
    const fast = await w.user("fast");
    await slow.subscribe("SOL");
    await fast.subscribe("SOL");
    slow.pause();
    const dropped = new Promise<void>((resolve) => {
      const check = () => (w.stream.dropped > 0 ? resolve() : setImmediate(check));
      check();
    });
    let n = 0;
    let gone = false;
    void dropped.then(() => (gone = true));
    // 8 KB ticks until the slow client's kernel buffers and then 1 MiB of ours are full (bounded: 64 MB).
    const big = "x".repeat(8000);
    while (!gone && n < 8000) {
      await w.tick("SOL", ++n, { source: big });
      if (n % 16 === 0) await new Promise((r) => setImmediate(r));
    }
    await dropped;
    expect(w.stream.stats().connections).toBe(2); // closing: its close frame waits behind what it did not read
    await w.tick("SOL", 1e9);
    await fast.until((m) => m.type === "price" && m.priceUsd === 1e9);
    slow.resume();
    expect(await slow.closed).toMatchObject({ code: 1013 });
    const got = slow.messages.filter((m) => m.type === "price").length;
    expect(got).toBeLessThan(n);
    expect(fast.messages.filter((m) => m.type === "price").length).toBe(n + 1);
  });
});

describe("the user's own events", () => {
  it("fills, order outcomes, alert firings and automation outcomes reach only their user's connections", async () => {
    w = await streamWorld();
    const a1 = await w.user("alice");
    const a2 = await w.user("alice");
    const b = await w.user("bob");
    await w.notifications.push(chat("alice"), fill("alice", "o1"));
    await w.notifications.push(chat("bob"), fill("bob", "o2"));
    await w.notifications.push(chat("alice"), { type: "trade.failed", order: order("o3", { userId: "alice", status: "failed", error: "slippage" }) });
    const a = alert("alice", "al1");
    w.notifications.told("alice", { type: "alert.fired", alert: a, firing: 1, value: 201, marketNow: 5, receivedAt: 5 });
    const auto = automation("a12345678", RULES.stop, { userId: "alice" });
    w.notifications.told("alice", {
      type: "automation.fired",
      automation: auto,
      n: 1,
      outcome: { kind: "skipped", reason: "no holding" },
      priceUsd: 204,
      state: "done",
      cancelled: [],
      pausedAll: null,
      missed: null,
      receivedAt: 5,
    });
    await w.notifications.push(chat("bob"), fill("bob", "o4"));
    const last = (c: StreamClient, id: string) => c.until((m: StreamMsg) => m.type === "event" && (m.event as { orderId?: string }).orderId === id);
    await Promise.all([a1.until((m) => m.type === "event" && (m.event as { kind: string }).kind === "automation"), a2.until((m) => m.type === "event" && (m.event as { kind: string }).kind === "automation"), last(b, "o4")]);
    for (const c of [a1, a2]) {
      expect(events(c).map((e) => `${String(e.kind)}:${String(e.orderId ?? e.alertId ?? e.automationId)}`)).toEqual(["fill:o1", "order:o3", "alert:al1", "automation:a12345678"]);
    }
    expect(events(b).map((e) => `${String(e.kind)}:${String(e.orderId)}`)).toEqual(["fill:o2", "fill:o4"]);
    expect(events(a1)[0]).toMatchObject({ side: "buy", status: "filled", input: { symbol: "USDC", amount: "20" }, output: { symbol: "SOL", amount: "0.0995" }, signature: "sig1" });
    expect(events(a1)[1]).toMatchObject({ outcome: "failed", error: "slippage" });
    expect(events(a1)[2]).toMatchObject({ symbol: "SOL", alertKind: "above", level: 200, value: 201 });
    expect(events(a1)[3]).toMatchObject({ rule: "stop", outcome: "skipped", reason: "no holding", state: "done" });
    expect(w.outbox).toHaveLength(4); // the pushes themselves still went to the outbox, once each
  });

  it("a revoked token's connection is closed at the next heartbeat (4401)", async () => {
    const { ManualTimers } = await import("../helpers/stream-world.js");
    const timers = new ManualTimers();
    w = await streamWorld({ timers });
    const c = await w.user("u1", "pst_t");
    w.tokens.delete("pst_t");
    timers.tick();
    expect((await c.closed).code).toBe(4401);
  });
});

describe("shutdown", () => {
  it("tells every connection 1001 and refuses new ones", async () => {
    w = await streamWorld();
    const c = await w.user("u1");
    await w.stream.stop();
    expect((await c.closed).code).toBe(1001);
    expect(w.stream.stats().connections).toBe(0);
    w.tokens.set("t", { userId: "u2", scope: "read" });
    expect(await refused(w.open("", { headers: { authorization: "Bearer t" } }))).toBe(503);
  });
});
