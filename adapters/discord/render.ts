import { escapeMarkdown } from "discord.js";
import type { Button, Reply, ReplyKind, Span } from "../../core/domain/message.js";

/** Discord's message limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits). */
export const LIMITS = {
  description: 4096,
  fieldName: 256,
  fieldValue: 1024,
  fields: 25,
  embeds: 10,
  total: 6000,
  buttonsPerRow: 5,
  rows: 5,
  label: 80,
  customId: 100,
} as const;

export const COLOURS: Record<ReplyKind, number> = { info: 0x5865f2, success: 0x57f287, warning: 0xfee75c, error: 0xed4245 };
const BUTTON_STYLE = { primary: 1, secondary: 2, danger: 4 } as const;

export interface EmbedField {
  name: string;
  value: string;
  inline?: boolean;
}
export interface Embed {
  color: number;
  description?: string;
  fields?: EmbedField[];
  image?: { url: string };
}
export interface ButtonComponent {
  type: 2;
  style: number;
  label: string;
  custom_id: string;
}
export interface ActionRow {
  type: 1;
  components: ButtonComponent[];
}
export interface DiscordFile {
  name: string;
  data: Buffer;
  description?: string;
}
/** One Discord message: what the interaction, webhook and channel endpoints all take. */
export interface RenderedMessage {
  content?: string;
  embeds: Embed[];
  components: ActionRow[];
  files: DiscordFile[];
}

const ZWSP = "\u200b";
const esc = (s: string) =>
  escapeMarkdown(s, { heading: true, bulletedList: true, numberedList: true, maskedLink: true });

function span(s: Span): string {
  if (typeof s === "string") return esc(s);
  if ("href" in s) {
    const safe = /^https?:\/\/\S+$/i.test(s.href) ? s.href.replace(/\)/g, "%29") : undefined;
    return safe ? `[${esc(s.text).replace(/[[\]]/g, "\\$&")}](${safe})` : esc(s.text);
  }
  if (s.style === "code") return `\`${s.text.replace(/`/g, "ˋ").replace(/\n/g, " ") || " "}\``;
  if (s.style === "bold") return `**${esc(s.text)}**`;
  return `*${esc(s.text)}*`;
}

/**
 * Adjacent bold (or italic) spans as one: Discord's markdown reads `**a****b**` as a bold "a**" beside
 * "b**", so two bold spans side by side (a card's "RED FLAG: " and the flag's title) showed asterisks.
 */
function merged(spans: readonly Span[]): Span[] {
  const out: Span[] = [];
  for (const s of spans) {
    const prev = out.at(-1);
    if (typeof s === "object" && "style" in s && s.style !== "code" && typeof prev === "object" && "style" in prev && prev.style === s.style) {
      out[out.length - 1] = { text: prev.text + s.text, style: s.style };
    } else out.push(s);
  }
  return out;
}

const codeBlock = (text: string) => `\`\`\`\n${text.replace(/```/g, "`\u200b``")}\n\`\`\``;

/** Cuts text at a line (or word) boundary into pieces of at most `max` characters. */
export function splitText(text: string, max: number): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest.length > max) {
    let cut = rest.lastIndexOf("\n", max);
    if (cut < max / 2) cut = rest.lastIndexOf(" ", max);
    if (cut < max / 2) cut = max;
    out.push(rest.slice(0, cut));
    rest = rest.slice(cut).replace(/^[\n ]/, "");
  }
  if (rest.length || !out.length) out.push(rest);
  return out;
}

const embedSize = (e: Embed) =>
  (e.description?.length ?? 0) + (e.fields ?? []).reduce((n, f) => n + f.name.length + f.value.length, 0);

/** Builds embeds in reading order: text in descriptions, tables as fields, each image ending its embed. */
class EmbedBuilder {
  readonly embeds: Embed[] = [];
  readonly files: DiscordFile[] = [];
  private cur: Embed | undefined;

  constructor(private readonly color: number) {}

  private fresh(): Embed {
    this.cur = { color: this.color };
    this.embeds.push(this.cur);
    return this.cur;
  }

  text(md: string) {
    for (const piece of splitText(md, LIMITS.description)) {
      let e = this.cur;
      const fits = e && !e.fields?.length && !e.image && (e.description?.length ?? 0) + piece.length + 1 <= LIMITS.description;
      if (!e || !fits || embedSize(e) + piece.length + 1 > LIMITS.total) e = this.fresh();
      e.description = e.description ? `${e.description}\n${piece}` : piece;
    }
  }

