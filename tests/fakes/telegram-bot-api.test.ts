import http from "node:http";
import type { AddressInfo } from "node:net";
import { autoRetry } from "@grammyjs/auto-retry";
import { run, type RunnerHandle } from "@grammyjs/runner";
import { Bot, GrammyError, InputFile, webhookCallback } from "grammy";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startTelegramFake, type TelegramFake } from "./telegram-bot-api.js";

let fake: TelegramFake;
let cleanups: Array<() => Promise<unknown>> = [];
let chatSeq = 1000;
const nextChat = (): number => ++chatSeq;

beforeEach(async () => {
  fake = await startTelegramFake();
});

afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
  await fake.close();
});

function newBot(): Bot {
  return new Bot(fake.token, { botInfo: fake.botInfo, client: { apiRoot: fake.apiRoot } });
}

/** Starts built-in long polling and resolves once the first getUpdates is under way. */
async function startPolling(bot: Bot): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    bot.start({ onStart: () => resolve() }).catch(reject);
  });
  cleanups.push(() => bot.stop());
}

function runWithRunner(bot: Bot): RunnerHandle {
  const handle = run(bot);
  cleanups.push(() => (handle.isRunning() ? handle.stop() : Promise.resolve()));
  return handle;
}

async function rejection(p: Promise<unknown>): Promise<GrammyError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof GrammyError)) throw new Error(`expected a GrammyError, got ${String(err)}`);
  return err;
}

