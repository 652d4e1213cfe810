// Splitting Telegram HTML into parts that each stay within a length limit and are well-formed on
// their own. Text is held as plain-text tokens, each inside at most one wrapper (<b>, <pre>, <a>...);
// a part is emitted by grouping neighbouring tokens that share a wrapper, so every part opens and
// closes the formatting it needs, and a cut can never land inside a tag or an entity.

/** A formatting wrapper around a run of tokens; the same object means "merge with the neighbour". */
export interface Wrap {
  readonly open: string;
  readonly close: string;
}

export const PLAIN: Wrap = { open: "", close: "" };

/** Where a part may end, best first; 0 marks content. A part ends at a separator, which is dropped. */
export const BREAK = { block: 4, line: 3, word: 2, glue: 1, none: 0 } as const;

export interface Tok {
  wrap: Wrap;
  /** Plain text. */
  text: string;
  /** The escaped text, as emitted. */
  html: string;
  /** 0 for content; a BREAK priority for a separator (whitespace) where the text may be split. */
  brk: number;
}

/** Escapes text for Telegram's HTML parse mode: `&`, `<` and `>`. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>]/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : "&gt;"));
}

/** Escapes a double-quoted attribute value. */
export const escapeAttr = (s: string): string => escapeHtml(s).replace(/"/g, "&quot;");

export const sep = (wrap: Wrap, text: string, brk: number): Tok => ({ wrap, text, html: escapeHtml(text), brk });

// Breakable spaces (not the no-break ones: U+00A0, U+2007, U+202F) and line breaks.
const NL = "\\r\\n|[\\n\\r\\u2028\\u2029]";
const SP = "\\t\\v\\f \\u1680\\u2000-\\u2006\\u2008-\\u200a\\u205f\\u3000";
const PIECE = new RegExp(`(${NL})|([${SP}]+)|[^\\n\\r\\u2028\\u2029${SP}]+`, "g");

/** Cuts text into words and separators, all inside `wrap`. */
export function tokenize(text: string, wrap: Wrap): Tok[] {
  const out: Tok[] = [];
  for (const m of text.matchAll(PIECE)) {
    if (m[1] !== undefined) out.push(sep(wrap, "\n", BREAK.line)); // one kind of line break
    else out.push(sep(wrap, m[0], m[2] !== undefined ? BREAK.word : BREAK.none));
  }
  return out;
}

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

function fill(units: Iterable<string>, room: number): number {
  let used = 0;
  let end = 0;
  for (const u of units) {
    const cost = escapeHtml(u).length;
    if (used + cost > room) break;
    used += cost;
    end += u.length;
  }
  return end;
}

/**
 * The longest prefix of `text` whose escaped form fits in `room`, cut between grapheme clusters
 * (so never inside a surrogate pair or an entity). With `force`, a cluster too big for the whole
 * room is cut between code points instead, so that a part always makes progress.
 */
export function cutToFit(text: string, room: number, force = false): [string, string] {
  const segs = (function* () {
    for (const s of graphemes.segment(text)) yield s.segment;
  })();
  let end = fill(segs, room);
  if (end === 0 && force && text) {
    end = fill(text, room); // a string iterates by code point
    if (end === 0) throw new RangeError("telegram render: maxLength is too small for a single character");
  }
  return [text.slice(0, end), text.slice(end)];
}

const groupCost = (t: Tok, prev: Tok | undefined): number =>
  prev?.wrap === t.wrap ? t.html.length : t.wrap.open.length + t.wrap.close.length + t.html.length;

/** The HTML of one part: neighbouring tokens that share a wrapper share one open/close pair. */
export function toHtml(part: readonly Tok[]): string {
  let html = "";
  let wrap: Wrap | undefined;
  for (const t of part) {
    if (t.wrap !== wrap) {
      html += (wrap?.close ?? "") + t.wrap.open;
      wrap = t.wrap;
    }
    html += t.html;
  }
  return html + (wrap?.close ?? "");
}

const hasContent = (part: readonly Tok[]) => part.some((t) => t.brk === BREAK.none && t.text !== "");

/**
 * Packs tokens into parts whose HTML is at most `max` UTF-16 units. On overflow the part ends at its
 * best separator (block, then line, then word boundary; the latest of the best kind); a word too long
 * for a whole part is hard-split, filling the current part. Whitespace-only parts are dropped.
 */
export function pack(input: readonly Tok[], max: number): Tok[][] {
  const toks = [...input];
  const parts: Tok[][] = [];
  let start = 0;
  let i = 0;
  let len = 0;
  const flush = (end: number, extra?: Tok) => {
    const part = toks.slice(start, end);
    if (extra) part.push(extra);
    if (hasContent(part)) parts.push(part);
    len = 0;
  };
  while (i < toks.length) {
    const t = toks[i] as Tok;
    const add = groupCost(t, i > start ? toks[i - 1] : undefined);
    if (len + add <= max) {
      len += add;
      i++;
      continue;
    }
    if (t.brk === BREAK.none && groupCost(t, undefined) > max) {
      const room = max - len - (add - t.html.length);
      const [head, tail] = cutToFit(t.text, room, i === start);
      flush(i, head ? { ...t, text: head, html: escapeHtml(head) } : undefined);
      toks[i] = { ...t, text: tail, html: escapeHtml(tail) };
      start = i;
      continue;
    }
    let best = -1;
    for (let k = start; k <= i; k++) {
      const b = (toks[k] as Tok).brk;
      if (b > BREAK.none && (best < 0 || b >= (toks[best] as Tok).brk)) best = k;
    }
    if (best < 0) {
      // The part so far is one word split across wrappers: end it before this token.
      flush(i);
      start = i;
      continue;
    }
    flush(best);
    start = i = best + 1;
  }
  flush(i);
  return parts;
}
