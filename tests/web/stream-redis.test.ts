import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { RedisUserEvents } from "../../adapters/redis/redis-user-events.js";
import { shareUserEvents } from "../../bots/user-events.js";
import { silentLogger } from "../../core/ports/logger.port.js";
import { Notifications } from "../../core/services/notifications.service.js";
import { FakeClock } from "../helpers/clock.js";
import { order, RULES } from "../helpers/automation-rows.js";
import { streamWorld } from "../helpers/stream-world.js";

const redisUrl = process.env.TEST_REDIS_URL;
const skip = redisUrl ? false : "TEST_REDIS_URL is not set (CI sets it to the local Redis)";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
const pair = () => {
  const main = new Redis(redisUrl!, { maxRetriesPerRequest: 1 });
  const sub = new Redis(redisUrl!, { maxRetriesPerRequest: 1 });
  cleanups.push(() => Promise.all([main.quit(), sub.quit()]));
  return { main, sub };
};
const filled = (userId: string, id: string) => ({
  type: "trade.filled" as const,
  order: order(id, { userId, status: "filled", side: "buy", input: RULES["limit-buy"].pay, output: RULES["limit-buy"].token, inAmount: 20_000_000n, quotedOut: 100_000_000n, filledIn: 20_000_000n, filledOut: 99_500_000n, signature: "sig1" }),
});

describe.skipIf(skip)(`users' live events across processes (Redis)${skip ? ` (skipped: ${skip})` : ""}`, () => {
  it("a fill told in a worker process reaches the user's stream served by the web process, once; the web process's own events are not delivered twice", async () => {
    const channel = `t${randomBytes(4).toString("hex")}:user-events`;
    // The worker: its Notifications tell pushes; shared over Redis.
    const worker = new Notifications({ log: silentLogger, clock: new FakeClock(), outbox: { enqueue: async () => true } });
    const workerShared = shareUserEvents(pair(), { notifications: worker, channel, instance: "worker", log: silentLogger });
    // The web process: its stream hears its own pushes directly and the others' through Redis.
    const webRedis = pair();
    const remote = new RedisUserEvents(webRedis.main, webRedis.sub, channel, "web");
    const w = await streamWorld({ remoteEvents: remote });
    cleanups.push(() => w.close());
    shareUserEvents(webRedis, { notifications: w.notifications, channel, instance: "web", log: silentLogger });
    await Promise.all([remote.ready(), workerShared.ready()]);

    const alice = await w.user("alice");
    const bob = await w.user("bob");
    worker.told("alice", filled("alice", "o-worker"));
    expect((await alice.until((m) => m.type === "event")).event).toMatchObject({ kind: "fill", orderId: "o-worker", status: "filled" });

    // The web process's own fill: straight to the stream, and its Redis copy is not delivered again.
    w.notifications.told("alice", filled("alice", "o-web"));
    // A later event from the worker is published after the web's copy reached Redis, so when it
    // arrives the copy has been heard (and dropped) already.
    await new Promise<void>((resolve) => {
      const off = workerShared.subscribe((_u, e) => e["orderId"] === "o-web" && (off(), resolve()));
    });
    worker.told("alice", filled("alice", "o-worker-2"));
    await alice.until((m) => m.type === "event" && (m.event as { orderId?: string }).orderId === "o-worker-2");
    const ids = alice.messages.filter((m) => m.type === "event").map((m) => (m.event as { orderId: string }).orderId);
    expect(ids).toEqual(["o-worker", "o-web", "o-worker-2"]);
    expect(bob.messages.filter((m) => m.type === "event")).toEqual([]); // never someone else's
  });
});
