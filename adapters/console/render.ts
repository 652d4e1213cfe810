import type { Reply, Span } from "../../core/router/message.js";
import { padKeys } from "../../core/router/reply.js";

const ANSI = { bold: "\x1b[1m", italic: "\x1b[3m", code: "\x1b[36m", dim: "\x1b[2m", reset: "\x1b[0m", red: "\x1b[31m" };

const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/;
const CONTROLS = new RegExp(CONTROL.source, "g");

/** Strips terminal control sequences from untrusted text so it cannot repaint the screen. */
export const safe = (s: string) => (CONTROL.test(s) ? s.replace(CONTROLS, "") : s);

function span(s: Span, color: boolean): string {
  if (typeof s === "string") return safe(s);
  if ("href" in s) return `${safe(s.text)} (${safe(s.href)})`;
  if (!color) return s.style === "code" ? `\`${safe(s.text)}\`` : safe(s.text);
  return `${ANSI[s.style]}${safe(s.text)}${ANSI.reset}`;
}

export interface RenderedConsole {
  text: string;
  /** Action tokens in the order they were numbered. */
  choices: string[];
  images: Array<{ png: Uint8Array; alt: string }>;
}

/** Renders a reply for a terminal: aligned tables, numbered buttons, images saved by the caller. */
export function renderConsole(r: Reply, color: boolean, imagePath?: (i: number) => string): RenderedConsole {
  const lines: string[] = [];
  const images: RenderedConsole["images"] = [];
  for (const b of r.blocks) {
    if (b.type === "text") {
      let line = "";
      for (const s of b.spans) line += span(s, color);
      lines.push(line);
    } else if (b.type === "code") lines.push(...safe(b.text).split("\n").map((l) => `  ${l}`));
    else if (b.type === "table") {
      if (b.title) lines.push(color ? `${ANSI.bold}${safe(b.title)}${ANSI.reset}` : safe(b.title));
      const keys = padKeys(b.rows.map(([k]) => safe(k)));
      b.rows.forEach(([, v], i) => lines.push(`  ${keys[i]}  ${safe(v)}`));
    } else {
      const where = imagePath?.(images.length);
      images.push({ png: b.png, alt: b.alt });
      lines.push(`[image: ${safe(b.alt)}${where ? ` saved to ${where}` : ""}]${b.caption ? ` ${safe(b.caption)}` : ""}`);
    }
  }
  const choices: string[] = [];
  for (const row of r.buttons ?? []) {
    lines.push(
      row
        .map((btn) => {
          choices.push(btn.action);
          return `[${choices.length}] ${safe(btn.label)}`;
        })
        .join("   "),
    );
  }
  if (choices.length) lines.push(color ? `${ANSI.dim}(type a number to press a button)${ANSI.reset}` : "(type a number to press a button)");
  let text = lines.join("\n");
  if (r.kind === "error" && color) text = `${ANSI.red}${text}${ANSI.reset}`;
  return { text, choices, images };
}
