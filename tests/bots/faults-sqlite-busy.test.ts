import SQLite from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startTelegramFake } from "../fakes/telegram-bot-api.js";
import { logLines, until } from "../helpers/faults.js";
import { freePort } from "../helpers/net.js";
import { startPurserProcess } from "../helpers/process.js";

/*
 * Purser as a real OS process on a SQLite file that another program locks for writing (an open
 * BEGIN EXCLUSIVE, held past Purser's 5 s busy_timeout): the first write of every message, the
 * dedupe claim, fails with SQLITE_BUSY. The user hears "temporarily unavailable" and nothing runs;
 * the process lives; once the lock is gone the next message is answered normally.
 */

const UNAVAILABLE = /temporarily unavailable.*Nothing was done/is;

/** Another writer on the same file, holding the write lock until released. */
function lockForWriting(file: string) {
  const other = new SQLite(file);
  other.exec("BEGIN EXCLUSIVE");
  return () => {
    other.exec("COMMIT");
    other.close();
  };
}

describe("SQLite locked by another writer", () => {
  it("the terminal chat answers 'temporarily unavailable, nothing was done', keeps running, and answers normally once the lock is gone", async () => {
    const dir = mkdtempSync(join(tmpdir(), "purser-busy-chat-"));
    const p = startPurserProcess(dir, await freePort(), { LOG_FILE: join(dir, "purser.log"), LOG_LEVEL: "info" }, { chat: true });
    const alive = () => p.child.exitCode === null && p.child.signalCode === null;
    const why = () => `exit=${p.child.exitCode}\nstdout:\n${p.stdout()}\nstderr:\n${p.stderr()}`;
    const count = (re: RegExp) => p.stdout().split(new RegExp(re.source, `${re.flags.replace("g", "")}g`)).length - 1;
    let release: (() => void) | undefined;
    try {
      p.child.stdin!.write("/start\n");
      await until(() => !alive() || count(/Welcome to Purser/) === 1, "the first answer", 60_000, why);

      release = lockForWriting(join(dir, "p.db"));
      p.child.stdin!.write("/whoami\n");
      await until(() => !alive() || UNAVAILABLE.test(p.stdout()), "the unavailable answer", 60_000, why);
      expect(alive(), why()).toBe(true);
      expect(p.stdout()).not.toMatch(/Who you are/); // nothing ran
      expect(logLines(join(dir, "purser.log")).some((l) => l.msg === "dependency unavailable" && l.reason === "SQLITE_BUSY")).toBe(true);

      release();
      release = undefined;
      p.child.stdin!.write("/start\n");
      await until(() => !alive() || count(/Welcome to Purser/) === 2, "the answer after the lock is gone", 60_000, why);
      expect(alive(), why()).toBe(true);
      p.child.stdin!.end(); // end of input: the chat ends and the process stops cleanly
      expect(await p.exited).toBe(0);
    } finally {
      release?.();
      if (alive()) p.child.kill("SIGTERM");
      await p.exited;
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it("on Telegram the user gets 'temporarily unavailable, nothing was done' instead of silence, and the next message works", async () => {
    const tg = await startTelegramFake({ limits: false });
    const dir = mkdtempSync(join(tmpdir(), "purser-busy-tg-"));
    // Long polling: the reply does not depend on a webhook request staying open through the busy wait.
    const p = startPurserProcess(dir, await freePort(), {
      TELEGRAM_BOT_TOKEN: tg.token,
      TELEGRAM_API_ROOT: tg.apiRoot,
      USER_RATE_LIMIT_PER_MIN: "1000",
      LOG_FILE: join(dir, "purser.log"),
    });
    const alive = () => p.child.exitCode === null && p.child.signalCode === null;
    const why = () => `exit=${p.child.exitCode}\nstderr:\n${p.stderr()}`;
    const say = async (chatId: number, text: string) => {
      tg.message({ chatId, fromId: chatId, text });
      return (await tg.waitFor((m) => Number(m.chat_id) === chatId, 60_000)).text ?? "";
    };
    let release: (() => void) | undefined;
    try {
      await until(() => !alive() || tg.calls.some((c) => c.method === "getUpdates"), "long polling to start", 60_000, why);
      expect(await say(71_001, "/start")).toMatch(/Welcome to Purser/);

      release = lockForWriting(join(dir, "p.db"));
      expect(await say(71_002, "/whoami")).toMatch(UNAVAILABLE);
      expect(alive(), why()).toBe(true);

      release();
      release = undefined;
      expect(await say(71_003, "/start")).toMatch(/Welcome to Purser/);
      expect(alive(), why()).toBe(true);
    } finally {
      release?.();
      if (alive()) p.child.kill("SIGTERM");
      await p.exited;
      await tg.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
