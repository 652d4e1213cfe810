import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { startXFake } from "../fakes/x-api.js";
import { probe, until } from "../helpers/faults.js";
import { freePort } from "../helpers/net.js";
import { startPurserProcess } from "../helpers/process.js";

/** The SDKs a terminal chat never uses: each platform's, the LLM client and the chart drawing. */
const SDKS = ["grammy", "@grammyjs/runner", "@grammyjs/auto-retry", "discord.js", "twitter-api-v2", "twitter-text", "openai", "chart.js", "@napi-rs/canvas"];

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** Purser as a process with a probe that records every module it resolves; `packages()` names the npm packages among them. */
function probedPurser(env: Record<string, string>, opts: { chat?: boolean } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "purser-lazy-"));
  const out = join(dir, "resolved.txt");
  const probe = pathToFileURL(join(process.cwd(), "tests/helpers/resolve-probe.mjs")).href;
  const p = startPurserProcess(dir, 0, { ...env, RESOLVE_PROBE_OUT: out }, { ...opts, nodeArgs: ["--import", probe] });
  cleanup.push(async () => void p.child.kill("SIGKILL"));
  const packages = () => {
    const urls = existsSync(out) ? readFileSync(out, "utf8").split("\n") : [];
    const names = urls.map((u) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u)?.[1]).filter((n): n is string => Boolean(n));
    return new Set(names);
  };
  return { ...p, packages };
}

describe("SDKs are loaded only when configured or first used", () => {
  it("a terminal chat answers /start without resolving grammy, discord.js, twitter-api-v2, openai or the chart libraries", async () => {
    const p = probedPurser({}, { chat: true });
    p.child.stdin!.end("/start\n"); // one message, then end of input: the chat answers and Purser stops
    expect(await p.exited).toBe(0);
    expect(p.stdout()).toContain("Welcome to Purser");
    const loaded = p.packages();
    expect(loaded.has("kysely")).toBe(true); // the probe sees bare package imports
    expect(loaded.has("better-sqlite3")).toBe(true); // CommonJS ones too
    expect(SDKS.filter((s) => loaded.has(s))).toEqual([]);
  }, 120_000);

  it("with a Telegram token set, grammy is loaded (and the other platforms' SDKs still are not)", async () => {
    // A Bot API that refuses the token: Purser says so and exits, after grammy has made the call.
    const calls: string[] = [];
    const server = http.createServer((req, res) => {
      calls.push(req.url ?? "");
      req.resume();
      res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ ok: false, error_code: 401, description: "Unauthorized" }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    cleanup.push(() => new Promise((r) => server.close(r)));
    const apiRoot = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const p = probedPurser({ TELEGRAM_BOT_TOKEN: "123456789:AAlazyLoadingProbeToken_0123456789", TELEGRAM_API_ROOT: apiRoot, HTTP_PORT: String(await freePort()) });
    expect(await p.exited).toBe(1);
    expect(calls.some((u) => u.endsWith("/getMe"))).toBe(true);
    const loaded = p.packages();
    expect(loaded.has("grammy")).toBe(true);
    expect(["discord.js", "twitter-api-v2", "openai", "chart.js", "@napi-rs/canvas"].filter((s) => loaded.has(s))).toEqual([]);
  }, 120_000);

  it("with X configured, twitter-text (the weighted length of a post) loads on the first reply, not at start-up", async () => {
    const x = await startXFake();
    cleanup.push(() => x.close());
    const port = await freePort();
    const p = probedPurser({
      HTTP_PORT: String(port),
      TWITTER_API_ROOT: x.url,
      TWITTER_APP_KEY: "app-key",
      TWITTER_APP_SECRET: "app-secret",
      TWITTER_ACCESS_TOKEN: "bot-access-token",
      TWITTER_ACCESS_SECRET: "bot-access-secret",
      TWITTER_POLL_S: "5",
    });
    await until(async () => p.child.exitCode !== null || (await probe(port, "/readyz")).status === 200, "/readyz 200 with X connected", 90_000, p.stderr);
    expect(p.packages().has("twitter-api-v2")).toBe(true);
    expect(p.packages().has("twitter-text")).toBe(false);
    const t = x.mention({ username: "alice", name: "Alice" }, "@PurserBot help");
    const reply = await x.waitFor((r) => r.inReplyTo === t.id, 60_000);
    expect(reply.text.length).toBeGreaterThan(0);
    expect(p.packages().has("twitter-text")).toBe(true);
  }, 180_000);
});
