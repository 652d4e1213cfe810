import { PublicKey, VersionedTransaction } from "@solana/web3.js";
import { encodeBase58 } from "../../adapters/solana/base58.js";
import { startPythFake, type PythFake } from "../fakes/pyth.js";
import { startSwapWorld, type SwapWorld } from "../fakes/solana/swap-harness.js";
import { startTelegramFake, type SentMessage, type TelegramFake } from "../fakes/telegram-bot-api.js";
import { deadline, startPurser, until, type Purser, type SharedDb } from "./outbox-faults.js";

/*
 * A live-trading Purser OS process for fault tests (tests/bots/faults-trade-kills.test.ts): the fake
 * Telegram Bot API, the fake Solana RPC (LiteSVM) and Jupiter swap API, and a fake Pyth for prices,
 * all in the test process, so the test sees (and can hold) every request Purser makes.
 */

export const CHAT = 4242;
const MASTER_KEY = "trade-kills-master-key-0123456789abcdef";
/** Generous: a loaded 2-core machine takes many seconds to start a Purser process. */
export const EVENT_MS = 90_000;
/** Purser's TRADE_TAKEOVER_S here (default 120): how long an interrupted order waits before a restarted process closes or tells it. */
export const TAKEOVER_S = 5;

/** How a user reads a message: its plain text (HTML removed). */
export const plain = (m: SentMessage) => String(m.plainText ?? m.text ?? m.caption ?? "");
/** A message that tells the outcome of a confirmed trade: the Confirm reply or a push. */
const OUTCOME = /^(Filled|Trade filled|Trade failed|Trade expired|Trade refused|Not executed|Refused)/;

export interface Preview {
  orderId: string;
  confirmData: string;
  messageId: number;
}

export class TradeKillWorld {
  proc: Purser | undefined;
  wallet!: PublicKey;
  private constructor(
    readonly w: SharedDb,
    readonly tg: TelegramFake,
    readonly swap: SwapWorld,
    readonly pyth: PythFake,
    /** Settings added to (or overriding) env() for every process started (the withdrawal kill tests turn WITHDRAWALS on). */
    private readonly extraEnv: Record<string, string> = {},
  ) {}

  static async open(w: SharedDb, extraEnv: Record<string, string> = {}): Promise<TradeKillWorld> {
    const [tg, swap, pyth] = await Promise.all([startTelegramFake({ limits: false }), startSwapWorld(), startPythFake()]);
    return new TradeKillWorld(w, tg, swap, pyth, extraEnv);
  }

  get sol() {
    return this.swap.sol;
  }

  get jup() {
    return this.swap.jup;
  }

  env(): Record<string, string> {
    return {
      TRADING_MODE: "live",
      MASTER_KEY,
      TELEGRAM_BOT_TOKEN: this.tg.token,
      TELEGRAM_API_ROOT: this.tg.apiRoot,
      JUPITER_API_ROOT: this.jup.url,
      SOLANA_RPC_URL: this.sol.url,
      SOLANA_WS_URL: this.sol.wsUrl,
      MARKET_SOURCE: "live",
      PRICE_SOURCES: "pyth",
      PYTH_HERMES_URL: this.pyth.url,
      PRICE_MAX_AGE_S: "3600", // the fake's prices are published once, at its start
      OUTBOX_LEASE_S: "1",
      USER_RATE_LIMIT_PER_MIN: "1000",
      TRADE_TAKEOVER_S: String(TAKEOVER_S),
      ...this.extraEnv,
    };
  }

  private exited = true;

  /** Whether the last Purser started is still running. */
  running(): boolean {
    return !!this.proc && !this.exited;
  }

  /** Starts Purser and resolves once it polls Telegram (start-up reconciliation has run by then). */
  async start(): Promise<Purser> {
    const mark = this.tg.calls.length;
    const p = (this.proc = await startPurser(this.w, this.env()));
    this.exited = false;
    void p.exited.then(() => {
      if (this.proc === p) this.exited = true;
    });
    const polling = until(() => (this.tg.calls.slice(mark).some((c) => c.method === "getUpdates") ? true : undefined), EVENT_MS, "Purser polls Telegram");
    await Promise.race([polling, p.exited.then((c) => Promise.reject(new Error(`purser exited (${c}):\n${p.stderr()}`)))]);
    return p;
  }

