/**
 * Token cards on Telegram (issue 18): the real grammY adapter against the fake Bot API, the whole app
 * behind it with the real card service on the fake Solana node and fake Jupiter (tests/helpers/card-app.ts).
 */
import { afterEach, describe, expect, it } from "vitest";
import { createTelegram } from "../../../bots/telegram.js";
import { startTelegramFake, type SentMessage, type TelegramFake } from "../../fakes/telegram-bot-api.js";
import { fundSol, startCardApp, type CardApp } from "../../helpers/card-app.js";

let tg: TelegramFake;
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function world(env: Record<string, string> = {}): Promise<CardApp> {
  tg = await startTelegramFake();
  cleanups.push(() => tg.close());
  const w = await startCardApp({ verified: ["freezable"], env: { TELEGRAM_BOT_TOKEN: tg.token, TELEGRAM_API_ROOT: tg.apiRoot, ...env } });
  cleanups.push(() => w.close());
  const adapter = createTelegram(w.app, { botInfo: tg.botInfo });
  await adapter.start();
  cleanups.push(() => adapter.stop());
  return w;
}

type Key = { text: string; callback_data?: string; url?: string };
const keyboard = (m: SentMessage): Key[][] => (m.reply_markup as { inline_keyboard?: Key[][] } | undefined)?.inline_keyboard ?? [];
const keyLabels = (m: SentMessage) => keyboard(m).map((row) => row.map((k) => k.text));
const key = (m: SentMessage, label: string): string => {
  const k = keyboard(m).flat().find((x) => x.text === label);
  if (!k?.callback_data) throw new Error(`no button "${label}" on: ${m.plainText}`);
  return k.callback_data;
};
const inChat = (chatId: number) => (m: SentMessage) => String(m.chat_id) === String(chatId);
const saying = (chatId: number, text: string) => (m: SentMessage) => inChat(chatId)(m) && !!m.plainText?.includes(text);
const WAIT = 20_000;
const FREEZE_LINE = "RED FLAG: Freeze authority present - the issuer can freeze your tokens so you cannot sell";

