import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, readEnvironment, SETTINGS } from "../../bots/config.js";
import type { PlatformAccount } from "../../core/domain/identity.js";

const problems = (env: Record<string, string>) => {
  try {
    loadConfig(env);
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
};

describe("config", () => {
  it("has safe defaults: SQLite file, paper trading, terminal chat", () => {
    const c = loadConfig({});
    expect(c.DATABASE_URL).toBe("sqlite:./data/purser.db");
    expect(c.TRADING_MODE).toBe("paper");
    expect(c.MARKET_SOURCE).toBe("auto");
    expect(c.HTTP_PORT).toBe(8080);
    expect(c.ADMIN_IDS).toEqual([]);
    expect(c.TELEGRAM_BOT_TOKEN).toBeUndefined();
    expect(Object.isFrozen(c)).toBe(true);
  });

  it("names each wrong variable on its own line", () => {
    const p = problems({ TRADING_MODE: "yolo", HTTP_PORT: "99999", ADMIN_IDS: "telegram:1,myspace:2", DATABASE_URL: "mysql://x" });
    expect(p).toHaveLength(4);
    expect(p.find((l) => l.startsWith("TRADING_MODE: "))).toMatch(/paper|live/);
    expect(p.find((l) => l.startsWith("HTTP_PORT: "))).toBeTruthy();
    expect(p.find((l) => l.startsWith("ADMIN_IDS: "))).toMatch(/telegram:123/);
    expect(p.find((l) => l.startsWith("DATABASE_URL: "))).toMatch(/sqlite/);
  });

  it("requires settings that only work together", () => {
    expect(problems({ DISCORD_TOKEN: "abc" })).toEqual(["DISCORD_APPLICATION_ID: required with the other Discord setting"]);
    expect(problems({ TWITTER_APP_KEY: "k" })).toHaveLength(3);
    expect(problems({ MASTER_KEY: "short" })[0]).toMatch(/^MASTER_KEY: must be at least 32/);
  });

  it("is frozen all the way down: neither a setting nor a list setting can be changed", () => {
    const c = loadConfig({ ADMIN_IDS: "telegram:1", PRICE_SOURCES: "jupiter" });
    expect(() => ((c as { TRADING_MODE: string }).TRADING_MODE = "live")).toThrow(TypeError);
    expect(() => (c.ADMIN_IDS as PlatformAccount[]).push({ platform: "telegram", id: "666" })).toThrow(TypeError);
    expect(() => ((c.ADMIN_IDS[0] as PlatformAccount).id = "666")).toThrow(TypeError);
    // ADMIN_IDS is parsed once, into typed accounts (was the strings ["telegram:1"]).
    expect(c.ADMIN_IDS).toEqual([{ platform: "telegram", id: "1" }]);
  });

  it("reads a .env file under the real environment, which wins", () => {
    const dir = mkdtempSync(join(tmpdir(), "purser-env-"));
    const file = join(dir, ".env");
    writeFileSync(file, "LOG_LEVEL=debug\nTRADING_MODE=paper\n# a comment\nHTTP_PORT=9191\n");
    const c = loadConfig(readEnvironment({ HTTP_PORT: "8181" }, file));
    expect([c.LOG_LEVEL, c.HTTP_PORT]).toEqual(["debug", 8181]);
    expect(loadConfig(readEnvironment({}, join(dir, "missing.env"))).LOG_LEVEL).toBe("info");
  });

  it("strips trailing slashes from API roots", () => {
    expect(loadConfig({ TELEGRAM_API_ROOT: "http://127.0.0.1:9/" }).TELEGRAM_API_ROOT).toBe("http://127.0.0.1:9");
  });

  it(".env.example lists every setting with its default", () => {
    const example = readFileSync(new URL("../../.env.example", import.meta.url), "utf8");
    for (const [name, s] of Object.entries(SETTINGS)) {
      expect(example, name).toMatch(new RegExp(`^#? ?${name}=${s.default.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}$`, "m"));
    }
  });

  it("an invalid setting stops start-up with a clear line", async () => {
    // Waits for the process to exit on its own (no wall-clock kill: starting tsx on a loaded machine
    // can take tens of seconds); the test's own timeout is the bound.
    const child = spawn(process.execPath, ["--import", "tsx", "bots/main.ts"], {
      env: { ...process.env, TRADING_MODE: "yolo", DATABASE_URL: "sqlite::memory:" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.stdin.on("error", () => {}); // it may exit before reading its input
    child.stdin.end("/help\n");
    const status = await new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
    expect(status, stderr).toBe(1);
    expect(stderr).toContain("Purser cannot start: invalid settings");
    expect(stderr).toMatch(/^ {2}TRADING_MODE: .*paper.*live/m);
    expect(stdout).not.toContain("Purser commands");
  }, 120_000);
});
