import { afterEach, describe, expect, it } from "vitest";
import type { TelegramAdapter } from "../../../adapters/telegram/telegram-adapter.js";
import { buildApp, type App } from "../../../bots/app.js";
import { HttpServer } from "../../../bots/http.js";
import { createTelegram } from "../../../bots/telegram.js";
import { silentLogger } from "../../../core/ports/logger.port.js";
import { startJupiterFake, type JupiterFake } from "../../fakes/jupiter-api.js";
import { startTelegramFake, type TelegramFake } from "../../fakes/telegram-bot-api.js";
import { makeTestApp, testConfig } from "../../helpers/app.js";
import { until } from "../../helpers/faults.js";
import { tempSqliteUrl } from "../../helpers/databases.js";

let tg: TelegramFake;
let jup: JupiterFake;
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function world(env: Record<string, string> = {}, fakeOpts: Parameters<typeof startTelegramFake>[0] = {}) {
  tg = await startTelegramFake(fakeOpts);
  jup = await startJupiterFake();
  cleanups.push(() => tg.close(), () => jup.close());
  const app = await makeTestApp({
    env: { TELEGRAM_BOT_TOKEN: tg.token, TELEGRAM_API_ROOT: tg.apiRoot, JUPITER_API_ROOT: jup.url, ...env },
  });
  cleanups.push(() => app.close());
  const adapter = createTelegram(app, { botInfo: tg.botInfo });
  await adapter.start();
  cleanups.push(() => adapter.stop());
  return { app, adapter };
}

const inChat = (chatId: number) => (m: { chat_id: number | string }) => String(m.chat_id) === String(chatId);