describe("token cards on Telegram (real grammY against a fake Bot API)", () => {
  it("a pasted mint in a private chat gets the card and preset buttons; a preset previews with the risk button; the acknowledgement fills", async () => {
    const w = await world();
    const mint = w.mint("freezable");
    tg.message({ chatId: 111, fromId: 111, text: mint, firstName: "Ann" });
    const card = await tg.waitFor(saying(111, "Frosty (FRZ)"), WAIT);
    expect(card.method).toBe("sendMessage");
    expect(card.parse_mode).toBe("HTML");
    expect(card.plainText).toContain(`Mint: ${mint}`);
    expect(card.plainText!.split("\n")).toContain(FREEZE_LINE);
    expect(card.plainText).toContain("1 red flag. Read them before you buy: a buy preview shows them again.");
    expect(keyLabels(card)).toEqual([["Buy 0.1 SOL", "Buy 0.5 SOL", "Buy 1 SOL"], ["Custom amount"]]);
    for (const k of keyboard(card).flat()) {
      expect(Buffer.byteLength(k.callback_data!)).toBeLessThanOrEqual(64); // Telegram's limit
      expect(k.callback_data).not.toContain(mint.slice(0, 8)); // opaque: the mint never travels in the button
    }

    await fundSol(w.app, { platform: "telegram", id: "111" });
    tg.callback({ chatId: 111, fromId: 111, data: key(card, "Buy 0.1 SOL"), messageId: card.message_id });
    const preview = await tg.waitFor(saying(111, "Buy preview"), WAIT);
    expect(preview.plainText).toMatch(/Pay\s+0\.1 SOL \(~\$15\.00\)/);
    expect(preview.plainText).toContain("RED Freeze authority present: the issuer can freeze your tokens so you cannot sell");
    expect(preview.plainText).toContain('Nothing happens unless you press "I understand the risks": only if you accept these risks.');
    expect(keyLabels(preview)).toEqual([["I understand the risks", "Cancel"]]);

    tg.callback({ chatId: 111, fromId: 111, data: key(preview, "I understand the risks"), messageId: preview.message_id });
    const filled = await tg.waitFor(saying(111, "Filled (paper)"), WAIT);
    expect(filled.method).toBe("editMessageText"); // the preview becomes the outcome
    expect(filled.message_id).toBe(preview.message_id);
    expect(keyboard(filled)).toEqual([]);
    expect(tg.calls.filter((c) => (c.status ?? 200) >= 400)).toEqual([]);
  });

  it("in a group a paste gets nothing; /token's buttons refuse a stranger with an alert and send the owner's preview privately", async () => {
    const w = await world();
    const mint = w.mint("freezable");
    const group = -500;
    tg.message({ chatId: group, chatType: "supergroup", fromId: 333, text: mint, firstName: "Ann" });
    // One chat's updates are handled in order: once this answer is out, the paste was handled.
    tg.message({ chatId: group, chatType: "supergroup", fromId: 333, text: "/price SOL", firstName: "Ann" });
    await tg.waitFor(saying(group, "SOL"), WAIT);
    expect(tg.sent.map((m) => m.plainText?.split("\n")[0])).toEqual([expect.stringMatching(/^SOL\s+\$150/)]);

    tg.message({ chatId: group, chatType: "supergroup", fromId: 333, text: `/token ${mint}`, firstName: "Ann" });
    const card = await tg.waitFor(saying(group, "Frosty (FRZ)"), WAIT);
    expect(keyLabels(card)).toEqual([["Buy 0.1 SOL", "Buy 0.5 SOL", "Buy 1 SOL"], ["Custom amount"]]);
    await fundSol(w.app, { platform: "telegram", id: "333" });
    const sent = tg.sent.length;

    tg.callback({ chatId: group, fromId: 444, data: key(card, "Buy 0.1 SOL"), messageId: card.message_id, firstName: "Bob" });
    const refused = await tg.waitForCall((c) => c.method === "answerCallbackQuery" && c.params.show_alert === true, WAIT);
    expect(refused.params.text).toBe("This is not your button.");

    tg.callback({ chatId: group, fromId: 333, data: key(card, "Buy 0.1 SOL"), messageId: card.message_id, firstName: "Ann" });
    const preview = await tg.waitFor(saying(333, "Buy preview"), WAIT);
    expect(keyLabels(preview)).toEqual([["I understand the risks", "Cancel"]]);
    const notice = await tg.waitFor(saying(group, "I sent you a private message"), WAIT);
    expect(notice.plainText).toBe("Ann, I sent you a private message.");
    // The stranger's press sent nothing: only the owner's preview (in private) and the notice in the group.
    expect(tg.sent.slice(sent).map((m) => String(m.chat_id))).toEqual(["333", String(group)]);
    expect(tg.sent.filter(inChat(group)).some((m) => m.plainText?.includes("Buy preview"))).toBe(false);
    expect(tg.callbackAnswers).toHaveLength(2); // both presses stopped spinning
  });

  it("/settings in a private chat shows the settings with buttons; in a group it only says to use a private chat", async () => {
    await world();
    tg.message({ chatId: 555, fromId: 555, text: "/settings", firstName: "Cy" });
    const mine = await tg.waitFor(saying(555, "Your settings"), WAIT);
    expect(mine.plainText).toMatch(/Buy presets SOL\s+0\.1 \/ 0\.5 \/ 1 SOL/);
    expect(keyLabels(mine).flat()).toEqual(expect.arrayContaining(["50 bps", "Pay with USDC", "Reset all"]));
    for (const k of keyboard(mine).flat()) expect(Buffer.byteLength(k.callback_data!)).toBeLessThanOrEqual(64);

    const group = -600;
    tg.message({ chatId: group, chatType: "supergroup", fromId: 555, text: "/settings", firstName: "Cy" });
    const told = await tg.waitFor(inChat(group), WAIT);
    expect(told.plainText).toBe("/settings only works in a private chat with me.");
    expect(keyboard(told)).toEqual([]);
    // nothing private went anywhere: the one settings message is the private chat's
    expect(tg.sent.filter((m) => m.plainText?.includes("Your settings"))).toHaveLength(1);
    expect(tg.sent.filter(inChat(555))).toHaveLength(1);
  });
});
