import { afterEach, describe, expect, it } from "vitest";
import { createTelegram } from "../../../bots/telegram.js";
import type { Reply } from "../../../core/domain/message.js";
import { startTelegramFake, type TelegramFake } from "../../fakes/telegram-bot-api.js";
import { testDatabases } from "../../helpers/databases.js";
import { ALICE, ALICE_DISCORD, withdrawWorld } from "../../helpers/address-book-world.js";

/*
 * The address-added announcement as a pushed message (issue 19): delivered by the outbox through the
 * real grammY adapter (fake Bot API) with its "This wasn't me" button, and to Discord beside it; the
 * button freezes withdrawals for its owner only.
 */

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

type Keyboard = { inline_keyboard: Array<Array<{ text: string; callback_data: string }>> };
const inChat = (chatId: string) => (m: { chat_id: number | string }) => String(m.chat_id) === chatId;

describe("the address-added announcement on Telegram (real grammY, fake Bot API)", () => {
  it("arrives once on Telegram and once on Discord with the button; a stranger's press does nothing; the owner's freezes", async () => {
    const tg: TelegramFake = await startTelegramFake();
    cleanups.push(() => tg.close());
    const t = testDatabases()[0]!.make();
    const db = await t.open();
    cleanups.push(() => t.cleanup());
    const w = await withdrawWorld(db, { env: { TELEGRAM_BOT_TOKEN: tg.token, TELEGRAM_API_ROOT: tg.apiRoot } });
    cleanups.push(() => w.close());
    const adapter = createTelegram(w.app, { botInfo: tg.botInfo });
    await adapter.start();
    cleanups.push(() => adapter.stop());
    w.app.services.notifications.register(adapter.notifier());
    const discord: Array<{ chatId: string; reply: Reply }> = [];
    w.app.services.notifications.register({ platform: "discord", send: async (chatId, reply) => (discord.push({ chatId, reply }), { ok: true, messageIds: ["d1"] }) });

    await w.link();
    const uid = await w.userOf(ALICE.id);
    w.tf.enable(uid, "111111");
    const cold = w.wallet().toBase58();
    expect((await w.app.say(`/withdraw add cold ${cold} 111111`, ALICE)).text).toContain("Added cold");
    while ((await w.app.services.outbox.runOnce()) > 0);

    const notice = await tg.waitFor((m) => inChat(ALICE.id)(m) && !!m.reply_markup);
    expect(notice.plainText).toContain("Withdrawal address added: cold");
    expect(notice.plainText).toContain(cold);
    const kb = (notice.reply_markup as Keyboard).inline_keyboard;
    expect(kb.flat().map((b) => b.text)).toEqual(["This wasn't me"]);
    expect(discord).toHaveLength(1);
    expect(discord[0]!.chatId).toBe(ALICE_DISCORD.id);
    expect(discord[0]!.reply.buttons?.flat().map((b) => b.label)).toEqual(["This wasn't me"]);
    expect(tg.sent.filter((m) => !!m.plainText?.includes("Withdrawal address added"))).toHaveLength(1);

    const data = kb[0]![0]!.callback_data;
    tg.callback({ chatId: Number(ALICE.id), fromId: 3003, data, messageId: notice.message_id });
    const refused = await tg.waitForCall((c) => c.method === "answerCallbackQuery" && c.params.show_alert === true);
    expect(refused.params.text).toBe("This is not your button.");
    expect(await w.app.services.addressBook!.freezeState(uid)).toEqual({ frozen: false });

    tg.callback({ chatId: Number(ALICE.id), fromId: Number(ALICE.id), data, messageId: notice.message_id });
    await tg.waitFor((m) => inChat(ALICE.id)(m) && !!m.plainText?.includes("Withdrawals frozen."), 15_000);
    expect(await w.app.services.addressBook!.freezeState(uid)).toMatchObject({ frozen: true, by: "user" });
  });
});
