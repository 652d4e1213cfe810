import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../helpers/net.js";
import { startPurserProcess } from "../helpers/process.js";

const TOKEN = "123456789:AAHsecretTelegramTokenValue-xyz_0123";
const SECRET_PART = "AAHsecretTelegramTokenValue";

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** A Telegram Bot API that refuses the token, its error description quoting the request URL (token included). */
async function refusingTelegram(): Promise<{ apiRoot: string; calls: string[] }> {
  const calls: string[] = [];
  const server = http.createServer((req, res) => {
    calls.push(req.url ?? "");
    req.resume();
    res.writeHead(401, { "content-type": "application/json" }).end(
      JSON.stringify({ ok: false, error_code: 401, description: `Unauthorized: invalid token for http://${req.headers.host}${req.url}` }),
    );
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  cleanup.push(() => new Promise((r) => server.close(r)));
  return { apiRoot: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls };
}

describe("nothing leaves the process through stderr with a secret in it", () => {
  it("a start-up error whose message carries the bot token in its URL is written with the token scrubbed", async () => {
    const tg = await refusingTelegram();
    const dir = mkdtempSync(join(tmpdir(), "purser-stderr-"));
    const p = startPurserProcess(dir, await freePort(), { TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: tg.apiRoot });
    cleanup.push(async () => void p.child.kill("SIGKILL"));
    expect(await p.exited).toBe(1);
    expect(tg.calls.some((u) => u.includes(`/bot${TOKEN}/getMe`))).toBe(true); // the token really was in the URL
    const err = p.stderr();
    expect(err).toMatch(/Purser failed to start: Call to 'getMe' failed! \(401: Unauthorized: invalid token for http:\/\/127\.0\.0\.1:\d+\/bot\[REDACTED\]\/getMe\)/);
    expect(err).not.toContain(SECRET_PART);
    expect(err).not.toContain(encodeURIComponent(TOKEN));
  }, 120_000);

  it("a library's console.error and an uncaught exception are scrubbed too (the crash is one line and exit code 1)", async () => {
    const loader = pathToFileURL(join(process.cwd(), "node_modules/tsx/dist/loader.mjs")).href;
    const stdio = pathToFileURL(join(process.cwd(), "bots/stdio.ts")).href;
    const script = [
      `const { guardStdio } = await import(${JSON.stringify(stdio)});`,
      "guardStdio(process.env);",
      "console.error('library says: ' + process.env.TELEGRAM_BOT_TOKEN);",
      "process.stdout.write('chat: ' + process.env.LLM_API_KEY + '\\n');",
      "setImmediate(() => { throw new Error('request to https://rpc.example/?api-key=' + process.env.RPC_KEY + ' failed'); });",
    ].join("\n");
    const RPC_KEY = "helius-key-0123456789";
    const run = promisify(execFile);
    const out = await run(process.execPath, ["--import", loader, "--input-type=module", "-e", script], {
      env: { ...process.env, TELEGRAM_BOT_TOKEN: TOKEN, LLM_API_KEY: "sk-live-secret-llm-key", RPC_KEY, SOLANA_RPC_URL: `https://rpc.example/?api-key=${RPC_KEY}` },
    }).then(
      () => undefined,
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    expect(out?.code).toBe(1);
    expect(out?.stderr).toContain("library says: [REDACTED]");
    expect(out?.stdout).toContain("chat: [REDACTED]");
    expect(out?.stderr).toMatch(/^Purser crashed: Error: request to https:\/\/rpc\.example\/\?api-key=\[REDACTED\] failed/m);
    for (const s of [SECRET_PART, "sk-live-secret-llm-key", RPC_KEY]) expect(`${out?.stdout}${out?.stderr}`).not.toContain(s);
  }, 120_000);
});
