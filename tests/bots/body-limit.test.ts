import { generateKeyPairSync, sign } from "node:crypto";
import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createDiscord } from "../../bots/discord.js";
import { HttpServer, MAX_BODY_BYTES } from "../../bots/http.js";
import { createTelegram } from "../../bots/telegram.js";
import { silentLogger } from "../../core/ports/logger.port.js";
import { DEFAULT_GUILD, startDiscordFake } from "../fakes/discord-api.js";
import { startTelegramFake } from "../fakes/telegram-bot-api.js";
import { makeTestApp } from "../helpers/app.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const SECRET = "body-limit-webhook-secret";
const TG_PATH = "/telegram/hook";
const DC_PATH = "/discord/interactions";
const MB = 1 << 20;

/** One server with both webhook routes mounted, as bots/main.ts does. */
async function server() {
  const tg = await startTelegramFake();
  const dc = await startDiscordFake();
  cleanups.push(() => tg.close(), () => dc.close());
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const app = await makeTestApp({
    env: {
      TELEGRAM_BOT_TOKEN: tg.token,
      TELEGRAM_API_ROOT: tg.apiRoot,
      TELEGRAM_WEBHOOK_URL: `https://purser.example${TG_PATH}`,
      TELEGRAM_WEBHOOK_SECRET: SECRET,
      DISCORD_TOKEN: dc.token,
      DISCORD_APPLICATION_ID: dc.applicationId,
      DISCORD_API_ROOT: dc.apiRoot,
      DISCORD_PUBLIC_KEY: publicKey.export({ format: "der", type: "spki" }).subarray(-32).toString("hex"),
    },
  });
  cleanups.push(() => app.close());
  const http = new HttpServer(silentLogger);
  const telegram = createTelegram(app, { http, botInfo: tg.botInfo });
  await telegram.start();
  const discord = createDiscord(app, { http, guildId: DEFAULT_GUILD, interactionsPath: DC_PATH });
  http.route("/metrics", app.metrics.handler());
  await discord.start();
  cleanups.push(() => discord.stop(), () => telegram.stop());
  const port = await http.listen(0, "127.0.0.1");
  cleanups.push(() => http.close());
  const ts = () => String(Math.floor(app.clock.now() / 1000));
  const signed = (body: string) => {
    const t = ts();
    return { "x-signature-ed25519": sign(null, Buffer.from(t + body), privateKey).toString("hex"), "x-signature-timestamp": t };
  };
  // One small body through each route first: what the first request loads or allocates once (parsers,
  // lazily imported handler parts) is not counted as growth from a big body.
  await post(port, TG_PATH, tgHeaders, 64, { chunked: false });
  await post(port, DC_PATH, signed(""), 64, { chunked: false });
  return { tg, port, signed };
}

interface Sent {
  /** Status of the first response, or undefined when the connection ended without one. */
  status: number | undefined;
  /** Body bytes written before the response arrived. */
  sentBeforeResponse: number;
  /** Largest RSS growth of this process while the request ran. */
  rssGrowth: number;
}

/**
 * A raw HTTP/1.1 client: headers first, then (unless `bodyBytes` is 0) after a pause the body in 64 KB
 * chunks of one reused buffer, stopping as soon as a response arrives (unless `ignoreResponse`: a client
 * that sends its whole body regardless) or the socket ends.
 */
