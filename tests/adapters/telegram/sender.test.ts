import { Api } from "grammy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TelegramSender } from "../../../adapters/telegram/sender.js";
import { silentLogger } from "../../../core/ports/logger.port.js";
import { startTelegramFake, type TelegramFake } from "../../fakes/telegram-bot-api.js";

let tg: TelegramFake;
beforeAll(async () => {
  tg = await startTelegramFake();
});
afterAll(async () => tg.close());

const chatStatus = { markUndeliverable: async () => {}, isUndeliverable: async () => false, clear: async () => {} };

describe("TelegramSender", () => {
  it("a reply marked deleteAfterS (an exported wallet key) is deleted from the chat when its time is up", async () => {
    const sender = new TelegramSender(new Api(tg.token, { apiRoot: tg.apiRoot }), chatStatus, silentLogger, Date.now);
    const secret = { kind: "info" as const, private: true, deleteAfterS: 1, blocks: [{ type: "text" as const, spans: ["Your private key: 4wBq..."] }] };
    const r = await sender.send(555, secret);
    expect(r.ok).toBe(true);
    const id = Number((r as { messageIds: string[] }).messageIds[0]);
    const deleted = () => tg.calls.some((c) => c.method === "deleteMessage" && String(c.params.chat_id) === "555" && Number(c.params.message_id) === id);
    await new Promise((res) => setTimeout(res, 500));
    expect(deleted()).toBe(false); // not before its time
    for (let i = 0; i < 40 && !deleted(); i++) await new Promise((res) => setTimeout(res, 50));
    expect(deleted()).toBe(true);
  });
});
