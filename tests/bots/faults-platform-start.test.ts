import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startDiscordFake } from "../fakes/discord-api.js";
import { startTcpProxy } from "../fakes/tcp-proxy.js";
import { startTelegramFake } from "../fakes/telegram-bot-api.js";
import { startXFake } from "../fakes/x-api.js";
import { logLines, probe, until, type LogLine } from "../helpers/faults.js";
import { freePort } from "../helpers/net.js";
import { startPurserProcess } from "../helpers/process.js";

/*
 * Chat platforms unreachable at start-up, with Purser as a real OS process: it stays alive (/healthz
 * 200), says which platform is not connected (/readyz 503 naming it), warns once per failed attempt
 * (without the token), retries with back-off, and is ready once every platform is connected.
 */

type Proc = ReturnType<typeof startPurserProcess>;

function watch(p: Proc, logFile: string) {
  const alive = () => p.child.exitCode === null && p.child.signalCode === null;
  const why = () => `exit=${p.child.exitCode}\nstderr:\n${p.stderr()}\nlog:\n${logLines(logFile).slice(-12).map((l) => JSON.stringify(l)).join("\n")}`;
  const retries = (platform: string): LogLine[] => logLines(logFile).filter((l) => l.msg === `${platform} not reachable: retrying`);
  return { alive, why, retries };
}

async function stop(p: Proc) {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGTERM");
  return p.exited;
}

describe("a chat platform unreachable at start-up", () => {
  it("Telegram: getMe unanswered, then refused: a warning per attempt without the token, /readyz 503 naming telegram while /healthz is 200; ready and answering once Telegram is back", async () => {
    const tg = await startTelegramFake({ limits: false });
    const proxy = await startTcpProxy({ port: tg.port });
    const dir = mkdtempSync(join(tmpdir(), "purser-tgstart-"));
    const logFile = join(dir, "purser.log");
    const port = await freePort();
    tg.hold("getMe"); // Telegram accepts the connection and never answers
    const p = startPurserProcess(dir, port, {
      TELEGRAM_BOT_TOKEN: tg.token,
      TELEGRAM_API_ROOT: `http://127.0.0.1:${proxy.port}`,
      PLATFORM_CONNECT_TIMEOUT_S: "2",
      USER_RATE_LIMIT_PER_MIN: "1000",
      LOG_FILE: logFile,
      LOG_LEVEL: "info",
    });
    const { alive, why, retries } = watch(p, logFile);
    try {
      await until(() => !alive() || retries("telegram").length >= 1, "a warning about the unanswered getMe", 60_000, why);
      expect(retries("telegram")[0]).toMatchObject({ level: 40, attempt: 1, failure: "no answer within 2 s" });
      expect((await probe(port, "/healthz")).status).toBe(200);
      const notReady = await probe(port, "/readyz");
      expect(notReady.status).toBe(503);
      expect(notReady.body.failing).toEqual(["telegram"]);
      expect((notReady.body.checks as Record<string, { detail: string }>).telegram?.detail).toMatch(/^connecting: \d+ attempt\(s\) failed/);

      // Now the connection itself is refused: the attempts go on, each one warned about.
      proxy.cut();
      const before = retries("telegram").length;
      await until(() => !alive() || retries("telegram").length >= before + 2, "warnings about refused connections", 60_000, why);
      const seen = retries("telegram");
      expect(seen.map((l) => l.attempt)).toEqual(seen.map((_, i) => i + 1)); // one warning per attempt, counted
      expect(seen.every((l) => typeof l.retryInMs === "number" && l.retryInMs > 0 && l.retryInMs <= 60_000)).toBe(true);
      expect(seen.at(-1)!.failure).not.toMatch(/no answer/);
      expect((await probe(port, "/readyz")).status).toBe(503);

      // Telegram is back.
      tg.release("getMe");
      proxy.restore();
      await until(async () => !alive() || (await probe(port, "/readyz")).status === 200, "/readyz 200 once Telegram answers", 90_000, why);
      tg.message({ chatId: 81_001, fromId: 81_001, text: "/start" });
      expect((await tg.waitFor((m) => Number(m.chat_id) === 81_001, 20_000)).text).toMatch(/Welcome to Purser/);
      expect(logLines(logFile).some((l) => l.msg === "telegram connected")).toBe(true);
      expect(readFileSync(logFile, "utf8")).not.toContain(tg.token.split(":")[1]); // no secret, in any line
    } finally {
      await stop(p);
      await proxy.close();
      await tg.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it("Discord and X: refused at start-up, /readyz 503 naming both, a warning per attempt; ready once both answer", async () => {
    const dc = await startDiscordFake();
    const x = await startXFake();
    const dcProxy = await startTcpProxy({ port: new URL(dc.url).port ? Number(new URL(dc.url).port) : 80 });
    const xProxy = await startTcpProxy({ port: Number(new URL(x.url).port) });
    dcProxy.cut();
    xProxy.cut();
    const dir = mkdtempSync(join(tmpdir(), "purser-dcxstart-"));
    const logFile = join(dir, "purser.log");
    const port = await freePort();
    const p = startPurserProcess(dir, port, {
      DISCORD_TOKEN: dc.token,
      DISCORD_APPLICATION_ID: dc.applicationId,
      DISCORD_API_ROOT: `http://127.0.0.1:${dcProxy.port}/api`,
      TWITTER_API_ROOT: `http://127.0.0.1:${xProxy.port}`,
      TWITTER_APP_KEY: "app-key-123456",
      TWITTER_APP_SECRET: "app-secret-123456",
      TWITTER_ACCESS_TOKEN: "bot-access-token-123456",
      TWITTER_ACCESS_SECRET: "bot-access-secret-123456",
      // Refusals fail fast; the deadline only has to let a loaded machine finish a good attempt (gateway READY).
      PLATFORM_CONNECT_TIMEOUT_S: "20",
      LOG_FILE: logFile,
      LOG_LEVEL: "info",
    });
    const { alive, why, retries } = watch(p, logFile);
    try {
      await until(() => !alive() || (retries("discord").length >= 2 && retries("twitter").length >= 2), "warnings for both platforms", 120_000, why);
      expect((await probe(port, "/healthz")).status).toBe(200);
      const notReady = await probe(port, "/readyz");
      expect(notReady.status).toBe(503);
      expect(notReady.body.failing).toEqual(["discord", "twitter"]);
      for (const name of ["discord", "twitter"]) expect(retries(name).map((l) => l.attempt).slice(0, 2)).toEqual([1, 2]);

      dcProxy.restore();
      xProxy.restore();
      await until(async () => !alive() || (await probe(port, "/readyz")).status === 200, "/readyz 200 once both answer", 150_000, why);
      const ready = await probe(port, "/readyz");
      expect((ready.body.checks as Record<string, { detail: string }>).discord?.detail).toBe("connected");
      expect((ready.body.checks as Record<string, { detail: string }>).twitter?.detail).toBe("connected");
      expect(dc.gateway).toBeTruthy();
      const log = readFileSync(logFile, "utf8");
      for (const secret of [dc.token, "bot-access-secret-123456", "app-secret-123456"]) expect(log).not.toContain(secret);
    } finally {
      await stop(p);
      await Promise.all([dcProxy.close(), xProxy.close()]);
      await Promise.all([dc.close(), x.close()]);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
