import { Keypair, type PublicKey } from "@solana/web3.js";
import { sql } from "kysely";
import { Secret, TOTP } from "otpauth";
import { BUILTIN_TOKENS } from "../../core/domain/builtin-tokens.js";
import { FINAL_STATUSES, type Order } from "../../core/domain/order.js";
import type { SentMessage } from "../fakes/telegram-bot-api.js";
import { until, type SharedDb } from "./outbox-faults.js";
import { CHAT, EVENT_MS, plain, TradeKillWorld, type Preview } from "./trade-kills.js";

/*
 * A live Purser OS process with withdrawals on (tests/bots/faults-withdraw-kills.test.ts), on the world of
 * the trade kill tests (tests/helpers/trade-kills.ts): the fake Telegram Bot API, the LiteSVM-backed Solana
 * RPC and Pyth, all in the test process. The user goes the whole way through chat: a custodial wallet,
 * /2fa setup with real TOTP codes computed from the secret the bot shows, /withdraw add with a code. Only
 * the address's delay is skipped, by moving its row's times back (WITHDRAW_ADDRESS_DELAY_H is at least 1 h).
 */

export const SOL_MINT = BUILTIN_TOKENS.find((t) => t.symbol === "SOL")!.mint;
/** WITHDRAW_ADDRESS_DELAY_H here: the least the setting allows. */
const DELAY_H = 1;
const PERIOD_MS = 30_000;
/** A message telling a withdrawal's outcome (the reply to its code, or a push); "Sent to Solana" is not one. */
const OUTCOME = /^(Withdrawal landed|Withdrawal failed|Withdrawal expired|Withdrawal refused|Refused: the withdrawal)/;
const buttonsOf = (m: SentMessage) =>
  ((m.reply_markup as { inline_keyboard?: Array<Array<{ text: string; callback_data?: string }>> } | undefined)?.inline_keyboard ?? []).flat();

export class WithdrawKillWorld {
  private totp: TOTP | undefined;
  private recovery: string[] = [];
  /** The last TOTP time-step this test gave the bot (the bot takes each step once). */
  private lastStep = -1;
  userId = "";

  private constructor(readonly k: TradeKillWorld) {}

  static async open(w: SharedDb): Promise<WithdrawKillWorld> {
    return new WithdrawKillWorld(await TradeKillWorld.open(w, { WITHDRAWALS: "on", WITHDRAW_ADDRESS_DELAY_H: String(DELAY_H) }));
  }

  get w(): SharedDb {
    return this.k.w;
  }

  get sol() {
    return this.k.sol;
  }

  /** `/wallet new`, funded with 5 SOL; the user's id. */
  async newWallet(): Promise<void> {
    await this.k.newWallet(); // 2 SOL
    this.sol.airdrop(this.k.wallet, 3_000_000_000n);
    this.userId = (await this.w.repos.users.findByIdentity("telegram", String(CHAT)))!.user.id;
  }

  /** `/2fa setup`: the secret read from the bot's message, the first code from it; the recovery codes kept. */
  async enable2fa(): Promise<void> {
    const setup = await this.k.say("/2fa setup", /Set up 2FA/);
    const secret = /\b([A-Z2-7]{32})\b/.exec(plain(setup))?.[1];
    if (!secret) throw new Error(`no TOTP secret in: ${plain(setup)}`);
    this.totp = new TOTP({ secret: Secret.fromBase32(secret), algorithm: "SHA1", digits: 6, period: 30 });
    const on = await this.k.say(`/code ${this.totpCode()}`, /2FA is on/);
    this.recovery = plain(on).match(/\b[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{2}\b/g) ?? [];
    if (this.recovery.length !== 10) throw new Error(`not ten recovery codes in: ${plain(on)}`);
  }

  /**
   * The code an authenticator app would show for the next time-step the bot has not taken, within the
   * one-step window it accepts (now or the next 30 s); undefined when both are taken.
   */
  private totpCode(): string | undefined {
    if (!this.totp) throw new Error("2FA is not set up");
    const now = Math.floor(Date.now() / PERIOD_MS);
    const step = Math.max(now, this.lastStep + 1);
    if (step > now + 1) return undefined;
    this.lastStep = step;
    return this.totp.generate({ timestamp: step * PERIOD_MS });
  }

  /** A fresh code: a TOTP code when a time-step is free, else one of the recovery codes (each works once). */
  code(): { code: string; kind: "totp" | "recovery" } {
    const t = this.totpCode();
    if (t) return { code: t, kind: "totp" };
    return { code: this.recoveryCode(), kind: "recovery" };
  }

  recoveryCode(): string {
    const r = this.recovery.shift();
    if (!r) throw new Error("out of recovery codes");
    return r;
  }

  /** `/withdraw add <label> <address> <code>`, then its delay skipped: its row's times moved back by the delay. */
  async addMatured(label: string): Promise<PublicKey> {
    const address = Keypair.generate().publicKey;
    // A recovery code here keeps the TOTP time-steps for the withdrawals.
    await this.k.say(`/withdraw add ${label} ${address.toBase58()} ${this.recoveryCode()}`, /^Added /);
    const back = DELAY_H * 3_600_000 + 60_000;
    const r = await this.w.db.db
      .updateTable("withdraw_addresses")
      .set({ added_at: sql<number>`added_at - ${back}`, usable_at: sql<number>`usable_at - ${back}` })
      .where("user_id", "=", this.userId)
      .where("label", "=", label)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) throw new Error(`address ${label} not in the book`);
    return address;
  }

