// Validation rules of the fake Telegram Bot API: HTML parse mode (modelled on
// tdlib's parse_html), length limits, inline keyboards and bot commands.
// Every function returns a Telegram-style description or the parsed result.

import type { MessageEntity } from "grammy/types";

export const MAX_TEXT_LENGTH = 4096;
export const MAX_CAPTION_LENGTH = 1024;
export const MAX_CALLBACK_DATA_BYTES = 64;

export type Parsed =
  | { ok: true; text: string; entities: MessageEntity[] }
  | { ok: false; description: string };

const SUPPORTED_TAGS = new Set([
  "a", "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler",
  "tg-emoji", "tg-time", "code", "pre", "blockquote",
]);

const NAMED_ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"' };

interface OpenTag {
  name: string;
  attrs: Record<string, string>;
  offset: number; // UTF-16 offset in the parsed text
}

const parseError = (detail: string): Parsed => ({
  ok: false,
  description: `Bad Request: can't parse entities: ${detail}`,
});

function byteOffset(src: string, index: number): number {
  return Buffer.byteLength(src.slice(0, index), "utf8");
}

/** Decodes an HTML entity starting at `i` (which holds "&"); null if none. */
function decodeEntity(src: string, i: number): { char: string; length: number } | null {
  const m = /^&(#[0-9]{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z]{2,4});/.exec(src.slice(i, i + 12));
  if (!m || m[1] === undefined) return null;
  const body = m[1];
  let char: string | undefined;
  if (body.startsWith("#x")) char = safeCodePoint(parseInt(body.slice(2), 16));
  else if (body.startsWith("#")) char = safeCodePoint(parseInt(body.slice(1), 10));
  else char = NAMED_ENTITIES[body];
  return char === undefined ? null : { char, length: m[0].length };
}

function safeCodePoint(cp: number): string | undefined {
  return cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : undefined;
}

/** Reads attributes of a start tag from `i` (just after the name) up to ">". */
function readAttributes(
  src: string,
  i: number,
): { attrs: Record<string, string>; end: number } | null {
  const attrs: Record<string, string> = {};
  let pos = i;
  for (;;) {
    while (pos < src.length && /\s/.test(src[pos] ?? "")) pos++;
    if (pos >= src.length) return null;
    if (src[pos] === ">") return { attrs, end: pos + 1 };
    const nameMatch = /^[a-zA-Z0-9_-]+/.exec(src.slice(pos));
    if (!nameMatch) return null;
    const name = nameMatch[0].toLowerCase();
    pos += nameMatch[0].length;
    if (src[pos] !== "=") {
      attrs[name] = "";
      continue;
    }
    pos++;
    const quote = src[pos];
    let value: string;
    if (quote === '"' || quote === "'") {
      const close = src.indexOf(quote, pos + 1);
      if (close < 0) return null;
      value = src.slice(pos + 1, close);
      pos = close + 1;
    } else {
      const bare = /^[^\s>]*/.exec(src.slice(pos))?.[0] ?? "";
      value = bare;
      pos += bare.length;
    }
    attrs[name] = value.replace(/&(lt|gt|amp|quot);/g, (_, e: string) => NAMED_ENTITIES[e] ?? "");
  }
}

function entityFor(tag: OpenTag, length: number, parent: OpenTag | undefined): MessageEntity | null {
  const offset = tag.offset;
  switch (tag.name) {
    case "b": case "strong": return { type: "bold", offset, length };
    case "i": case "em": return { type: "italic", offset, length };
    case "u": case "ins": return { type: "underline", offset, length };
    case "s": case "strike": case "del": return { type: "strikethrough", offset, length };
    case "span": case "tg-spoiler": return { type: "spoiler", offset, length };
    case "a": return { type: "text_link", offset, length, url: tag.attrs.href ?? "" };
    case "tg-emoji":
      return { type: "custom_emoji", offset, length, custom_emoji_id: tag.attrs["emoji-id"] ?? "" };
    case "code":
      return parent?.name === "pre" ? null : { type: "code", offset, length };
    case "pre":
      return tag.attrs.language
        ? { type: "pre", offset, length, language: tag.attrs.language }
        : { type: "pre", offset, length };
    case "blockquote":
      return { type: "expandable" in tag.attrs ? "expandable_blockquote" : "blockquote", offset, length };
    default: return null;
  }
}

/**
 * Parses Telegram HTML. Stricter than Telegram in one way (by design, to catch
 * escaping bugs): a bare "&" that does not start an entity is rejected unless
 * `strictAmpersand` is false.
 */
export function parseHtml(src: string, strictAmpersand = true): Parsed {
  let text = "";
  const stack: OpenTag[] = [];
  const entities: MessageEntity[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i] as string;
    if (ch === "&") {
      const decoded = decodeEntity(src, i);
      if (decoded) {
        text += decoded.char;
        i += decoded.length;
        continue;
      }
      if (strictAmpersand) {
        return parseError(
          `Character '&' at byte offset ${byteOffset(src, i)} is not a part of an entity; escape it as &amp;`,
        );
      }
      text += ch;
      i++;
      continue;
    }
    if (ch !== "<") {
      text += ch;
      i++;
      continue;
    }
    const begin = i;
    if (src[i + 1] === "/") {
      const m = /^<\/([a-zA-Z0-9-]*)\s*>/.exec(src.slice(i));
      if (!m) return parseError(`Can't find end of the tag at byte offset ${byteOffset(src, begin)}`);
      const name = (m[1] ?? "").toLowerCase();
      const open = stack.pop();
      if (!open) return parseError(`Unexpected end tag at byte offset ${byteOffset(src, begin)}`);
      if (name !== open.name) {
        return parseError(
          `Unmatched end tag at byte offset ${byteOffset(src, begin)}, expected "</${open.name}>", found "</${name}>"`,
        );
      }
      const length = text.length - open.offset;
      const entity = entityFor(open, length, stack[stack.length - 1]);
      if (entity && length > 0) entities.push(entity);
      if (open.name === "code" && stack[stack.length - 1]?.name === "pre" && open.attrs.class) {
        const pre = stack[stack.length - 1] as OpenTag;
        pre.attrs.language = open.attrs.class.replace(/^language-/, "");
      }
      i += m[0].length;
      continue;
    }
    const nameMatch = /^[a-zA-Z0-9-]*/.exec(src.slice(i + 1));
    const name = (nameMatch?.[0] ?? "").toLowerCase();
    if (!SUPPORTED_TAGS.has(name)) {
      return parseError(`Unsupported start tag "${name}" at byte offset ${byteOffset(src, begin)}`);
    }
    const read = readAttributes(src, i + 1 + name.length);
    if (!read) return parseError(`Unclosed start tag at byte offset ${byteOffset(src, begin)}`);
    if (name === "span" && read.attrs.class !== "tg-spoiler") {
      return parseError(`Tag "span" must have class "tg-spoiler" at byte offset ${byteOffset(src, begin)}`);
    }
    if (name === "tg-emoji" && !read.attrs["emoji-id"]) {
      return parseError(`Custom emoji entity must contain a custom emoji identifier`);
    }
    stack.push({ name, attrs: read.attrs, offset: text.length });
    i = read.end;
  }
  const unclosed = stack[stack.length - 1];
  if (unclosed) return parseError(`Can't find end tag corresponding to start tag "${unclosed.name}"`);
  entities.sort((a, b) => a.offset - b.offset || b.length - a.length);
  return { ok: true, text, entities };
}

