import { describe, expect, it } from "vitest";
import type { Identity } from "../../core/domain/identity.js";
import type { NewOutboxMessage } from "../../core/ports/alerts.port.js";
import { silentLogger } from "../../core/ports/logger.port.js";
import { Notifications } from "../../core/services/notifications.service.js";
import type { AlertFired } from "../../core/services/push-events.js";
import { levelAlert } from "../helpers/alerts.js";

const telegram = { platform: "telegram" as const, chatId: "100" };
const alert = levelAlert({ id: "abc123", userId: "u1", kind: "above", mint: "M", symbol: "SOL", level: 200, refValue: 150, notify: telegram, at: 0 });
const fired: AlertFired = {
  type: "alert.fired",
  alert,
  firing: 1,
  value: 201,
  tick: { mint: "M", symbol: "SOL", usd: 201, at: 1_000, source: "jupiter" },
  marketNow: 2_000,
  receivedAt: 1_500,
};
const x: Identity = { platform: "twitter", platformUserId: "x-42", userId: "u1", displayName: "u", linkedAt: 0 };

function world(o: { copyTo?: Array<"twitter">; linked?: Identity[] | Error } = {}) {
  const rows: NewOutboxMessage[] = [];
  const n = new Notifications({
    log: silentLogger,
    clock: { now: () => 5_000 },
    outbox: { enqueue: async (m) => (rows.push(m), true) },
    ...(o.copyTo ? { copyTo: o.copyTo } : {}),
    identities: async () => {
      if (o.linked instanceof Error) throw o.linked;
      return o.linked ?? [];
    },
  });
  return { n, rows };
}

describe("Notifications.push: one event, fanned out to the user's platforms", () => {
  it("writes one push to the chat it belongs to, keyed by the alert and its firing, rendered from the event", async () => {
    const { n, rows } = world({ copyTo: ["twitter"], linked: [] });
    await n.push({ userId: "u1", chat: telegram }, fired);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ dedupeKey: "alert:abc123:1", kind: "alert", target: telegram, sourceAt: 1_500 });
    expect(JSON.stringify(rows[0]?.reply)).toContain("SOL is above $200");
  });

  it("copies it to the user's linked X account as a DM, with its own key; never a second copy to the same chat", async () => {
    const { n, rows } = world({ copyTo: ["twitter"], linked: [x] });
    await n.push({ userId: "u1", chat: telegram }, fired);
    expect(rows.map((r) => [r.dedupeKey, r.target])).toEqual([
      ["alert:abc123:1", telegram],
      ["alert:abc123:1>twitter:x-42", { platform: "twitter", chatId: "x-42" }],
    ]);
    expect(rows[1]?.reply).toEqual(rows[0]?.reply);
    // Set on X itself: the push goes there once, no copy.
    const onX = world({ copyTo: ["twitter"], linked: [x] });
    await onX.n.push({ userId: "u1", chat: { platform: "twitter", chatId: "x-42" } }, fired);
    expect(onX.rows.map((r) => r.dedupeKey)).toEqual(["alert:abc123:1"]);
  });

  it("without copies configured, or when the linked accounts cannot be read, only the push itself is written", async () => {
    const off = world({ linked: [x] });
    await off.n.push({ userId: "u1", chat: telegram }, fired);
    expect(off.rows.map((r) => r.dedupeKey)).toEqual(["alert:abc123:1"]);
    const down = world({ copyTo: ["twitter"], linked: new Error("db away") });
    expect((await down.n.plan({ userId: "u1", chat: telegram }, fired)).map((r) => r.dedupeKey)).toEqual(["alert:abc123:1"]);
    expect(down.rows).toEqual([]); // plan writes nothing: the caller stores the rows with its own change
  });
});
