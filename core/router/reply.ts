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

/** Plain text of a reply (tests, logs, the X adapter's starting point). */
export function plainText(r: Reply): string {
  const out: string[] = [];
  for (const b of r.blocks) {
    if (b.type === "text") out.push(b.spans.map((s) => (typeof s === "string" ? s : s.text)).join(""));
    else if (b.type === "table") {
      if (b.title) out.push(b.title);
      const w = Math.max(0, ...b.rows.map(([k]) => [...k].length));
      for (const [k, v] of b.rows) out.push(`${k.padEnd(w)}  ${v}`);
    } else if (b.type === "code") out.push(b.text);
    else out.push(b.caption ?? `[image: ${b.alt}]`);
  }
  return out.join("\n");
}
