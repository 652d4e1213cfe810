import { Writable } from "node:stream";
import { GrammyError } from "grammy";
import { describe, expect, it } from "vitest";
import { errorInfo } from "../../adapters/discord/flow.js";
import { createLogger, MAX_LOG_STRING } from "../../adapters/logging/logger.js";
import { loadConfig, secretValues } from "../../bots/config.js";

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { lines, stream: stream as unknown as NodeJS.WritableStream & { write(s: string): boolean } };
}

describe("log redaction", () => {
  const config = loadConfig({
    TELEGRAM_BOT_TOKEN: "123456789:AAH-secret-telegram-token-value_xyz",
    LLM_API_KEY: "sk-live-very-secret-llm-key",
    MASTER_KEY: "m".repeat(20) + "master-secret-abcdef",
    DATABASE_URL: "postgres://purser:db-pass-word-123@127.0.0.1/test",
  });
  const secrets = secretValues(config);

  it("a secret value set in config never appears in log output, wherever it is", () => {
    const { lines, stream } = capture();
    const log = createLogger({ level: "debug", secrets, destination: stream });
    log.info({ config }, "config dump");
    log.info({ url: `https://api.telegram.org/bot${config.TELEGRAM_BOT_TOKEN}/getMe` }, "calling");
    log.error({ err: new Error(`401 for key ${config.LLM_API_KEY}`) }, "llm failed");
    log.warn(`raw message with ${config.MASTER_KEY} inside`);
    log.info({ nested: { deeper: { headers: { authorization: "Bearer abc.def.ghi" } } } }, "request");
    log.info({ conn: "postgres://purser:db-pass-word-123@127.0.0.1/test" }, "db");
    const out = lines.join("");
    expect(out).toContain("config dump");
    for (const s of [...secrets, "Bearer abc.def.ghi"]) expect(out).not.toContain(s);
    expect(out).toContain("[REDACTED]");
  });

  it("fields named like secrets are redacted at any depth even when not configured", () => {
    const { lines, stream } = capture();
    const log = createLogger({ level: "info", destination: stream });
    log.info(
      {
        wallet: { secretKey: "5Kb8kLf9zgWQnogidDA76MzPL6TsZZY36hWXMssSzNydYXYB9KF", publicKey: "So11111111111111111111111111111111111111112" },
        mnemonic: "abandon abandon abandon abandon",
        x_api_key: "jup-key-1234567",
        promptTokens: 42,
        botToken: "1:xyzxyzxyzxyz",
      },
      "wallet",
    );
    const out = lines.join("");
    expect(out).not.toContain("5Kb8kLf9");
    expect(out).not.toContain("abandon");
    expect(out).not.toContain("jup-key-1234567");
    expect(out).not.toContain("xyzxyzxyzxyz");
    expect(out).toContain("So11111111111111111111111111111111111111112"); // public keys stay useful
    expect(out).toContain('"promptTokens":42');
  });

  it("an error never carries its request into the log: a refused message holding a wallet key stays out", () => {
    const { lines, stream } = capture();
    const log = createLogger({ level: "info", destination: stream });
    const key = "4wBqpZM9xaSheZzJSMawUHDgZ7miWfSsxmfVF5jJpYP2ZmaxSoPBiLbKnW7bqDkFRxyTnhv5p8CgUfUbP4hmyJBy";
    const err = new GrammyError(
      "Call to 'sendMessage' failed! (400: Bad Request: chat not found)",
      { ok: false, error_code: 400, description: "Bad Request: chat not found" },
      "sendMessage",
      { chat_id: 42, text: `Your private key: ${key}` },
    );
    log.error({ err }, "telegram send failed");
    log.error({ err: new Error("wrapped", { cause: err }) }, "wrapped failure");
    const out = lines.join("");
    expect(out).not.toContain(key.slice(0, 20));
    expect(out).toContain("chat not found"); // the useful part stays
    expect(out).toContain('"method":"sendMessage"');
  });

  it("a Discord error whose token straddles a length cut is scrubbed before it is cut: no part of the token is logged", () => {
    const discordToken = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhIjKl.secret-discord-token-value-abcdefghijklmnop";
    const { lines, stream } = capture();
    const log = createLogger({ level: "info", secrets: secretValues(loadConfig({ DISCORD_TOKEN: discordToken, DISCORD_APPLICATION_ID: "123456789012345678" })), destination: stream });
    // the old 300-character cut fell inside the token; later parts of a long message are cut by the logger
    const message = `${"x".repeat(290)} ${discordToken} ${"y".repeat(MAX_LOG_STRING + 500)}`;
    log.warn({ err: errorInfo(Object.assign(new Error(message), { status: 401, code: 0 })) }, "discord push failed");
    const out = lines.join("");
    expect(out).toContain(`${"x".repeat(290)} [REDACTED] yyy`);
    for (let i = 0; i + 8 <= discordToken.length; i += 4) expect(out).not.toContain(discordToken.slice(i, i + 8));
    const logged = (JSON.parse(out) as { err: { message: string } }).err.message;
    expect(logged.length).toBeLessThanOrEqual(MAX_LOG_STRING);
    expect(logged.endsWith("...")).toBe(true);
  });
});
