import { Api, InputFile } from "grammy";
import { Redis } from "ioredis";
import { randomBytes } from "node:crypto";
import { PNG } from "pngjs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { MemorySpacer, RedisSpacer } from "../../../adapters/ratelimit/spacer.js";
import { sharedLimits } from "../../../adapters/telegram/telegram-adapter.js";
import { startTelegramFake, type TelegramFake } from "../../fakes/telegram-bot-api.js";

/*
 * Outbound spacing against the fake Bot API, which answers 429 like Telegram (30/s overall, one
 * message a second per chat). The hard case: a long global queue, and two messages to one chat
 * (a report's chart and its text) queued behind it one after the other. Spacing booked when
 * queueing would let the queue bunch them together; it must hold when they are actually sent.
 */

const png = (() => {
  const p = new PNG({ width: 2, height: 2 });
  return PNG.sync.write(p);
})();

let tg: TelegramFake;
beforeAll(async () => {
  tg = await startTelegramFake();
});
afterAll(async () => {
  await tg.close();
});
afterEach(() => tg.reset());

/** 60 messages to 60 chats, and at the same moment a photo then a message to chat 999, on `apis` in turn. */
async function burst(apis: Api[]) {
  const jobs: Array<Promise<unknown>> = [];
  for (let i = 0; i < 60; i++) jobs.push(apis[i % apis.length]!.sendMessage(50_000 + i, `hello ${i}`));
  const admin = apis[apis.length - 1]!;
  jobs.push(
    (async () => {
      await admin.sendPhoto(999, new InputFile(Buffer.from(png), "chart.png"));
      await admin.sendMessage(999, "the report text");
    })(),
  );
  await Promise.all(jobs);
}

function check() {
  expect(tg.tooManyRequests, JSON.stringify(tg.tooManyRequests)).toEqual([]);
  expect(tg.sent).toHaveLength(62);
  expect(tg.maxSendsInWindow(1000)).toBeLessThanOrEqual(30);
  const admin = tg.sent.filter((m) => Number(m.chat_id) === 999).map((m) => m.time);
  expect(admin).toHaveLength(2);
  expect(admin[1]! - admin[0]!).toBeGreaterThanOrEqual(1000);
}

const api = () => new Api(tg.token, { apiRoot: tg.apiRoot });

/**
 * Telegram's own 30 a second, no headroom: unspaced, the 62 sends would all go at once and break the
 * fake's 30/s. The windows are judged when a send is admitted and held until its answer, so a process
 * (sender and fake both) starved of CPU on a loaded machine cannot bunch them above the limit.
 */
const LIMITS = { perSecond: 30 };

describe("Telegram outbound spacing", () => {
  it("one process, in-process spacing: the chat's gap holds behind a long global queue", async () => {
    const a = api();
    a.config.use(sharedLimits(new MemorySpacer(), LIMITS));
    await burst([a]);
    check();
  }, 20_000);

  const redisUrl = process.env.TEST_REDIS_URL;
  it.skipIf(!redisUrl)(`two processes spacing through Redis: the same${redisUrl ? "" : " (skipped: TEST_REDIS_URL is not set)"}`, async () => {
    const prefix = `test-${randomBytes(4).toString("hex")}:space:`;
    const conns = [new Redis(redisUrl!), new Redis(redisUrl!)];
    try {
      const apis = conns.map((c) => {
        const a = api();
        a.config.use(sharedLimits(new RedisSpacer(c, () => {}, prefix), LIMITS));
        return a;
      });
      await burst(apis);
      check();
    } finally {
      await Promise.all(conns.map((c) => c.quit()));
    }
  }, 20_000);
});
