// Renders a platform-neutral Reply as Telegram HTML: photos with captions, then text messages
// split under the length limit, with the inline keyboard on the last one. Pure: the sender sends.

import type { Block, Button, Reply, Span } from "../../core/router/message.js";
import { codePoints, padKeys } from "../../core/router/reply.js";
import { BREAK, PLAIN, cutToFit, escapeAttr, escapeHtml, pack, sep, toHtml, tokenize } from "./render-split.js";
import type { Tok, Wrap } from "./render-split.js";

export { escapeHtml } from "./render-split.js";

export interface TelegramOutMessage {
  text: string;
  parse_mode: "HTML";
  reply_markup?: { inline_keyboard: Array<Array<{ text: string; callback_data: string }>> };
}

export interface TelegramOutPhoto {
  png: Uint8Array;
  caption?: string;
  parse_mode: "HTML";
}

export interface TelegramRendered {
  photos: TelegramOutPhoto[];
  messages: TelegramOutMessage[];
}

export interface TelegramRenderOptions {
  /** Longest message, measured on the emitted HTML (Telegram: 4,096 after parsing). */
  maxLength?: number;
  /** Longest photo caption, measured on the emitted HTML (Telegram: 1,024 after parsing). */
  maxCaption?: number;
}

export const TELEGRAM_MAX_TEXT = 4096;
export const TELEGRAM_MAX_CAPTION = 1024;
const MAX_CALLBACK_BYTES = 64;
const MAX_LABEL_CHARS = 64;
const ELLIPSIS = "\u2026";
/** Links Telegram opens; anything else (javascript:, data:, relative) is shown as plain text. */
const SAFE_URL = /^(?:https?|tg):\/\/[^\s\u0000-\u001f\u007f]+$/i;
const NEWLINES = /\r\n|[\n\r\u2028\u2029]/g;

/** Hands out one Wrap object per distinct tag, so equal neighbouring formatting merges. */
class Wraps {
  private readonly byOpen = new Map<string, Wrap>();
  readonly bold: Wrap;
  readonly pre: Wrap;

  constructor(private readonly max: number) {
    this.bold = this.get("<b>", "</b>");
    this.pre = this.get("<pre>", "</pre>");
  }

  get(open: string, close: string): Wrap {
    let w = this.byOpen.get(open);
    if (!w) this.byOpen.set(open, (w = { open, close }));
    return w;
  }

  span(s: Span): { text: string; wrap: Wrap } {
    if (typeof s === "string") return { text: s, wrap: PLAIN };
    if ("href" in s) {
      if (!SAFE_URL.test(s.href)) return { text: s.text, wrap: PLAIN };
      const text = s.text || s.href; // an empty link would vanish: show its address
      const open = `<a href="${escapeAttr(s.href)}">`;
      // A huge href would leave no room for text in a part: show the text without the link.
      if (open.length + 4 > this.max / 4) return { text, wrap: PLAIN };
      return { text, wrap: this.get(open, "</a>") };
    }
    const tag = s.style === "bold" ? "b" : s.style === "italic" ? "i" : "code";
    return { text: s.text, wrap: this.get(`<${tag}>`, `</${tag}>`) };
  }
}

/** Table rows as preformatted lines: keys padded (by code points) to the widest key. */
function tableLines(rows: ReadonlyArray<readonly [string, string]>): string[] {
  const keys = padKeys(rows.map(([k]) => k.replace(NEWLINES, " ")));
  return rows.map(([, v], i) => `${keys[i]}  ${v.replace(NEWLINES, " ")}`);
}

function blockTokens(b: Exclude<Block, { type: "image" }>, wraps: Wraps): Tok[] {
  if (b.type === "text") {
    return b.spans.flatMap((s) => {
      const { text, wrap } = wraps.span(s);
      return tokenize(text, wrap);
    });
  }
  if (b.type === "code") return tokenize(b.text, wraps.pre);
  const out: Tok[] = b.title ? tokenize(b.title, wraps.bold) : [];
  const lines = tableLines(b.rows);
  if (out.length && lines.length) out.push(sep(PLAIN, "\n", BREAK.glue)); // keep a title with its rows
  lines.forEach((line, n) => {
    if (n > 0) out.push(sep(wraps.pre, "\n", BREAK.line));
    out.push(...tokenize(line, wraps.pre));
  });
  return out;
}

