import { readFileSync } from "node:fs";
import type { Update } from "grammy/types";
import { afterEach, describe, expect, it } from "vitest";
import { createTelegram } from "../../../bots/telegram.js";
import type { Logger } from "../../../core/ports/logger.port.js";
import { startJupiterFake, type JupiterFake } from "../../fakes/jupiter-api.js";
import { startTelegramFake, type SentMessage, type TelegramFake, type UpdateInput } from "../../fakes/telegram-bot-api.js";
import { makeTestApp } from "../../helpers/app.js";

let tg: TelegramFake;
let jup: JupiterFake;
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const fixture = <T>(name: string): T => JSON.parse(readFileSync(new URL(`../../fixtures/telegram/${name}`, import.meta.url), "utf8")) as T;
/** Supergroup updates built from the Bot API reference (see the file's _source). */
const supergroup = fixture<{ silent: Record<string, Update>; answered: Record<string, Update> }>("supergroup_updates.bot-api-docs.json");

/** Every warning and error the app logs, with its message. */
function recordingLogger(into: Array<{ level: string; msg: string | undefined }>): Logger {
  const log: Logger = {
    debug() {},
    info() {},
    warn: (_o, msg) => void into.push({ level: "warn", msg }),
    error: (_o, msg) => void into.push({ level: "error", msg }),
    child: () => log,
  };
  return log;
}

async function world(env: Record<string, string> = {}) {
  tg = await startTelegramFake();
  jup = await startJupiterFake();
  cleanups.push(() => tg.close(), () => jup.close());
  const problems: Array<{ level: string; msg: string | undefined }> = [];
  const app = await makeTestApp({
    env: { TELEGRAM_BOT_TOKEN: tg.token, TELEGRAM_API_ROOT: tg.apiRoot, JUPITER_API_ROOT: jup.url, ...env },
    log: recordingLogger(problems),
  });
  cleanups.push(() => app.close());
  const adapter = createTelegram(app, { botInfo: tg.botInfo });
  await adapter.start();
  cleanups.push(() => adapter.stop());
  return { app, problems };
}

const push = (u: Update) => {
  const { update_id: _id, ...rest } = structuredClone(u);
  return tg.pushUpdate(rest as UpdateInput);
};
const inChat = (chatId: number) => (m: SentMessage) => String(m.chat_id) === String(chatId);
const repliesTo = (chatId: number, messageId: number) =>
  tg.sent.filter((m) => inChat(chatId)(m) && (m.params.reply_parameters as { message_id?: number } | undefined)?.message_id === messageId);

describe("Telegram groups: Purser answers what is meant for it, and nothing else", () => {
  it("in a supergroup, other bots' commands, service messages and channel forwards get nothing; /cmd@PurserBot gets the hint; DMs are answered", async () => {
    const { app, problems } = await world();
    const chat = supergroup.answered.command_in_topic!.message!.chat.id;
    for (const u of Object.values(supergroup.silent)) push(u);
    const unknown = push(supergroup.answered.unknown_command_for_us!).message!;
    const typo = push(supergroup.answered.typo_for_us!).message!;
    const price = push(supergroup.answered.command_in_topic!).message!;
    // One chat's updates are handled in order: once the last one is answered, all were seen.
    await tg.waitFor((m) => inChat(chat)(m) && !!m.plainText?.includes("147.48"), 20_000);
    expect(repliesTo(chat, unknown.message_id).map((m) => m.plainText)).toEqual(["I don't know /report. See /help for what I can do."]);
    expect(repliesTo(chat, typo.message_id).map((m) => m.plainText)).toEqual(["I don't know /prise. Did you mean /price?"]);
    expect(repliesTo(chat, price.message_id)).toHaveLength(1);
    expect(tg.sent.filter(inChat(chat))).toHaveLength(3); // nothing for the other twelve updates
    expect(tg.sent.filter((m) => !inChat(chat)(m))).toEqual([]); // and no DMs either
    expect(problems).toEqual([]);
    // Someone who only joined (and Telegram's forwarding account) did not become a user.
    const users = (await app.db.db.selectFrom("identities").select("platform_user_id").execute()).map((u) => u.platform_user_id);
    const joined = supergroup.silent.new_chat_members!.message!.from!.id;
    expect(users).toContain(String(price.from!.id));
    expect(users).not.toContain(String(joined));
    expect(users).not.toContain("777000");
    // Captured private messages are still answered.
    const start = push(fixture<Update>("update_message_start.telegram-docs.json")).message!;
    expect((await tg.waitFor(inChat(start.chat.id))).plainText).toContain("Welcome to Purser");
    const hello = push(fixture<Update>("update_private_text_message.teloxide.json")).message!;
    expect((await tg.waitFor(inChat(hello.chat.id))).plainText).toBe("I work with commands: try /help to see what I can do.");
  });
});

describe("/whoami shows the ids ADMIN_IDS takes", () => {
  it("a user with a username sees telegram:<id> (@name), and that key in ADMIN_IDS makes them admin", async () => {
    const captured = fixture<Update>("update_private_text_message.teloxide.json");
    const ask = { ...captured, message: { ...captured.message!, text: "/whoami", entities: [{ type: "bot_command" as const, offset: 0, length: 7 }] } };
    await world();
    const chat = push(ask).message!.chat.id;
    const who = await tg.waitFor(inChat(chat));
    expect(who.plainText).toMatch(/Linked\s+telegram:218485655 \(@WaffleLapkin\)/);
    expect(who.plainText).toMatch(/Role\s+user/);
    await cleanups.splice(0).reverse().reduce((p, c) => p.then(c), Promise.resolve<unknown>(undefined));

    await world({ ADMIN_IDS: "telegram:218485655" });
    push(ask);
    expect((await tg.waitFor(inChat(chat))).plainText).toMatch(/Role\s+admin/);
  });
});