/** Parses text with the given parse_mode; only HTML is actually validated. */
export function parseFormatted(text: string, parseMode: unknown, strictAmpersand: boolean): Parsed {
  if (parseMode === undefined || parseMode === null || parseMode === "") {
    return { ok: true, text, entities: [] };
  }
  if (typeof parseMode !== "string") return { ok: false, description: "Bad Request: unsupported parse_mode" };
  const mode = parseMode.toLowerCase();
  if (mode === "html") return parseHtml(text, strictAmpersand);
  if (mode === "markdown" || mode === "markdownv2") return { ok: true, text, entities: [] };
  return { ok: false, description: `Bad Request: unsupported parse_mode` };
}

/** Validates an inline keyboard the way Telegram does; null when fine. */
export function checkReplyMarkup(markup: unknown): string | null {
  if (markup === undefined || markup === null) return null;
  if (typeof markup !== "object") return "Bad Request: can't parse reply keyboard markup JSON object";
  const rows = (markup as { inline_keyboard?: unknown }).inline_keyboard;
  if (rows === undefined) return null;
  if (!Array.isArray(rows) || rows.some((r) => !Array.isArray(r))) {
    return "Bad Request: field \"inline_keyboard\" of the InlineKeyboardMarkup must be an Array of Arrays";
  }
  for (const row of rows as unknown[][]) {
    for (const button of row) {
      const b = button as { text?: unknown; callback_data?: unknown; url?: unknown };
      if (typeof b.text !== "string" || b.text.length === 0) return "Bad Request: BUTTON_TEXT_INVALID";
      if (b.callback_data !== undefined) {
        const bytes = typeof b.callback_data === "string" ? Buffer.byteLength(b.callback_data, "utf8") : 0;
        if (bytes < 1 || bytes > MAX_CALLBACK_DATA_BYTES) return "Bad Request: BUTTON_DATA_INVALID";
      }
      if (b.url !== undefined && (typeof b.url !== "string" || !/^(https?|tg):\/\//.test(b.url))) {
        return "Bad Request: BUTTON_URL_INVALID";
      }
    }
  }
  return null;
}

/** Validates a setMyCommands list; null when fine. */
export function checkCommands(commands: unknown): string | null {
  if (!Array.isArray(commands)) return "Bad Request: can't parse commands JSON object";
  if (commands.length > 100) return "Bad Request: BOT_COMMANDS_TOO_MUCH";
  for (const c of commands as Array<{ command?: unknown; description?: unknown }>) {
    if (typeof c.command !== "string" || !/^[a-z0-9_]{1,32}$/.test(c.command)) {
      return "Bad Request: BOT_COMMAND_INVALID";
    }
    if (typeof c.description !== "string" || c.description.length < 1 || c.description.length > 256) {
      return "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID";
    }
  }
  return null;
}
