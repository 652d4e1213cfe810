import { describe, expect, it } from "vitest";
import type { OutboxStore } from "../../core/ports/alerts.port.js";
import type { Logger } from "../../core/ports/logger.port.js";
import { OutboxDispatcher } from "../../core/services/outbox-dispatcher.service.js";
import { Notifications } from "../../core/services/notifications.service.js";
import { silentLogger } from "../../core/ports/logger.port.js";

/** A logger that keeps (level, message) pairs. */
function recordingLogger(lines: Array<[string, string]>): Logger {
  const at =
    (level: string) =>
    (_obj: unknown, msg?: string): void => {
      lines.push([level, msg ?? ""]);
    };
  const log: Logger = { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error"), child: () => log, flush: () => {} } as unknown as Logger;
  return log;
}

describe("outbox dispatcher while the database is away", () => {
  it("logs the outage once (not every round), waits longer between failing rounds, and says when rounds succeed again", async () => {
    const lines: Array<[string, string]> = [];
    const claims: number[] = [];
    let down = true;
    let recovered: () => void = () => {};
    const back = new Promise<void>((r) => (recovered = r));
    const store = {
      claim: async () => {
        claims.push(performance.now());
        if (claims.length === 8) down = false;
        if (down) throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
        recovered();
        return [];
      },
    } as unknown as OutboxStore;
    const notifications = new Notifications({ log: silentLogger, outbox: store, clock: { now: () => Date.now() } });
    notifications.register({ platform: "telegram", send: async () => ({ ok: true, messageIds: [] }) });
    const d = new OutboxDispatcher({ store, notifications, clock: { now: () => Date.now() }, log: recordingLogger(lines), maxAttempts: 3, admins: [], pollMs: 2 });
    d.start();
    await back;
    await d.stop();
    expect(lines.filter(([l]) => l === "error")).toEqual([["error", "outbox round failed: retrying with growing waits until it succeeds"]]);
    expect(lines.filter(([l]) => l === "debug")).toHaveLength(6);
    expect(lines).toContainEqual(["info", "outbox rounds succeed again"]);
    // Waits grow: 4, 8, 16, 32, 64, 64, 64 ms (pollMs 2, doubling, capped at 2^5) - the last gap is at least the cap.
    const gaps = claims.slice(1).map((t, i) => t - claims[i]!);
    expect(gaps.at(-1)!).toBeGreaterThanOrEqual(60);
  });
});