function post(
  port: number,
  path: string,
  headers: Record<string, string>,
  bodyBytes: number,
  opts: { chunked: boolean; declared?: number; ignoreResponse?: boolean },
): Promise<Sent> {
  return new Promise((resolve) => {
    const base = process.memoryUsage().rss;
    let peak = base;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 2);
    // a generous deadline: a server that never answers fails the test instead of hanging it
    const deadline = setTimeout(() => finish(), 15_000);
    const sock = connect(port, "127.0.0.1");
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let sent = 0;
    let status: number | undefined;
    let sentBeforeResponse = 0;
    let head = "";
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearInterval(sampler);
      clearTimeout(deadline);
      peak = Math.max(peak, process.memoryUsage().rss);
      sock.destroy();
      resolve({ status, sentBeforeResponse, rssGrowth: peak - base });
    };
    sock.on("data", (d) => {
      head += d.toString("latin1");
      const m = /^HTTP\/1\.1 (\d{3})/.exec(head);
      if (m && status === undefined) {
        status = Number(m[1]);
        sentBeforeResponse = sent;
        if (!opts.ignoreResponse) finish();
      }
    });
    sock.on("error", () => undefined);
    sock.on("close", finish);
    const lines = [`POST ${path} HTTP/1.1`, "Host: 127.0.0.1", "Content-Type: application/json", ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
    lines.push(opts.chunked ? "Transfer-Encoding: chunked" : `Content-Length: ${opts.declared ?? bodyBytes}`);
    sock.write(`${lines.join("\r\n")}\r\n\r\n`, () => {
      if (!bodyBytes) return; // headers only: the answer must come without a body
      // the body follows after a pause, as from a slow client
      setTimeout(() => void pump(), 20);
    });
    const pump = async () => {
      while (sent < bodyBytes && (status === undefined || opts.ignoreResponse) && !sock.destroyed) {
        const n = Math.min(chunk.length, bodyBytes - sent);
        const piece = n === chunk.length ? chunk : chunk.subarray(0, n);
        const ok = opts.chunked ? sock.write(`${n.toString(16)}\r\n`) && sock.write(piece) && sock.write("\r\n") : sock.write(piece);
        sent += n;
        if (!ok) await new Promise<void>((r) => (sock.destroyed ? r() : sock.once("drain", () => r()).once("close", () => r())));
      }
      if (opts.chunked && status === undefined && !sock.destroyed) sock.write("0\r\n\r\n");
      if (opts.ignoreResponse && status !== undefined) finish();
    };
  });
}

const tgHeaders = { "X-Telegram-Bot-Api-Secret-Token": SECRET };

describe("request bodies are capped at 1 MB on every route: 413, and the rest is never held in memory", () => {
  it("a declared Content-Length over the cap gets 413 before a single body byte is sent", async () => {
    const { port } = await server();
    for (const path of [TG_PATH, DC_PATH, "/metrics", "/no-such-route"]) {
      const r = await post(port, path, tgHeaders, 0, { chunked: false, declared: 200 * MB });
      expect(r.status, path).toBe(413);
    }
  });

  it.each([
    ["Telegram webhook (valid secret)", 5, TG_PATH],
    ["Telegram webhook (valid secret)", 64, TG_PATH],
    ["Discord interactions", 5, DC_PATH],
    ["Discord interactions", 64, DC_PATH],
  ] as const)("%s: a %i MB chunked body sent after a pause gets 413 at the cap; memory does not grow with it", async (_name, mb, path) => {
    const { port, signed } = await server();
    const r = await post(port, path, path === TG_PATH ? tgHeaders : signed(""), mb * MB, { chunked: true });
    expect(r.status).toBe(413);
    expect(r.sentBeforeResponse).toBeLessThan(mb * MB);
    expect(r.rssGrowth).toBeLessThan(12 * MB);
  });

  it.each([
    ["Telegram webhook (valid secret)", 5, TG_PATH],
    ["Telegram webhook (valid secret)", 64, TG_PATH],
    ["Discord interactions", 64, DC_PATH],
  ] as const)("%s: a %i MB body with its Content-Length sent anyway gets 413 at once; memory does not grow with it", async (_name, mb, path) => {
    const { port, signed } = await server();
    const r = await post(port, path, path === TG_PATH ? tgHeaders : signed(""), mb * MB, { chunked: false, ignoreResponse: true });
    expect(r.status).toBe(413);
    expect(r.rssGrowth).toBeLessThan(12 * MB);
  });

  it("after refusing big bodies the server still takes a normal update, and a body right at the cap is read", async () => {
    const { tg, port } = await server();
    await post(port, TG_PATH, tgHeaders, 64 * MB, { chunked: true });
    const update = tg.message({ chatId: 3131, fromId: 3131, text: "/start" });
    expect(await tg.deliverWebhook(`http://127.0.0.1:${port}${TG_PATH}`, update, SECRET)).toBe(200);
    await tg.waitFor((m) => String(m.chat_id) === "3131");
    // exactly the cap: read whole (and refused as JSON, not as too large)
    const r = await post(port, TG_PATH, tgHeaders, MAX_BODY_BYTES, { chunked: false });
    expect(r.status).toBe(400);
  });
});
