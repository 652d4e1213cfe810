import { buildApp, type App } from "../../bots/app.js";
import { loadConfig, type Config } from "../../bots/config.js";
import type { MarketOverrides } from "../../bots/market.js";
import type { TradingOverrides } from "../../bots/trading.js";
import type { WithdrawalParts } from "../../bots/withdraw-send.js";
import type { TreasurySettings } from "../../core/services/treasury/index.js";
import type { Platform } from "../../core/domain/identity.js";
import { silentLogger, type Logger } from "../../core/ports/logger.port.js";
import type { InboundMessage, Reply } from "../../core/router/message.js";
import type { Outcome } from "../../core/router/pipeline.js";
import { plainText } from "../../core/router/reply.js";
import type { Db } from "../../db/index.js";
import { FakeClock } from "./clock.js";

export interface TestApp extends App {
  clock: FakeClock;
  /** Sends a message as `who` and returns every reply. */
  say(text: string, who?: Partial<Sender>): Promise<{ outcome: Outcome; replies: Reply[]; text: string }>;
  press(action: string, who?: Partial<Sender>): Promise<{ outcome: Outcome; replies: Reply[]; text: string }>;
  send(msg: InboundMessage): Promise<{ outcome: Outcome; replies: Reply[]; text: string }>;
}

interface Sender {
  platform: Platform;
  id: string;
  name: string;
  chat: "private" | "group";
  chatId: string;
  updateId: string;
  botUsername: string;
}

let seq = 0;

/** Every outside endpoint points at a closed loopback port unless a test says otherwise: tests never leave the machine. */
export const CLOSED = "http://127.0.0.1:9";
export const OFFLINE_ENV: Record<string, string> = {
  TELEGRAM_API_ROOT: CLOSED,
  DISCORD_API_ROOT: CLOSED,
  TWITTER_API_ROOT: CLOSED,
  LLM_BASE_URL: `${CLOSED}/v1`,
  JUPITER_API_ROOT: CLOSED,
  SOLANA_RPC_URL: CLOSED,
  PYTH_HERMES_URL: CLOSED,
  PYTH_BENCHMARKS_URL: CLOSED,
  PRICE_TIMEOUT_MS: "500",
};

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ DATABASE_URL: "sqlite::memory:", LOG_LEVEL: "silent", ...OFFLINE_ENV, ...env });
}

export async function makeTestApp(
  opts: {
    env?: Record<string, string>;
    db?: Db;
    clock?: FakeClock;
    log?: Logger;
    market?: MarketOverrides;
    trading?: TradingOverrides;
    treasury?: TreasurySettings;
    withdrawals?: WithdrawalParts;
  } = {},
): Promise<TestApp> {
  const clock = opts.clock ?? new FakeClock();
  const config = testConfig(opts.env);
  const app = await buildApp(config, {
    log: opts.log ?? silentLogger,
    clock,
    ...(opts.db ? { db: opts.db } : {}),
    ...(opts.market ? { market: opts.market } : {}),
    ...(opts.trading ? { trading: opts.trading } : {}),
    ...(opts.treasury ? { treasury: opts.treasury } : {}),
    ...(opts.withdrawals ? { withdrawals: opts.withdrawals } : {}),
  });
  const send = async (msg: InboundMessage) => {
    const replies: Reply[] = [];
    const outcome = await app.router.handle(msg, async (r) => {
      replies.push(r);
    });
    return { outcome, replies, text: replies.map(plainText).join("\n---\n") };
  };
  const build = (text: string, who: Partial<Sender> = {}, action?: string): InboundMessage => {
    const platform = who.platform ?? "telegram";
    const id = who.id ?? "1001";
    const kind = who.chat ?? "private";
    return {
      platform,
      updateId: who.updateId ?? `u${++seq}`,
      chat: { id: who.chatId ?? (kind === "private" ? id : "-100"), kind },
      sender: { id, name: who.name ?? `user${id}` },
      text,
      botUsername: who.botUsername ?? "PurserBot",
      ...(action ? { action } : {}),
    };
  };
  return Object.assign(app, {
    clock,
    send,
    say: (text: string, who?: Partial<Sender>) => send(build(text, who)),
    press: (action: string, who?: Partial<Sender>) => send(build("", who, action)),
  }) as TestApp;
}
