import type { Block, Button, Reply, ReplyKind, Span } from "./message.js";

export const bold = (text: string): Span => ({ text, style: "bold" });
export const italic = (text: string): Span => ({ text, style: "italic" });
export const code = (text: string): Span => ({ text, style: "code" });
export const link = (text: string, href: string): Span => ({ text, href });

/** Small fluent builder so commands read as what the user sees. */
export class ReplyBuilder {
  private readonly blocks: Block[] = [];
  private readonly rows: Button[][] = [];
  private flags: Pick<Reply, "private" | "editsOriginal" | "deleteAfterS"> = {};
  constructor(private kind: ReplyKind = "info") {}

  line(...spans: Span[]): this {
    this.blocks.push({ type: "text", spans });
    return this;
  }
  table(rows: Array<[string, string]>, title?: string): this {
    this.blocks.push(title === undefined ? { type: "table", rows } : { type: "table", rows, title });
    return this;
  }
  code(text: string): this {
    this.blocks.push({ type: "code", text });
    return this;
  }
  image(png: Uint8Array, alt: string, caption?: string): this {
    this.blocks.push(caption === undefined ? { type: "image", png, alt } : { type: "image", png, alt, caption });
    return this;
  }
  buttons(...row: Button[]): this {
    if (row.length) this.rows.push(row);
    return this;
  }
  private_(): this {
    this.flags.private = true;
    return this;
  }
  edit(): this {
    this.flags.editsOriginal = true;
    return this;
  }
  deleteAfter(seconds: number): this {
    this.flags.deleteAfterS = seconds;
    return this;
  }
  as(kind: ReplyKind): this {
    this.kind = kind;
    return this;
  }
  build(): Reply {
    const r: Reply = { kind: this.kind, blocks: this.blocks, ...this.flags };
    if (this.rows.length) r.buttons = this.rows;
    return r;
  }
}

export const reply = (kind: ReplyKind = "info") => new ReplyBuilder(kind);
export const textReply = (text: string, kind: ReplyKind = "info"): Reply => reply(kind).line(text).build();

/** Characters as a monospace block counts them: code points (a surrogate pair is one), without an array of them. */
export function codePoints(s: string): number {
  let n = s.length;
  for (let i = 0; i + 1 < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/** A table's keys, each padded with spaces to the widest (by code points): how every renderer aligns a table. */
export function padKeys(keys: readonly string[]): string[] {
  let width = 0;
  for (const k of keys) width = Math.max(width, codePoints(k));
  return keys.map((k) => k + " ".repeat(width - codePoints(k)));
}

/** Plain text of a reply (tests, logs, the X adapter's starting point). */
export function plainText(r: Reply): string {
  const out: string[] = [];
  for (const b of r.blocks) {
    if (b.type === "text") out.push(b.spans.map((s) => (typeof s === "string" ? s : s.text)).join(""));
    else if (b.type === "table") {
      if (b.title) out.push(b.title);
      const keys = padKeys(b.rows.map(([k]) => k));
      b.rows.forEach(([, v], i) => out.push(`${keys[i]}  ${v}`));
    } else if (b.type === "code") out.push(b.text);
    else out.push(b.caption ?? `[image: ${b.alt}]`);
  }
  return out.join("\n");
}