/** The Bot API docs sample /start update (shared fixtures: update_message_start), with its entity. */
const fixtureStart = () => ({
  update_id: 10000,
  message: {
    date: 1441645532,
    chat: { id: 1111111, type: "private" as const, first_name: "Test Firstname", username: "Testusername" },
    message_id: 1365,
    from: { id: 1111111, is_bot: false, first_name: "Test Firstname", username: "Testusername" },
    text: "/start",
    entities: [{ type: "bot_command" as const, offset: 0, length: 6 }],
  },
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe("fake Telegram Bot API with the real grammY client", () => {
  it("delivers a pushed /start to bot.command over long polling and records the reply", async () => {
    const bot = newBot();
    bot.command("start", (ctx) => ctx.reply(`Welcome, <b>${ctx.from?.first_name}</b>`, { parse_mode: "HTML" }));
    await startPolling(bot);
    await sleep(300); // the poller is now held open by the fake
    fake.message({ chatId: 42, fromId: 42, text: "/start", firstName: "Ada" });
    const reply = await fake.waitFor((m) => m.chat_id === 42);
    expect(reply.method).toBe("sendMessage");
    expect(reply.text).toBe("Welcome, <b>Ada</b>");
    expect(reply.plainText).toBe("Welcome, Ada");
    expect(reply.message_id).toBe(2); // the user's /start was message 1 in this chat
    expect(fake.calls.map((c) => c.method)).toContain("deleteWebhook");
    // Held long polls: a spinning client would have made hundreds of calls by now.
    expect(fake.calls.filter((c) => c.method === "getUpdates").length).toBeLessThan(6);
  });

  it("forgets updates once an offset confirms them, also across bot restarts", async () => {
    const first = fake.message({ chatId: 5, fromId: 5, text: "hello" });
    const second = fake.message({ chatId: 5, fromId: 5, text: "again" });
    const api = newBot().api;
    expect((await api.getUpdates({ offset: 0 })).map((u) => u.update_id)).toEqual([first.update_id, second.update_id]);
    expect(await api.getUpdates({ offset: second.update_id + 1 })).toEqual([]);
    expect(await api.getUpdates({ offset: 0 })).toEqual([]);

    let starts = 0;
    const handlers = (bot: Bot): void => {
      bot.command("start", async (ctx) => {
        starts++;
        await ctx.reply("started");
      });
      bot.command("help", (ctx) => ctx.reply("help"));
    };
    const one = newBot();
    handlers(one);
    await startPolling(one);
    fake.message({ chatId: 6, fromId: 6, text: "/start" });
    await fake.waitFor((m) => m.text === "started");
    await one.stop();
    const two = newBot();
    handlers(two);
    await startPolling(two);
    fake.message({ chatId: 7, fromId: 7, text: "/help" });
    await fake.waitFor((m) => m.text === "help");
    expect(starts).toBe(1);
  });

  it("redelivers an already handled update to a polling bot, which runs it again", async () => {
    const bot = newBot();
    let runs = 0;
    bot.command("start", async (ctx) => {
      runs++;
      await ctx.reply(`run ${runs}`);
    });
    await startPolling(bot);
    const update = fake.pushUpdate(fixtureStart());
    expect(update.update_id).toBe(10000); // a given update_id is kept
    await fake.waitFor((m) => m.text === "run 1");
    expect(fake.sent[0]).toMatchObject({ chat_id: 1111111, message_id: 1366 }); // after the fixture's 1365
    fake.setLimits(false);
    expect(await fake.redeliver(update)).toBeNull(); // queued for getUpdates, past the offset
    await fake.waitFor((m) => m.text === "run 2");
    expect(fake.message({ chatId: 1, fromId: 1, text: "hi" }).update_id).toBe(10001);
  });

  it("holds getUpdates until the timeout passes or an update arrives, and honours limit", async () => {
    const api = newBot().api;
    let t0 = Date.now();
    expect(await api.getUpdates({ timeout: 1 })).toEqual([]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);

    t0 = Date.now();
    setTimeout(() => fake.message({ chatId: 8, fromId: 8, text: "wake up" }), 100);
    const woken = await api.getUpdates({ timeout: 10 });
    expect(woken.map((u) => u.message?.text)).toEqual(["wake up"]);
    expect(Date.now() - t0).toBeLessThan(2000);

    for (let i = 0; i < 3; i++) fake.message({ chatId: 8, fromId: 8, text: `m${i}` });
    const limited = await api.getUpdates({ offset: woken[0]!.update_id + 1, limit: 2 });
    expect(limited.map((u) => u.message?.text)).toEqual(["m0", "m1"]);
  });

  it("answers 409 to a held poll when a second poller arrives", async () => {
    const api = newBot().api;
    const held = rejection(api.getUpdates({ timeout: 10 }));
    await sleep(100);
    await api.getUpdates({ timeout: 0 });
    const err = await held;
    expect(err.error_code).toBe(409);
    expect(err.description).toContain("terminated by other getUpdates request");
  });

  it("answers 429 beyond 1 message/s in a chat, and auto-retry waits it out without losing messages", async () => {
    const bot = newBot();
    bot.api.config.use(autoRetry());
    bot.command("burst", async (ctx) => {
      await Promise.all([ctx.reply("one"), ctx.reply("two"), ctx.reply("three")]);
    });
    runWithRunner(bot);
    fake.message({ chatId: 77, fromId: 77, text: "/burst" });
    await fake.waitFor((m) => m.chat_id === 77 && fake.sent.length === 3, 8000);
    expect(fake.sent.map((m) => m.text).sort()).toEqual(["one", "three", "two"]);
    expect(fake.tooManyRequests.length).toBeGreaterThanOrEqual(2);
    expect(fake.tooManyRequests.every((h) => h.scope === "chat" && h.retry_after === 1)).toBe(true);
    expect(fake.maxSendsInWindow(1000, (m) => m.chat_id === 77)).toBe(1);

    const raw = newBot(); // without auto-retry the 429 reaches the caller
    const err = await rejection(raw.api.sendMessage(77, "four"));
    expect(err.error_code).toBe(429);
    expect(err.parameters.retry_after).toBeGreaterThanOrEqual(1);
  });

  it("refuses the 31st message inside one second globally", async () => {
    const api = newBot().api;
    const chats = Array.from({ length: 30 }, () => nextChat());
    await Promise.all(chats.map((c) => api.sendMessage(c, "alert")));
    const err = await rejection(api.sendMessage(nextChat(), "one too many"));
    expect(err.error_code).toBe(429);
    expect(err.description).toMatch(/^Too Many Requests: retry after \d+$/);
    expect(fake.tooManyRequests.at(-1)?.scope).toBe("global");
    expect(fake.sent).toHaveLength(30);
    expect(fake.maxSendsInWindow()).toBe(30);
    expect(fake.sendsPerSecond().reduce((n, s) => n + s.count, 0)).toBe(30);
  });

  it("limits a group to 20 messages a minute", async () => {
    const api = newBot().api;
    for (let i = 0; i < 20; i++) await api.sendMessage(-100500, `group ${i}`);
    const err = await rejection(api.sendMessage(-100500, "group 21"));
    expect(err.error_code).toBe(429);
    expect(err.parameters.retry_after).toBeGreaterThan(30);
    expect(fake.tooManyRequests.at(-1)?.scope).toBe("group");
  });

  it("answers 403 for blocked users and users who never started the bot", async () => {
    const api = newBot().api;
    fake.block(99);
    const blocked = await rejection(api.sendMessage(99, "hi"));
    expect([blocked.error_code, blocked.description]).toEqual([403, "Forbidden: bot was blocked by the user"]);
    fake.neverStarted(98);
    const stranger = await rejection(api.sendMessage(98, "hi"));
    expect([stranger.error_code, stranger.description]).toEqual([
      403,
      "Forbidden: bot can't initiate conversation with a user",
    ]);
    fake.message({ chatId: 98, fromId: 98, text: "/start" }); // once they write, the bot may answer
    await expect(api.sendMessage(98, "hi")).resolves.toMatchObject({ chat: { id: 98, type: "private" } });
    expect(fake.sent.map((m) => m.chat_id)).toEqual([98]);
  });

  it("rejects malformed HTML and accepts properly escaped text", async () => {
    const api = newBot().api;
    const html = { parse_mode: "HTML" as const };
    const cases: Array<[string, RegExp]> = [
      ["<b>unclosed", /can't parse entities: Can't find end tag corresponding to start tag "b"/],
      ["<b>bold</i>", /Unmatched end tag at byte offset 7, expected "<\/b>", found "<\/i>"/],
      ["price < 5", /Unsupported start tag "" at byte offset 6/],
      ["Tom & Jerry", /can't parse entities: Character '&'/],
      ["<script>x</script>", /Unsupported start tag "script"/],
    ];
    for (const [text, description] of cases) {
      const err = await rejection(api.sendMessage(nextChat(), text, html));
      expect(err.error_code).toBe(400);
      expect(err.description).toMatch(/^Bad Request: can't parse entities: /);
      expect(err.description).toMatch(description);
    }
    const chat = nextChat();
    const msg = await api.sendMessage(chat, '<b>SOL</b> &lt; $5 &amp; <a href="https://x.y/?a=1&amp;b=2">chart</a>', html);
    expect(msg.text).toBe("SOL < $5 & chart");
    expect(msg.entities).toEqual([
      { type: "bold", offset: 0, length: 3 },
      { type: "text_link", offset: 11, length: 5, url: "https://x.y/?a=1&b=2" },
    ]);
    await expect(api.sendMessage(nextChat(), "Tom & Jerry")).resolves.toBeTruthy(); // no parse_mode
    expect(fake.sent.map((m) => m.chat_id)).toEqual([chat, chatSeq]);
  });

  it("enforces message, caption and callback_data limits", async () => {
    const api = newBot().api;
    await expect(api.sendMessage(nextChat(), "x".repeat(4096))).resolves.toBeTruthy();
    const long = await rejection(api.sendMessage(nextChat(), "x".repeat(4097)));
    expect(long.description).toBe("Bad Request: message is too long");
    const photo = new InputFile(Buffer.alloc(10, 1), "p.png");
    const caption = await rejection(api.sendPhoto(nextChat(), photo, { caption: "c".repeat(1025) }));
    expect(caption.description).toBe("Bad Request: message caption is too long");
    const button = (data: string) => ({ reply_markup: { inline_keyboard: [[{ text: "Go", callback_data: data }]] } });
    await expect(api.sendMessage(nextChat(), "ok", button("d".repeat(64)))).resolves.toBeTruthy();
    const data = await rejection(api.sendMessage(nextChat(), "too long", button("d".repeat(65))));
    expect([data.error_code, data.description]).toEqual([400, "Bad Request: BUTTON_DATA_INVALID"]);
  });

  it("records a multipart sendPhoto with its caption and byte length", async () => {
    const api = newBot().api;
    const png = Buffer.alloc(2048, 7);
    const msg = await api.sendPhoto(55, new InputFile(png, "chart.png"), { caption: "<b>SOL</b> 24h", parse_mode: "HTML" });
    expect(msg.caption).toBe("SOL 24h");
    expect(msg.photo?.[0]?.file_size).toBe(2048);
    const sent = fake.sent[0]!;
    expect(sent).toMatchObject({ method: "sendPhoto", chat_id: 55, caption: "<b>SOL</b> 24h", plainText: "SOL 24h" });
    expect(sent.photo).toEqual({ bytes: 2048, filename: "chart.png" });
  });

  it("delivers a button press, records the answer and applies the edit", async () => {
    fake.setLimits({ perChatBurst: 2 }); // send + edit inside one second in one chat
    const bot = newBot();
    bot.callbackQuery(/^confirm:/, async (ctx) => {
      await ctx.answerCallbackQuery({ text: "Done" });
      await ctx.editMessageText("Confirmed ✅");
    });
    await startPolling(bot);
    const preview = await bot.api.sendMessage(31, "Swap 1 SOL?", {
      reply_markup: { inline_keyboard: [[{ text: "Confirm", callback_data: "confirm:abc" }]] },
    });
    fake.callback({ chatId: 31, fromId: 31, data: "confirm:abc", messageId: preview.message_id });
    const edit = await fake.waitFor((m) => m.method === "editMessageText");
    expect(edit).toMatchObject({ chat_id: 31, message_id: preview.message_id, text: "Confirmed ✅" });
    expect(fake.callbackAnswers).toMatchObject([{ text: "Done" }]);
    const again = await rejection(bot.api.editMessageText(31, preview.message_id, "Confirmed ✅"));
    expect(again.description).toMatch(/^Bad Request: message is not modified/);
  });

  it("posts webhook updates with the secret header, which grammY checks", async () => {
    fake.setLimits({ perChatBurst: 1 }); // the redelivery replies into the same chat at once
    const bot = newBot();
    let handled = 0;
    bot.command("start", async (ctx) => {
      handled++;
      await ctx.reply("hello from webhook");
    });
    const server = http.createServer(webhookCallback(bot, "http", { secretToken: "s3cret" }));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise((resolve) => { server.close(resolve); server.closeAllConnections(); }));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const update = () => fake.message({ chatId: 12, fromId: 12, text: "/start" });

    expect(await fake.deliverWebhook(url, update())).toBe(401);
    expect(await fake.deliverWebhook(url, update(), "wrong")).toBe(401);
    expect(handled).toBe(0);
    const good = update();
    expect(await fake.deliverWebhook(url, good, "s3cret")).toBe(200);
    expect(handled).toBe(1);
    expect(fake.sent.map((m) => m.text)).toEqual(["hello from webhook"]);
    expect(await fake.redeliver(good, { url, secretToken: "s3cret" })).toBe(200);
    expect(handled).toBe(2); // grammY itself does not dedupe: the adapter must

    await bot.api.setWebhook(url, { secret_token: "s3cret" });
    expect((await bot.api.getWebhookInfo()).url).toBe(url);
    expect((await rejection(bot.api.getUpdates())).error_code).toBe(409);
    fake.message({ chatId: 13, fromId: 13, text: "/start" });
    expect(await fake.flushWebhook()).toEqual([200]);
    expect(handled).toBe(3);
  });

  it("answers like Telegram for unknown methods, wrong tokens and getMe", async () => {
    const raw = newBot().api.raw as unknown as Record<string, (p: object) => Promise<unknown>>;
    const unknown = await rejection(raw.sendTelepathy!({ chat_id: 1 }));
    expect([unknown.error_code, unknown.description]).toEqual([404, "Not Found"]);
    const viaGet = await fetch(`${fake.apiRoot}/bot${fake.token}/GETME`); // case-insensitive, query or body
    expect(await viaGet.json()).toMatchObject({ ok: true, result: { username: "PurserBot", is_bot: true } });
    const form = await fetch(`${fake.apiRoot}/bot${fake.token}/sendMessage`, {
      method: "POST",
      body: new URLSearchParams({ chat_id: "4242", text: "form <i>body</i>", parse_mode: "HTML" }),
    });
    expect(await form.json()).toMatchObject({ ok: true, result: { chat: { id: 4242 }, text: "form body" } });
    fake.failNext("sendMessage", { error_code: 502, description: "Bad Gateway" });
    expect((await rejection(newBot().api.sendMessage(4343, "x"))).error_code).toBe(502);
    await expect(newBot().api.sendMessage(4343, "x")).resolves.toBeTruthy(); // only the next call fails
    const stranger = new Bot("999:wrong-token", { botInfo: fake.botInfo, client: { apiRoot: fake.apiRoot } });
    expect((await rejection(stranger.api.getMe())).error_code).toBe(401);

    const other = await startTelegramFake({ botUsername: "OtherBot" });
    cleanups.push(() => other.close());
    const bot = new Bot(other.token, { client: { apiRoot: other.apiRoot } });
    await bot.init();
    expect(bot.botInfo.username).toBe("OtherBot");
    await bot.api.setMyCommands([{ command: "price", description: "Show a price" }]);
    expect(await bot.api.getMyCommands()).toEqual([{ command: "price", description: "Show a price" }]);
    const bad = await rejection(bot.api.setMyCommands([{ command: "Price", description: "x" }]));
    expect(bad.description).toBe("Bad Request: BOT_COMMAND_INVALID");
  });
});