  field(name: string, value: string, inline: boolean) {
    const values = splitText(value || ZWSP, LIMITS.fieldValue);
    values.forEach((v, i) => {
      const f: EmbedField = { name: i === 0 ? clip(name || ZWSP, LIMITS.fieldName) : ZWSP, value: v || ZWSP };
      if (inline) f.inline = true;
      let e = this.cur;
      const full = !e || e.image || (e.fields?.length ?? 0) >= LIMITS.fields || embedSize(e) + f.name.length + f.value.length > LIMITS.total;
      if (full) e = this.fresh();
      (e!.fields ??= []).push(f);
    });
  }

  image(png: Uint8Array, alt: string, caption?: string) {
    const name = this.files.length === 0 ? "chart.png" : `chart-${this.files.length + 1}.png`;
    this.files.push({ name, data: Buffer.from(png), description: clip(alt, 1024) });
    let e = this.cur;
    if (!e || e.image || (caption && (e.fields?.length || (e.description?.length ?? 0) + caption.length + 1 > LIMITS.description))) e = this.fresh();
    if (caption) e.description = e.description ? `${e.description}\n${esc(caption)}` : esc(caption);
    e.image = { url: `attachment://${name}` };
  }
}

const clip = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);

function buttonRows(buttons: Button[][]): ActionRow[] {
  const rows: ActionRow[] = [];
  for (const row of buttons) {
    for (let i = 0; i < row.length; i += LIMITS.buttonsPerRow) {
      const components = row.slice(i, i + LIMITS.buttonsPerRow).map(
        (b): ButtonComponent => ({
          type: 2,
          style: BUTTON_STYLE[b.style ?? "secondary"],
          label: clip(b.label || "…", LIMITS.label),
          custom_id: b.action.slice(0, LIMITS.customId),
        }),
      );
      if (components.length) rows.push({ type: 1, components });
    }
  }
  return rows;
}

/**
 * A Reply as Discord messages: embeds coloured by kind (user text escaped), tables as fields (inline when
 * short), images as attachments referenced by their embed, buttons as action rows. Within Discord's
 * limits: at most 10 embeds and 6,000 characters per message, 25 fields per embed, 5 rows of 5 buttons;
 * anything beyond goes into further messages, buttons always on the last.
 */
export function renderDiscord(reply: Reply): RenderedMessage[] {
  const b = new EmbedBuilder(COLOURS[reply.kind]);
  for (const block of reply.blocks) {
    if (block.type === "text") b.text(merged(block.spans).map(span).join("") || ZWSP);
    else if (block.type === "code") b.text(codeBlock(block.text));
    else if (block.type === "image") b.image(block.png, block.alt, block.caption);
    else {
      if (block.title) b.text(`**${esc(block.title)}**`);
      const inline = block.rows.length > 1 && block.rows.every(([k, v]) => k.length <= 24 && v.length <= 24);
      for (const [k, v] of block.rows) b.field(esc(k), esc(v), inline);
    }
  }
  const messages: RenderedMessage[] = [];
  let cur: RenderedMessage | undefined;
  let size = 0;
  for (const e of b.embeds) {
    const n = embedSize(e);
    if (!cur || cur.embeds.length >= LIMITS.embeds || size + n > LIMITS.total) {
      cur = { embeds: [], components: [], files: [] };
      messages.push(cur);
      size = 0;
    }
    cur.embeds.push(e);
    size += n;
    const img = e.image?.url.replace("attachment://", "");
    const file = img ? b.files.find((f) => f.name === img) : undefined;
    if (file) cur.files.push(file);
  }
  if (!messages.length) messages.push({ embeds: [{ color: COLOURS[reply.kind], description: ZWSP }], components: [], files: [] });
  const rows = buttonRows(reply.buttons ?? []);
  for (let i = 0; i < rows.length; i += LIMITS.rows) {
    const chunk = rows.slice(i, i + LIMITS.rows);
    if (i === 0) messages[messages.length - 1]!.components = chunk;
    else messages.push({ content: ZWSP, embeds: [], components: chunk, files: [] });
  }
  return messages;
}

/** A short refusal or notice as plain message content (no embed), e.g. "This is not your button." */
export function contentMessage(text: string): RenderedMessage {
  return { content: clip(esc(text), 2000), embeds: [], components: [], files: [] };
}
