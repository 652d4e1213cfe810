import { Api } from "grammy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TelegramSender } from "../../../adapters/telegram/sender.js";
import { silentLogger } from "../../../core/ports/logger.port.js";
import { startTelegramFake, type TelegramFake } from "../../fakes/telegram-bot-api.js";
import { until } from "../../helpers/faults.js";

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
    const sentAt = tg.sent.find((m) => String(m.chat_id) === "555")!.time;
    const deletion = () => tg.calls.find((c) => c.method === "deleteMessage" && String(c.params.chat_id) === "555" && Number(c.params.message_id) === id);
    expect(deletion()).toBeUndefined();
    await until(() => deletion() !== undefined, "the deleteMessage call");
    // Not before its time, as Telegram saw it (lateness on a loaded machine only makes it later).
    expect(deletion()!.time - sentAt).toBeGreaterThanOrEqual(1000);
  });

  it("a restart inside the window does not leave the key in the chat: the next process deletes it when due", async () => {
    const store = new Map<string, string>();
    const kv = {
      get: async (k: string) => store.get(k),
      set: async (k: string, v: string) => void store.set(k, v),
      compareAndSet: async (k: string, expected: string | undefined, v: string) => {
        if (store.get(k) !== expected) return false;
        store.set(k, v);
        return true;
      },
    };
    const api = new Api(tg.token, { apiRoot: tg.apiRoot });
    const first = new TelegramSender(api, chatStatus, silentLogger, Date.now, kv);
    const secret = { kind: "info" as const, private: true, deleteAfterS: 1, blocks: [{ type: "text" as const, spans: ["Your private key: 4wBq..."] }] };
    const r = await first.send(556, secret);
    const id = Number((r as { messageIds: string[] }).messageIds[0]);
    await until(() => store.has("telegram:pending_deletions"), "the pending deletion written");
    first.stop(); // the process dies: its timer is gone
    expect(JSON.parse(store.get("telegram:pending_deletions")!)).toEqual([{ chatId: "556", ids: [id], due: expect.any(Number) }]);
    const due = (JSON.parse(store.get("telegram:pending_deletions")!) as Array<{ due: number }>)[0]!.due;
    expect(due - tg.sent.find((m) => String(m.chat_id) === "556")!.time).toBeGreaterThanOrEqual(1000); // its time, as stored
    const deletion = () => tg.calls.find((c) => c.method === "deleteMessage" && String(c.params.chat_id) === "556" && Number(c.params.message_id) === id);
    const second = new TelegramSender(api, chatStatus, silentLogger, Date.now, kv);
    expect(await second.resumeDeletions()).toBe(1);
    await until(() => deletion() !== undefined, "the deleteMessage call");
    expect(deletion()!.time).toBeGreaterThanOrEqual(due); // not before its time
    await until(() => store.get("telegram:pending_deletions") === "[]", "the pending deletion forgotten");
    expect(JSON.parse(store.get("telegram:pending_deletions")!)).toEqual([]); // done, forgotten
    second.stop();
  });
});