/** Escaped text cut (on the plain text, never inside an entity) so it fits `max`, with an ellipsis. */
function fitEscaped(text: string, max: number): string {
  const full = escapeHtml(text);
  if (full.length <= max) return full;
  const [head] = cutToFit(text, max - ELLIPSIS.length);
  return escapeHtml(head.trimEnd()) + ELLIPSIS;
}

/** A button label cut to 64 code points (between grapheme clusters), ending in an ellipsis when cut. */
function label(text: string): string {
  if (codePoints(text) <= MAX_LABEL_CHARS) return text || ELLIPSIS;
  let out = "";
  let n = 0;
  for (const { segment } of new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(text)) {
    const c = codePoints(segment);
    if (n + c > MAX_LABEL_CHARS - 1) break;
    out += segment;
    n += c;
  }
  return out + ELLIPSIS;
}

function keyboard(rows: Button[][] | undefined): TelegramOutMessage["reply_markup"] {
  const inline_keyboard = (rows ?? [])
    .filter((row) => row.length > 0)
    .map((row) =>
      row.map((b) => {
        const bytes = Buffer.byteLength(b.action, "utf8");
        if (bytes < 1 || bytes > MAX_CALLBACK_BYTES) {
          throw new Error(`telegram render: button "${b.label}" has an action token of ${bytes} bytes (must be 1-64)`);
        }
        return { text: label(b.label), callback_data: b.action };
      }),
    );
  return inline_keyboard.length ? { inline_keyboard } : undefined;
}

function limit(value: number | undefined, fallback: number, min: number, name: string): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min) throw new RangeError(`telegram render: ${name} must be an integer >= ${min}`);
  return v;
}

/**
 * Renders a reply for Telegram's HTML parse mode. Every user- or token-supplied string is escaped;
 * text is split into messages of at most `maxLength` (each well-formed on its own); images become
 * photos with escaped captions of at most `maxCaption`; buttons go on the last message.
 */
export function renderTelegram(reply: Reply, opts: TelegramRenderOptions = {}): TelegramRendered {
  const max = limit(opts.maxLength, TELEGRAM_MAX_TEXT, 32, "maxLength");
  const maxCaption = limit(opts.maxCaption, TELEGRAM_MAX_CAPTION, 2, "maxCaption");
  const wraps = new Wraps(max);
  const photos: TelegramOutPhoto[] = [];
  const toks: Tok[] = [];
  for (const b of reply.blocks) {
    if (b.type === "image") {
      photos.push(b.caption ? { png: b.png, caption: fitEscaped(b.caption, maxCaption), parse_mode: "HTML" } : { png: b.png, parse_mode: "HTML" });
      continue;
    }
    const bt = blockTokens(b, wraps);
    if (!bt.length) continue;
    if (toks.length) toks.push(sep(PLAIN, "\n", BREAK.block));
    toks.push(...bt);
  }
  const messages: TelegramOutMessage[] = pack(toks, max).map((part) => ({ text: toHtml(part), parse_mode: "HTML" }));
  const markup = keyboard(reply.buttons);
  if (markup) {
    if (!messages.length) {
      // Buttons need a text message to ride on: the images' alt text, or a neutral prompt.
      const alt = reply.blocks.flatMap((b) => (b.type === "image" && b.alt.trim() ? [b.alt] : [])).join("\n");
      messages.push({ text: fitEscaped(alt || "Choose an option:", max), parse_mode: "HTML" });
    }
    (messages[messages.length - 1] as TelegramOutMessage).reply_markup = markup;
  }
  return { photos, messages };
}