describe("Telegram end to end (real grammY against a fake Bot API)", () => {
  it("/start, /help and /price SOL get the right replies; the command menu is set", async () => {
    await world();
    tg.message({ chatId: 111, fromId: 111, text: "/start", firstName: "Ann" });
    expect((await tg.waitFor(inChat(111))).plainText).toContain("Welcome to Purser");
    tg.message({ chatId: 111, fromId: 111, text: "/help" });
    expect((await tg.waitFor((m) => inChat(111)(m) && !!m.plainText?.includes("Purser commands"))).parse_mode).toBe("HTML");
    tg.message({ chatId: 111, fromId: 111, text: "/price SOL" });
    const price = await tg.waitFor((m) => inChat(111)(m) && !!m.plainText?.includes("147.48"));
    expect(price.plainText).toMatch(/SOL\s+\$147\.48\s+\+1\.29% 24h\s+\(jupiter, \d+ s ago\)/);
    const menus = tg.calls.filter((c) => c.method === "setMyCommands");
    expect(menus.map((c) => (c.params.scope as { type: string }).type).sort()).toEqual(["all_group_chats", "all_private_chats"]);
    const privateMenu = menus.find((c) => (c.params.scope as { type: string }).type === "all_private_chats")!;
    expect((privateMenu.params.commands as Array<{ command: string }>).map((c) => c.command)).not.toContain("audit");
  });

  it("/chart SOL 7d arrives as one photo (a real PNG upload) with its caption under 1,024 characters", async () => {
    await world();
    tg.message({ chatId: 112, fromId: 112, text: "/chart SOL 7d" });
    const photo = await tg.waitFor((m) => inChat(112)(m) && m.method === "sendPhoto", 15_000);
    expect(photo.caption).toBeDefined();
    expect([...(photo.plainText ?? "")].length).toBeLessThanOrEqual(1024);
    expect(photo.plainText).toMatch(/SOL/);
    const call = tg.calls.find((c) => c.method === "sendPhoto" && String(c.params.chat_id) === "112")!;
    const file = Object.values(call.files)[0]!;
    expect(file.bytes).toBeGreaterThan(1000); // a multipart upload, not a URL
  });

  it("one chat's messages are handled in order while another chat is served meanwhile", async () => {
    const { app } = await world();
    const order: string[] = [];
    const realHandle = app.router.handle.bind(app.router);
    // The slow message lasts until chat 302's message has been handled (an event, not a guessed
    // duration); if chat 302 waited behind it, the bound runs out and the order check below fails.
    let otherChatDone!: () => void;
    const otherChat = new Promise<void>((r) => (otherChatDone = r));
    app.router.handle = async (msg, respond) => {
      order.push(`start ${msg.chat.id} ${msg.text}`);
      if (msg.text === "/start slow") await Promise.race([otherChat, new Promise((r) => setTimeout(r, 15_000))]);
      const out = await realHandle(msg, respond);
      order.push(`end ${msg.chat.id} ${msg.text}`);
      if (msg.chat.id === "302") otherChatDone();
      return out;
    };
    tg.message({ chatId: 301, fromId: 301, text: "/start slow" });
    tg.message({ chatId: 301, fromId: 301, text: "/whoami" });
    tg.message({ chatId: 302, fromId: 302, text: "/whoami" });
    await tg.waitFor((m) => inChat(301)(m) && !!m.plainText?.includes("Role"), 40_000);
    await tg.waitFor((m) => inChat(302)(m) && !!m.plainText?.includes("Role"), 40_000);
    // chat 301: the second message starts only after the first ended
    expect(order.indexOf("start 301 /whoami")).toBeGreaterThan(order.indexOf("end 301 /start slow"));
    // chat 302 did not wait for chat 301's slow message
    expect(order.indexOf("end 302 /whoami")).toBeLessThan(order.indexOf("end 301 /start slow"));
  });

  it("a long reply is split into well-formed parts of at most 4,096 characters", async () => {
    const { app } = await world({ ADMIN_IDS: "telegram:222" });
    for (let i = 0; i < 100; i++) {
      await app.services.audit.record({ at: app.clock.now() + i, action: `test.event_<b>&_${"x".repeat(40)}_${i}`, userId: "u" });
    }
    tg.message({ chatId: 222, fromId: 222, text: "/audit 100" });
    await tg.waitFor((m) => inChat(222)(m) && /_0 user/.test(m.plainText ?? ""), 15_000);
    const parts = tg.sent.filter(inChat(222));
    expect(parts.length).toBeGreaterThanOrEqual(2);
    for (const p of parts) expect(p.text!.length).toBeLessThanOrEqual(4096);
    const all = parts.map((p) => p.plainText).join("\n");
    for (let i = 0; i < 100; i++) expect(all).toContain(`test.event_<b>&_${"x".repeat(40)}_${i}`);
    expect(tg.calls.filter((c) => c.status === 400)).toEqual([]); // the fake rejects malformed HTML
  });

  it("a button works for the requester, and another user gets 'this is not your button'", async () => {
    await world();
    jup.tokens = [
      { id: "Moon1111111111111111111111111111111111111111", name: "Moon Token", symbol: "MOON", decimals: 6, isVerified: true },
      { id: "Moon2222222222222222222222222222222222222222", name: "Moon Scam", symbol: "MOON", decimals: 9, isVerified: false },
    ];
    jup.setUsdPrice("Moon1111111111111111111111111111111111111111", 0.25);
    tg.message({ chatId: -500, chatType: "group", fromId: 333, text: "/price moon" });
    const ask = await tg.waitFor((m) => inChat(-500)(m) && !!m.reply_markup);
    const kb = (ask.reply_markup as { inline_keyboard: Array<Array<{ text: string; callback_data: string }>> }).inline_keyboard;
    const first = kb[0]![0]!;
    expect(first.callback_data).toMatch(/^a1\./); // opaque, never the mint
    const before = tg.sent.length;
    tg.callback({ chatId: -500, fromId: 444, data: first.callback_data, messageId: ask.message_id });
    const refused = await tg.waitForCall((c) => c.method === "answerCallbackQuery" && c.params.show_alert === true);
    expect(refused.params.text).toBe("This is not your button.");
    expect(tg.sent.length).toBe(before);
    tg.callback({ chatId: -500, fromId: 333, data: first.callback_data, messageId: ask.message_id });
    const priced = await tg.waitFor((m) => inChat(-500)(m) && !!m.plainText?.includes("$0.25"), 30_000);
    // Nothing happened for the other user's press: one chat's updates are handled in order, so
    // whatever it caused would have been sent before this answer.
    expect(tg.sent.length).toBe(before + 1);
    expect(priced.plainText).toMatch(/^MOON\s+\$0\.25/);
    expect(priced.method).toBe("editMessageText"); // the choices are replaced by the answer
    expect(priced.message_id).toBe(ask.message_id);
    expect(tg.callbackAnswers.length).toBe(2); // every press stops spinning
  });

  it("a 429 with retry_after is waited out and nothing is lost", async () => {
    await world();
    tg.failNext("sendMessage", { error_code: 429, description: "Too Many Requests: retry after 1", parameters: { retry_after: 1 } });
    const t0 = Date.now();
    tg.message({ chatId: 555, fromId: 555, text: "/start" });
    const m = await tg.waitFor(inChat(555), 30_000);
    expect(m.plainText).toContain("Welcome");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect(tg.sent.filter(inChat(555))).toHaveLength(1);
  });

  it("the same update delivered twice, and again after a restart, is processed once", async () => {
    tg = await startTelegramFake();
    jup = await startJupiterFake();
    cleanups.push(() => tg.close(), () => jup.close());
    const env = { DATABASE_URL: await tempSqliteUrl(), TELEGRAM_BOT_TOKEN: tg.token, TELEGRAM_API_ROOT: tg.apiRoot };
    const boot = async () => {
      const app = await buildApp(testConfig(env), { log: silentLogger });
      const adapter = createTelegram(app, { botInfo: tg.botInfo });
      await adapter.start();
      return { app, adapter };
    };
    const stopAll = async (x: { app: App; adapter: TelegramAdapter }) => {
      await x.adapter.stop();
      await x.app.close();
    };
    let run = await boot();
    const update = tg.message({ chatId: 666, fromId: 666, text: "/link" });
    await tg.waitFor(inChat(666), 30_000);
    // After each redelivery a sentinel in the same chat: one chat's updates are handled in order, so
    // once its answer is out the redelivered update has been dealt with (no pause needed).
    const sentinel = async () => {
      tg.message({ chatId: 666, fromId: 666, text: "/whoami" });
      const n = tg.sent.filter((m) => inChat(666)(m) && !!m.plainText?.includes("Role")).length;
      await until(() => tg.sent.filter((m) => inChat(666)(m) && !!m.plainText?.includes("Role")).length > n, "the sentinel's answer");
    };
    const linkReplies = () => tg.sent.filter((m) => inChat(666)(m) && !m.plainText?.includes("Role"));
    await tg.redeliver(update);
    await sentinel();
    expect(linkReplies()).toHaveLength(1);
    await stopAll(run);
    run = await boot();
    await tg.redeliver(update);
    await sentinel();
    expect(linkReplies()).toHaveLength(1);
    const codes = await run.app.db.db.selectFrom("link_codes").selectAll().execute();
    expect(codes).toHaveLength(1);
    await stopAll(run);
  });

  it("a private reply asked for in a group goes to the DM; the group only hears that", async () => {
    await world();
    tg.message({ chatId: -700, chatType: "group", fromId: 777, username: "ann", text: "/whoami@PurserBot" });
    const dm = await tg.waitFor(inChat(777));
    expect(dm.plainText).toContain("Who you are");
    const note = await tg.waitFor(inChat(-700));
    expect(note.plainText).toBe("@ann, I sent you a private message.");
    expect(tg.sent.filter(inChat(-700)).some((m) => m.plainText?.includes("Who you are"))).toBe(false);
  });

  it("a user who never started the bot gets a deep link in the group, and nothing private", async () => {
    await world();
    tg.neverStarted(888);
    tg.message({ chatId: -800, chatType: "group", fromId: 888, username: "bob", text: "/whoami" });
    const note = await tg.waitFor(inChat(-800));
    expect(note.plainText).toContain("that answer is private");
    const url = (note.reply_markup as { inline_keyboard: Array<Array<{ url?: string }>> }).inline_keyboard[0]![0]!.url;
    expect(url).toBe("https://t.me/PurserBot?start=private");
    expect(tg.sent.some((m) => m.plainText?.includes("Who you are"))).toBe(false);
  });

  it("hostile user text and token names are escaped, never parsed as HTML", async () => {
    await world();
    jup.tokens = [{ id: "Evi11111111111111111111111111111111111111111", name: "<b>Scam</b> & <i>co", symbol: "EVIL", decimals: 6, isVerified: false }];
    jup.setUsdPrice("Evi11111111111111111111111111111111111111111", 1);
    tg.message({ chatId: 1300, fromId: 1300, text: "/price <b>unclosed&amp;" });
    const a = await tg.waitFor(inChat(1300));
    expect(a.plainText).toContain('"<b>unclosed&amp;" is not a token symbol.');
    tg.message({ chatId: 1300, fromId: 1300, text: `/help ${"w".repeat(5000)}` });
    await tg.waitFor((m) => inChat(1300)(m) && m.message_id !== a.message_id, 8000);
    tg.message({ chatId: 1300, fromId: 1300, text: "/price EVIL" });
    const b = await tg.waitFor((m) => inChat(1300)(m) && !!m.plainText?.includes("EVIL"), 8000);
    expect(b.plainText).toContain("EVIL (unverified)");
    expect(tg.calls.filter((c) => c.status === 400)).toEqual([]);
  });

  it("commands for another bot are ignored in groups", async () => {
    await world();
    tg.message({ chatId: -900, chatType: "group", fromId: 901, text: "/help@SomeoneElsesBot" });
    tg.message({ chatId: -900, chatType: "group", fromId: 901, text: "/start@PurserBot" });
    const m = await tg.waitFor(inChat(-900));
    expect(m.plainText).toContain("Welcome");
    expect(tg.sent.filter(inChat(-900))).toHaveLength(1);
  });

  it("a user who blocked the bot is marked undeliverable and pushes skip them", async () => {
    const { app, adapter } = await world();
    tg.block(999);
    const notifier = adapter.notifier();
    const r1 = await notifier.send("999", { kind: "info", blocks: [{ type: "text", spans: ["alert!"] }] });
    expect(r1).toMatchObject({ ok: false, permanent: true });
    expect(await app.repos.chatStatus.isUndeliverable("telegram", "999")).toBe(true);
    const calls = tg.calls.filter((c) => c.method === "sendMessage").length;
    expect(await notifier.send("999", { kind: "info", blocks: [{ type: "text", spans: ["again"] }] })).toMatchObject({ reason: "undeliverable" });
    expect(tg.calls.filter((c) => c.method === "sendMessage").length).toBe(calls); // not even tried
  });
});