  /** The live book's SOL position as if the user had bought `lamports` of SOL before (the ledger a withdrawal debits). */
  async seedSolPosition(lamports: bigint, costMicro: bigint): Promise<void> {
    if (!(await this.w.repos.books.ensure(this.userId, this.k.wallet.toBase58(), Date.now(), { mint: SOL_MINT, amount: lamports, costMicro }))) {
      throw new Error("the live book existed already");
    }
  }

  async solPosition(): Promise<{ amount: bigint; costMicro: bigint }> {
    const p = (await this.w.repos.books.positions(this.userId, this.k.wallet.toBase58())).find((x) => x.mint === SOL_MINT);
    return { amount: p?.amount ?? 0n, costMicro: p?.costMicro ?? 0n };
  }

  /** `/withdraw <amount> SOL to <label>`: the preview's order and its Confirm button. */
  async preview(amount: string, label: string): Promise<Preview> {
    const m = await this.k.say(`/withdraw ${amount} SOL to ${label}`, /^Withdrawal preview/);
    const orderId = /order (o_[0-9a-f]{16})/.exec(plain(m))?.[1];
    const confirmData = buttonsOf(m).find((b) => /^Confirm/.test(b.text))?.callback_data;
    if (!orderId || !confirmData) throw new Error(`not a withdrawal preview: ${plain(m)}`);
    return { orderId, confirmData, messageId: m.message_id };
  }

  /** Messages in the user's chat, from index `from` on, whose text matches. */
  messages(re: RegExp, from = 0): SentMessage[] {
    return this.k.tg.sent.filter((m, i) => i >= from && String(m.chat_id) === String(CHAT) && re.test(plain(m)));
  }

  /**
   * Confirm pressed twice at once: both presses answered; what each said (the code prompt, "Already
   * done") and the number of code prompts the chat got.
   */
  async doubleConfirm(p: Preview): Promise<{ prompts: number; answers: string[] }> {
    const mark = this.k.tg.sent.length;
    const ids = [this.k.press(p), this.k.press(p)];
    const answers = await Promise.all(ids.map((id) => this.k.answerTo(id)));
    await this.k.waitSent((m, i) => i >= mark && /^Send the code/.test(plain(m)), "the code prompt");
    const said = answers.map((a) => String(a.text ?? ""));
    if (!said.some((t) => /^Already done/.test(t))) {
      said.push(plain(await this.k.waitSent((m, i) => i >= mark && /^Already done/.test(plain(m)), "the second Confirm answered")));
    }
    return { prompts: this.messages(/^Send the code/, mark).length, answers: said };
  }

  /** Messages telling this order's outcome. */
  outcomes(orderId: string): SentMessage[] {
    return this.messages(OUTCOME).filter((m) => plain(m).includes(orderId));
  }

  /** The outbox rows telling this order's outcome (dedupe key trade:<order>:<event>). */
  async pushes(orderId: string) {
    return this.w.db.db.selectFrom("outbox").select(["kind", "state", "platform", "dedupe_key"]).where("dedupe_key", "like", `trade:${orderId}:%`).execute();
  }

  /** Terminal, marked told, every push for it delivered, and a message telling it seen: the outcome has settled. */
  async settled(orderId: string): Promise<Order> {
    return until(
      async () => {
        const o = await this.w.repos.orders.get(orderId);
        if (!o || !FINAL_STATUSES.includes(o.status)) return undefined;
        const row = await this.w.db.db.selectFrom("orders").select("told_at").where("id", "=", orderId).executeTakeFirstOrThrow();
        if (row.told_at === null) return undefined;
        if ((await this.pushes(orderId)).some((r) => r.state === "pending") || !this.outcomes(orderId).length) return undefined;
        return o;
      },
      EVENT_MS,
      `withdrawal ${orderId} settled and told\n${this.k.proc?.stderr() ?? ""}`,
    );
  }

  /** Withdrawal orders of the user. */
  async withdrawals(): Promise<Order[]> {
    return (await this.w.repos.orders.byUser(this.userId, 100)).filter((o) => o.side === "withdraw");
  }

  async close(): Promise<void> {
    await this.k.close();
  }
}
