import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startTcpProxy } from "../fakes/tcp-proxy.js";
import { startTelegramFake } from "../fakes/telegram-bot-api.js";
import { logLines, ownPostgresDatabase, probe, until } from "../helpers/faults.js";
import { freePort } from "../helpers/net.js";
import { startPurserProcess } from "../helpers/process.js";

/*
 * Purser as a real OS process on a Postgres database of its own, reached through a loopback TCP
 * proxy the test can cut: first every connection is terminated on the server (what a failover, a
 * restart or an idle-connection reaper does), then the database is unreachable for a while.
 */

const pgUrl = process.env.TEST_DATABASE_URL;
const skip = pgUrl ? false : "TEST_DATABASE_URL is not set (CI sets it to the local Postgres)";
const SECRET = "faults-pg-drop-webhook-secret";

describe.skipIf(skip)(`losing the Postgres connection${skip ? ` (skipped: ${skip})` : ""}`, () => {
  it("a dropped connection is survived; while the database is unreachable a message gets 'temporarily unavailable, nothing was done' and /readyz is 503; the next message after it is back is answered normally", async () => {
    const db = await ownPostgresDatabase(pgUrl!);
    const proxy = await startTcpProxy({ host: db.host, port: db.port });
    const tg = await startTelegramFake({ limits: false });
    const dir = mkdtempSync(join(tmpdir(), "purser-pgdrop-"));
    const logFile = join(dir, "purser.log");
    const port = await freePort();
    const p = startPurserProcess(dir, port, {
      DATABASE_URL: db.urlVia(proxy.port),
      TELEGRAM_BOT_TOKEN: tg.token,
      TELEGRAM_API_ROOT: tg.apiRoot,
      TELEGRAM_WEBHOOK_URL: "https://purser.example/tg",
      TELEGRAM_WEBHOOK_SECRET: SECRET,
      USER_RATE_LIMIT_PER_MIN: "1000",
      LOG_FILE: logFile,
      LOG_LEVEL: "info",
    });
    const alive = () => p.child.exitCode === null && p.child.signalCode === null;
    const why = () => `exit=${p.child.exitCode} signal=${p.child.signalCode}\nstderr:\n${p.stderr()}\nlog:\n${logLines(logFile).slice(-15).map((l) => JSON.stringify(l)).join("\n")}`;
    let chat = 61_000;
    /** One Telegram message through the webhook; resolves with the webhook's status and the reply's text. */
    const say = async (text: string) => {
      const chatId = ++chat;
      const status = await tg.deliverWebhook(`http://127.0.0.1:${port}/tg`, tg.message({ chatId, fromId: chatId, text }), SECRET).catch(() => 0);
      expect(status, why()).toBe(200);
      return (await tg.waitFor((m) => Number(m.chat_id) === chatId, 20_000)).text ?? "";
    };
    try {
      await until(async () => !alive() || (await probe(port, "/readyz")).status === 200, "purser to be ready", 60_000, why);
      expect(alive(), why()).toBe(true);
      expect(await say("/start")).toMatch(/Welcome to Purser/);

      // 1. The server drops every connection Purser holds.
      const dropped = await db.terminateAll();
      expect(dropped.length).toBeGreaterThan(0);
      const reported = () => new Set(logLines(logFile).filter((l) => l.msg?.startsWith("database connection lost")).map((l) => l.pid));
      await until(() => !alive() || dropped.every((pid) => reported().has(pid)), "each dropped connection to be reported", 20_000, why);
      expect(alive(), why()).toBe(true);
      expect(await say("/start")).toMatch(/Welcome to Purser/); // reconnected by itself

      // 2. The database is unreachable for a while.
      proxy.cut();
      await until(async () => (await probe(port, "/readyz")).status === 503, "/readyz to say not ready", 20_000, why);
      const notReady = await probe(port, "/readyz");
      expect(notReady.body.failing).toContain("database");
      expect((notReady.body.checks as Record<string, { detail?: string }>).database?.detail).toMatch(/^unreachable/);
      expect((await probe(port, "/healthz")).status).toBe(200); // alive: no restart wanted
      expect(await say("/start")).toMatch(/temporarily unavailable.*Nothing was done/is);
      expect(await say("/balance")).toMatch(/temporarily unavailable.*Nothing was done/is);
      expect(alive(), why()).toBe(true);

      // 3. It is back.
      proxy.restore();
      await until(async () => (await probe(port, "/readyz")).status === 200, "/readyz to say ready again", 30_000, why);
      expect(await say("/start")).toMatch(/Welcome to Purser/);
      expect(alive(), why()).toBe(true);
      expect(logLines(logFile).filter((l) => /unhandled/i.test(l.msg ?? "")), "background loops catch their own failures").toEqual([]);
    } finally {
      if (alive()) p.child.kill("SIGTERM");
      await p.exited;
      await tg.close();
      await proxy.close();
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