describe("Telegram webhook mode", () => {
  it("answers 401 without processing for a missing or wrong secret, and processes the right one", async () => {
    tg = await startTelegramFake();
    cleanups.push(() => tg.close());
    const secret = "s3cret-token-for-webhooks";
    const app = await makeTestApp({
      env: {
        TELEGRAM_BOT_TOKEN: tg.token,
        TELEGRAM_API_ROOT: tg.apiRoot,
        TELEGRAM_WEBHOOK_URL: "https://purser.example/telegram/hook",
        TELEGRAM_WEBHOOK_SECRET: secret,
      },
    });
    cleanups.push(() => app.close());
    const adapter = createTelegram(app, { botInfo: tg.botInfo });
    await adapter.start();
    const server = new HttpServer(silentLogger).route("/telegram/hook", adapter.webhookHandler());
    const port = await server.listen(0, "127.0.0.1");
    cleanups.push(() => server.close());
    const url = `http://127.0.0.1:${port}/telegram/hook`;
    expect(tg.webhook?.url).toBe("https://purser.example/telegram/hook");
    const update = tg.message({ chatId: 1212, fromId: 1212, text: "/start" });
    expect(await tg.deliverWebhook(url, update)).toBe(401);
    expect(await tg.deliverWebhook(url, update, "wrong-secret-value-xx")).toBe(401);
    expect(tg.sent).toHaveLength(0);
    expect(await tg.deliverWebhook(url, update, secret)).toBe(200);
    await tg.waitFor(inChat(1212));
    // A load-balancer retry. The webhook is answered only once the update has been handled (grammY
    // waits for the handler), so by the time the 200 arrives any second reply would have been sent.
    expect(await tg.deliverWebhook(url, update, secret)).toBe(200);
    expect(tg.sent.filter(inChat(1212))).toHaveLength(1);
  });
});