  /** Starts Purser without waiting for it (a gate may kill it while it starts). */
  async startUnready(): Promise<Purser> {
    return (this.proc = await startPurser(this.w, this.env()));
  }

  /** Sends `text` as the user; resolves with the first reply matching `want`. */
  async say(text: string, want: RegExp): Promise<SentMessage> {
    const mark = this.tg.sent.length;
    this.tg.message({ chatId: CHAT, fromId: CHAT, text });
    return this.waitSent((m, i) => i >= mark && want.test(plain(m)), `a reply to ${text} matching ${want}`);
  }

  async waitSent(pred: (m: SentMessage, index: number) => boolean, what: string): Promise<SentMessage> {
    return until(() => this.tg.sent.find((m, i) => String(m.chat_id) === String(CHAT) && pred(m, i)), EVENT_MS, `${what}\n${this.proc?.stderr() ?? ""}`);
  }

  async newWallet(): Promise<void> {
    const r = await this.say("/wallet new", /Your new wallet/);
    const address = /Your new wallet: (\w+)/.exec(plain(r))?.[1];
    if (!address) throw new Error(`no wallet in: ${plain(r)}`);
    this.wallet = new PublicKey(address);
    this.sol.airdrop(this.wallet, 2_000_000_000n);
    this.sol.mintTo(this.swap.mints.USDC, this.wallet, 500_000_000n);
  }

  /** `/buy SOL 15` (15 USDC for SOL): the preview's order and its Confirm button. */
  async preview(): Promise<Preview> {
    const m = await this.say("/buy SOL 15", /preview|Buy preview/i);
    const orderId = /order (o_[0-9a-f]{16})/.exec(plain(m))?.[1];
    const buttons = ((m.reply_markup as { inline_keyboard?: Array<Array<{ text: string; callback_data?: string }>> } | undefined)?.inline_keyboard ?? []).flat();
    const confirmData = buttons.find((b) => /^Confirm/.test(b.text))?.callback_data;
    if (!orderId || !confirmData) throw new Error(`not a preview: ${plain(m)}`);
    return { orderId, confirmData, messageId: m.message_id };
  }

  /** Presses Confirm on the preview; returns the callback query's id. */
  press(p: Preview): string {
    const u = this.tg.callback({ chatId: CHAT, fromId: CHAT, data: p.confirmData, messageId: p.messageId });
    return u.callback_query!.id;
  }

  async answerTo(callbackId: string) {
    return until(() => this.tg.callbackAnswers.find((a) => a.callback_query_id === callbackId), EVENT_MS, "the button press answered");
  }

  /** Messages in the user's chat that tell this order's outcome. */
  outcomes(orderId: string): SentMessage[] {
    return this.tg.sent.filter((m) => String(m.chat_id) === String(CHAT) && OUTCOME.test(plain(m)) && plain(m).includes(orderId));
  }

  usdc(): bigint {
    return this.sol.tokenBalance(this.wallet, this.swap.mints.USDC);
  }

  /** Counters a step compares before and after. */
  mark() {
    return {
      usdc: this.usdc(),
      landed: this.sol.landedBy(this.wallet).length,
      builds: this.jup.requestsTo("swap").length,
      sends: this.sol.callsTo("sendTransaction").length,
      sent: this.tg.sent.length,
    };
  }

  /** Signatures of the transactions Purser sent since `sends` calls (one per re-send of the same bytes). */
  sentSignatures(since: number): string[] {
    return this.sol
      .callsTo("sendTransaction")
      .slice(since)
      .map((c) => {
        const tx = VersionedTransaction.deserialize(Buffer.from(String((c.params as unknown[])[0]), "base64"));
        return encodeBase58(tx.signatures[0]!);
      });
  }

  /** Resolves when `fired` does (the gate killed the process), or fails with the process's stderr. */
  async trigger(fired: Promise<void>, what: string): Promise<void> {
    const p = this.proc;
    await Promise.race([fired, deadline(EVENT_MS, () => `${what}\n${p?.stderr() ?? ""}`)]);
  }

  async close(): Promise<void> {
    await this.proc?.kill();
    await Promise.all([this.tg.close(), this.swap.close(), this.pyth.close()]);
  }
}
