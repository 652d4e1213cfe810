import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { ConsoleChat } from "../../../adapters/console/console-chat.js";
import { renderConsole } from "../../../adapters/console/render.js";
import { codePoints, padKeys, plainText, reply } from "../../../core/router/reply.js";
import { PNG } from "pngjs";
import { readFileSync } from "node:fs";
import { makeTestApp, OFFLINE_ENV } from "../../helpers/app.js";

function runStart(input: string, env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), "purser-start-"));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const p = spawn(join(process.cwd(), "node_modules/.bin/tsx"), [join(process.cwd(), "bots/main.ts")], {
      cwd: dir,
      env: {
        ...process.env,
        ...OFFLINE_ENV,
        DATABASE_URL: `sqlite:${join(dir, "p.db")}`,
        LOG_FILE: join(dir, "purser.log"),
        REPLAY_DATA_DIR: join(process.cwd(), "data/replay"),
        ...env,
      },
    });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => (stderr += d));
    p.on("close", (code) => resolve({ code, stdout, stderr }));
    p.stdin.end(input);
  });
}

describe("terminal chat", () => {
  it("`printf '/help\\n/whoami\\n' | npm start` answers both without a terminal", async () => {
    const r = await runStart("/help\n/whoami\n");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Purser commands");
    expect(r.stdout).toContain("/whoami");
    expect(r.stdout).toMatch(/Role\s+admin/); // the local operator is the admin
    expect(r.stdout).toContain("console (private chat)");
  }, 120_000);

  it("with no network, falls back to replay loudly: /price SOL is labelled replay, /chart SOL 7d is a PNG", async () => {
    const r = await runStart("/price SOL\n/chart SOL 7d\n");
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("falling back to REPLAY");
    expect(r.stdout).toMatch(/SOL\s+\$\d+\.\d+\s+[+-]\d+\.\d+% 24h\s+\(replay, 2025-03-01 00:0\d UTC\)/);
    expect(r.stdout).toContain("Replay mode: these are real historical prices played back, not live prices.");
    const file = /saved to (\S+\.png)/.exec(r.stdout)?.[1];
    expect(file).toBeTruthy();
    const png = PNG.sync.read(readFileSync(file!));
    expect([png.width, png.height]).toEqual([800, 450]);
    const colours = new Set<number>();
    for (let i = 0; i < png.data.length; i += 4 * 97) colours.add(png.data.readUInt32BE(i));
    expect(colours.size).toBeGreaterThan(20); // not blank
  }, 120_000);

  it("refuses to trade live on replayed prices", async () => {
    const r = await runStart("/help\n", { TRADING_MODE: "live", MARKET_SOURCE: "replay" });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("TRADING_MODE=live refuses to run on replayed prices");
  }, 120_000);

  it("shows buttons as numbered choices and presses them by number", async () => {
    const app = await makeTestApp();
    const input = new PassThrough();
    const output = new PassThrough();
    let out = "";
    output.on("data", (d) => (out += d));
    let pressed: string | undefined;
    const chat = new ConsoleChat({
      input,
      output,
      interactive: false,
      user: { id: "local", name: "op" },
      imageDir: mkdtempSync(join(tmpdir(), "img-")),
      handle: async (msg, respond) => {
        if (msg.action) {
          pressed = msg.action;
          return respond(reply().line("pressed").build());
        }
        const [yes, no] = await app.services.actions.issue("u", "x", [
          { label: "Confirm", action: "yes" },
          { label: "Cancel", action: "no" },
        ]);
        return respond(reply().line("Sure?").buttons(yes!, no!).build());
      },
    });
    const done = chat.run();
    input.end("/anything\n2\n");
    await done;
    expect(out).toContain("[1] Confirm   [2] Cancel");
    expect(out).toContain("pressed");
    expect(pressed).toMatch(/^a1\./);
    await app.close();
  });

  it("an image of a reply meant to disappear (a 2FA QR code) is written owner-only and removed when the chat stops", async () => {
    const dir = mkdtempSync(join(tmpdir(), "img-"));
    const input = new PassThrough();
    const output = new PassThrough();
    output.resume();
    const png = new PNG({ width: 1, height: 1 });
    const bytes = PNG.sync.write(png);
    const chat = new ConsoleChat({
      input,
      output,
      interactive: false,
      user: { id: "local", name: "op" },
      imageDir: dir,
      handle: async (msg, respond) => respond(msg.text === "/secret" ? reply().image(bytes, "qr").deleteAfter(600).build() : reply().image(bytes, "chart").build()),
    });
    const done = chat.run();
    input.end("/secret\n/chart\n");
    await done;
    chat.stop();
    const left = readdirSync(dir);
    expect(left).toHaveLength(1); // the chart stays; the secret's image is gone
    expect(statSync(join(dir, left[0]!)).mode & 0o777).toBe(0o600);
  });

  it("renders tables aligned and strips terminal escapes from untrusted text", () => {
    const r = renderConsole(
      reply().table([["SOL", "1"], ["BONK\u001b[2J", "2"]]).line("evil\u001b]0;title\u0007").build(),
      false,
    );
    expect(r.text).toBe("  SOL      1\n  BONK[2J  2\nevil]0;title");
    expect(r.text).not.toContain("\u001b");
  });

  it("aligns a table by characters, not UTF-16 units: a key with an emoji pads as the terminal counts it, in every renderer", () => {
    const table = reply().table([["🚀", "1"], ["BONK", "2"], ["日本", "3"]]).build();
    expect(renderConsole(table, false).text).toBe("  🚀     1\n  BONK  2\n  日本    3");
    expect(plainText(table)).toBe("🚀     1\nBONK  2\n日本    3");
    expect(codePoints("a🚀b\ud83d")).toBe(4); // a lone surrogate counts as one
    expect(padKeys(["🚀", "ab", ""])).toEqual(["🚀 ", "ab", "  "]);
  });
});
