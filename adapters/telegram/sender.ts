import { GrammyError, InputFile, type Api } from "grammy";
import type { Reply } from "../../core/domain/message.js";
import type { Logger } from "../../core/ports/logger.port.js";
import type { ChatStatusStore, DeliveryResult, PushProgress } from "../../core/ports/notifier.port.js";
import { renderTelegram } from "./render.js";
import type { KvStore } from "../../core/ports/kv.port.js";

export interface SendOptions extends PushProgress {
  /** Reply in thread to this message (groups). */
  replyTo?: number;
}

/** 403: the user blocked the bot, or never started it: retrying cannot help. */
export const isForbidden = (e: unknown) => e instanceof GrammyError && e.error_code === 403;

/**
 * Sends a rendered Reply to one chat: photos first, then the text parts (buttons on the last).
 * A 403 marks the chat undeliverable; a 429 that outlived auto-retry is reported retryable.
 */
interface PendingDeletion {
  chatId: string;
  ids: number[];
  due: number;
}
const PENDING_KEY = "telegram:pending_deletions";

function parsePending(raw: string | undefined): PendingDeletion[] {
  if (!raw) return [];
  try {
    const v: unknown = JSON.parse(raw);
    if (!Array.isArray(v)) return [];
    return v.filter(
      (j): j is PendingDeletion =>
        !!j && typeof j.chatId === "string" && Array.isArray(j.ids) && j.ids.every((x: unknown) => Number.isInteger(x)) && typeof j.due === "number",
    );
  } catch {
    return [];
  }
}

export class TelegramSender {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly api: Api,
    private readonly chatStatus: ChatStatusStore,
    private readonly log: Logger,
    private readonly now: () => number,
    /** Where pending deletions (exported keys) are recorded so they survive a restart. */
    private readonly kv?: KvStore,
  ) {}

  /**
   * Parts are the photos, then the text messages, in that order; `skipParts` leaves out the first ones
   * (delivered by an earlier attempt) and `onPart` hears of each accepted part in the continuation
   * of Telegram's answer, before anything else is awaited.
   */
  async send(chatId: string | number, reply: Reply, opts: SendOptions = {}): Promise<DeliveryResult> {
    const r = renderTelegram(reply);
    const ids: number[] = [];
    const thread = opts.replyTo ? { reply_parameters: { message_id: opts.replyTo, allow_sending_without_reply: true } } : {};
    const parts: Array<() => Promise<{ message_id: number }>> = [
      ...r.photos.map((p) => () =>
        this.api.sendPhoto(chatId, new InputFile(Buffer.from(p.png), "chart.png"), {
          ...(p.caption ? { caption: p.caption, parse_mode: p.parse_mode } : {}),
          ...thread,
        }),
      ),
      ...r.messages.map((m) => () =>
        this.api.sendMessage(chatId, m.text, {
          parse_mode: m.parse_mode,
          link_preview_options: { is_disabled: true },
          ...(m.reply_markup ? { reply_markup: m.reply_markup } : {}),
          ...(ids.length ? {} : thread),
        }),
      ),
    ];
    try {
      for (let i = opts.skipParts ?? 0; i < parts.length; i++) {
        const sent = await parts[i]!();
        opts.onPart?.(i, i === parts.length - 1);
        ids.push(sent.message_id);
      }
    } catch (err) {
      return this.failed(String(chatId), err);
    }
    if (reply.deleteAfterS) this.deleteLater(chatId, ids, reply.deleteAfterS);
    return { ok: true, messageIds: ids.map(String) };
  }

  /** Edits the message that carried the pressed button; falls back to a new message. */
  async edit(chatId: number, messageId: number, reply: Reply): Promise<DeliveryResult> {
    const r = renderTelegram(reply);
    const only = r.messages.length === 1 && r.photos.length === 0 ? r.messages[0] : undefined;
    if (only) {
      try {
        await this.api.editMessageText(chatId, messageId, only.text, {
          parse_mode: only.parse_mode,
          link_preview_options: { is_disabled: true },
          ...(only.reply_markup ? { reply_markup: only.reply_markup } : {}),
        });
        return { ok: true, messageIds: [String(messageId)] };
      } catch (err) {
        if (err instanceof GrammyError && /not modified/i.test(err.description)) return { ok: true, messageIds: [String(messageId)] };
        this.log.debug({ err }, "edit failed; sending a new message instead");
      }
    }
    return this.send(chatId, reply);
  }

  private async failed(chatId: string, err: unknown): Promise<DeliveryResult> {
    if (isForbidden(err)) {
      const reason = (err as GrammyError).description;
      await this.chatStatus.markUndeliverable("telegram", chatId, reason, this.now());
      this.log.info({ chatId, reason }, "chat marked undeliverable");
      return { ok: false, permanent: true, reason };
    }
    if (err instanceof GrammyError) {
      const retryAfter = err.parameters?.retry_after;
      if (err.error_code === 429) return { ok: false, permanent: false, reason: err.description, retryAfterMs: (retryAfter ?? 1) * 1000 };
      if (err.error_code >= 500) return { ok: false, permanent: false, reason: err.description };
      this.log.error({ err, chatId }, "telegram refused a message");
      return { ok: false, permanent: true, reason: err.description };
    }
    this.log.warn({ err, chatId }, "telegram send failed");
    return { ok: false, permanent: false, reason: err instanceof Error ? err.message : String(err) };
  }

  /**
   * Deletes the messages after `afterS`. The deletion is also written to the kv store first (when
   * given), so a restart inside the window does not leave an exported key in the chat: the next
   * start (any process) deletes whatever is due or overdue (see resumeDeletions).
   */
  private deleteLater(chatId: string | number, ids: number[], afterS: number) {
    const due = this.now() + afterS * 1000;
    const job = { chatId: String(chatId), ids, due };
    void this.pending((list) => [...list, job]).catch((err: unknown) => this.log.warn({ err }, "pending deletion not recorded"));
    this.schedule(job);
  }

  private schedule(job: PendingDeletion) {
    const t = setTimeout(() => {
      this.timers.delete(t);
      void this.runDeletion(job);
    }, Math.max(0, job.due - this.now()));
    t.unref?.();
    this.timers.add(t);
  }

  private async runDeletion(job: PendingDeletion) {
    for (const id of job.ids) {
      // "message to delete not found" (already deleted, by us or the user) counts as done.
      await this.api.deleteMessage(job.chatId, id).catch((err: unknown) => this.log.debug({ err }, "delete failed"));
    }
    await this.pending((list) => list.filter((j) => !(j.chatId === job.chatId && j.ids.join() === job.ids.join()))).catch(() => undefined);
  }

  /** At start-up: every recorded deletion is scheduled again (overdue ones run at once). */
  async resumeDeletions(): Promise<number> {
    if (!this.kv) return 0;
    const list = parsePending(await this.kv.get(PENDING_KEY));
    for (const job of list) this.schedule(job);
    return list.length;
  }

  /** Read-modify-write of the pending list with compare-and-set (several processes may write it). */
  private async pending(change: (list: PendingDeletion[]) => PendingDeletion[]): Promise<void> {
    if (!this.kv) return;
    for (let i = 0; i < 10; i++) {
      const raw = await this.kv.get(PENDING_KEY);
      const next = JSON.stringify(change(parsePending(raw)).slice(-500));
      if (await this.kv.compareAndSet(PENDING_KEY, raw, next, this.now())) return;
    }
    throw new Error("pending deletions: too much contention");
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
