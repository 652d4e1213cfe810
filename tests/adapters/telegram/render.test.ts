import { describe, expect, it } from "vitest";
import { escapeHtml, renderTelegram, type TelegramRendered } from "../../../adapters/telegram/render.js";
import type { Block, Reply, Span } from "../../../core/router/message.js";
import { bold, code, italic, link, reply } from "../../../core/router/reply.js";
import { parseHtml } from "../../fakes/telegram-bot-api.validate.js";
import { rng } from "../../helpers/rng.js";

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"' };
const ALLOWED = new Set(["b", "i", "code", "pre", "a"]);

/**
 * Parses one emitted part the strict way: only the tags this renderer may use (no nesting), only
 * the four named entities, no stray `&`, `<` or `>`; tags balanced. Returns the text a user sees.
 */
function visible(html: string): string {
  let text = "";
  const stack: string[] = [];
  let i = 0;
  while (i < html.length) {
    const c = html[i] as string;
    if (c === "<") {
      const m = /^<(\/?)([a-z]+)(?: href="([^"<>]*)")?>/.exec(html.slice(i, i + 2100));
      if (!m) throw new Error(`malformed tag at ${i}: ${JSON.stringify(html.slice(i, i + 30))}`);
      const [all, slash, name = "", href] = m;
      if (!ALLOWED.has(name)) throw new Error(`unsupported tag <${name}>`);
      if (slash) {
        if (href !== undefined) throw new Error("attribute on a closing tag");
        if (stack.pop() !== name) throw new Error(`unbalanced </${name}>`);
      } else {
        if (stack.length) throw new Error(`<${name}> nested in <${stack.join(">, <")}>`);
        if ((name === "a") !== (href !== undefined)) throw new Error(`bad attributes on <${name}>`);
        if (href !== undefined && !/^(https?|tg):\/\//i.test(href.replace(/&quot;|&amp;|&lt;|&gt;/g, "x"))) {
          throw new Error(`unsafe href ${href}`);
        }
        stack.push(name);
      }
      i += all.length;
    } else if (c === "&") {
      const m = /^&(amp|lt|gt|quot);/.exec(html.slice(i, i + 6));
      if (!m) throw new Error(`bare or broken entity at ${i}: ${JSON.stringify(html.slice(i, i + 8))}`);
      text += ENTITIES[m[1] as string];
      i += m[0].length;
    } else if (c === ">") {
      throw new Error(`bare > at ${i}`);
    } else {
      text += c;
      i++;
    }
  }
  if (stack.length) throw new Error(`unclosed <${stack.join(">, <")}>`);
  return text;
}

/** Checks every message and caption (length, well-formedness, and the fake Bot API's HTML parser agrees). */
function checkAll(r: TelegramRendered, maxLength = 4096, maxCaption = 1024): string[] {
  for (const p of r.photos) {
    if (p.caption === undefined) continue;
    expect(p.caption.length).toBeLessThanOrEqual(maxCaption);
    visible(p.caption);
  }
  return r.messages.map((m) => {
    expect(m.parse_mode).toBe("HTML");
    expect(m.text.length).toBeLessThanOrEqual(maxLength);
    const text = visible(m.text);
    const parsed = parseHtml(m.text, true);
    if (!parsed.ok) throw new Error(parsed.description);
    expect(parsed.text).toBe(text);
    expect(text.trim()).not.toBe("");
    return text;
  });
}

const cps = (s: string) => [...s].length;
const pad = (s: string, width: number) => s + " ".repeat(width - cps(s));
const noSpace = (s: string) => s.replace(/\s+/g, "");

/** Everything a reply says in text, in order (image captions go to photos). */
function content(r: Reply): string {
  return r.blocks
    .map((b) => {
      if (b.type === "text") return b.spans.map((s) => (typeof s === "string" ? s : s.text)).join("");
      if (b.type === "table") return [b.title ?? "", ...b.rows.flat()].join(" ");
      if (b.type === "code") return b.text;
      return "";
    })
    .join("\n");
}


const HOSTILE = ["<b>", "&", "&amp;", "<i>oops", "</pre>", '"quoted"', "a<b>c</b>&lt;", "💥 <script>"];
const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47]);

describe("telegram renderer: escaping", () => {
  it("shows hostile user text and token names literally, in every kind of block", () => {
    const r = reply()
      .line(...HOSTILE.flatMap((h): Span[] => [h, " ", bold(h), " ", italic(h), " ", code(h), " "]))
      .table(HOSTILE.map((h) => [h, h] as [string, string]), "<i>oops & co")
      .code(HOSTILE.join("\n"))
      .build();
    const out = renderTelegram(r);
    expect(out.messages).toHaveLength(1);
    const [text] = checkAll(out);
    const expected = [
      HOSTILE.map((h) => `${h} ${h} ${h} ${h} `).join(""),
      "<i>oops & co",
      ...HOSTILE.map((h) => `${pad(h, Math.max(...HOSTILE.map(cps)))}  ${h}`),
      HOSTILE.join("\n"),
    ].join("\n");
    expect(text).toBe(expected);
    const html = out.messages[0]?.text ?? "";
    expect(html).toContain("<b>&lt;b&gt;</b>");
    expect(html).toContain("<i>&amp;amp;</i>");
    expect(html).toContain("<code>&lt;i&gt;oops</code>");
    expect(html).toContain("<b>&lt;i&gt;oops &amp; co</b>\n<pre>");
    expect(html).toContain("&lt;/pre&gt;");
  });

  it("escapeHtml escapes &, < and >", () => {
    expect(escapeHtml(`<a href="x">&amp;</a>`)).toBe(`&lt;a href="x"&gt;&amp;amp;&lt;/a&gt;`);
    expect(escapeHtml("日本 🚀")).toBe("日本 🚀");
  });

  it("links only http(s) and tg:// URLs, with quotes escaped in the href; others are plain text", () => {
    const r = reply()
      .line(
        link("site", 'https://example.com/?q="><b>x</b>&y=1'),
        " ",
        link("plain http", "http://example.com"),
        " ",
        link("profile", "tg://user?id=42"),
        " ",
        link("click me", "javascript:alert(1)"),
        " ",
        link("data", "data:text/html,<script>"),
        " ",
        link("rel", "/relative"),
        " ",
        link("spaced", "https://exa mple.com"),
      )
      .build();
    const out = renderTelegram(r);
    const [text] = checkAll(out);
    expect(text).toBe("site plain http profile click me data rel spaced");
    const html = out.messages[0]?.text ?? "";
    expect(html).toContain(`<a href="https://example.com/?q=&quot;&gt;&lt;b&gt;x&lt;/b&gt;&amp;y=1">site</a>`);
    expect(html).toContain(`<a href="http://example.com">plain http</a>`);
    expect(html).toContain(`<a href="tg://user?id=42">profile</a>`);
    expect(html).not.toContain("javascript");
    expect(html).not.toContain("data:");
    expect((html.match(/<a /g) ?? []).length).toBe(3);
    const parsed = parseHtml(html);
    expect(parsed.ok && parsed.entities.filter((e) => e.type === "text_link").map((e) => e.url)).toEqual([
      'https://example.com/?q="><b>x</b>&y=1',
      "http://example.com",
      "tg://user?id=42",
    ]);
  });

  it("turns every kind of line break into a newline", () => {
    const out = renderTelegram(reply().line("a\r\nb\rc\u2028d").code("x\r\ny").build());
    expect(out.messages[0]?.text).toBe("a\nb\nc\nd\n<pre>x\ny</pre>");
  });

  it("keeps emoji and CJK intact", () => {
    const out = renderTelegram(reply().line(bold("日本語 🚀 SOL"), " 👨‍👩‍👧 ", italic("한국어")).build());
    expect(out.messages[0]?.text).toBe("<b>日本語 🚀 SOL</b> 👨‍👩‍👧 <i>한국어</i>");
  });
});

describe("telegram renderer: tables", () => {
  it("aligns values under a bold title, padding keys by code points", () => {
    const r = reply()
      .table(
        [
          ["SOL", "1.5"],
          ["Bonk 🐶", "1,000,000"],
          ["日本", "2"],
          ["A&B", "<3"],
        ],
        "Balances",
      )
      .build();
    const out = renderTelegram(r);
    expect(out.messages.map((m) => m.text)).toEqual([
      "<b>Balances</b>\n<pre>SOL     1.5\nBonk 🐶  1,000,000\n日本      2\nA&amp;B     &lt;3</pre>",
    ]);
    checkAll(out);
  });

  it("splits a table taller than the limit into several <pre> blocks at row boundaries", () => {
    const rows = Array.from({ length: 400 }, (_, n) => [`TOKEN-${n}`, `value <${n}> & more`] as [string, string]);
    const out = renderTelegram(reply().table(rows, "Holdings").build());
    const texts = checkAll(out);
    expect(out.messages.length).toBeGreaterThan(2);
    for (const m of out.messages) expect(m.text).toMatch(/^(<b>Holdings<\/b>\n)?<pre>[^]*<\/pre>$/);
    expect(out.messages.filter((m) => m.text.includes("Holdings"))).toHaveLength(1);
    const lines = texts.flatMap((t) => t.split("\n")).filter((l) => l !== "Holdings");
    expect(lines).toEqual(rows.map(([k, v]) => `${k.padEnd(9)}  ${v}`));
  });
});

describe("telegram renderer: splitting", () => {
  it("hard-splits a 10,000-character word without breaking entities or formatting", () => {
    for (const word of ["x".repeat(10_000), "&<>".repeat(3_334)]) {
      const out = renderTelegram(reply().line("Address: ", bold(word)).build());
      const texts = checkAll(out);
      expect(texts.join("")).toBe(`Address: ${word}`);
      for (const m of out.messages.slice(1)) expect(m.text).toMatch(/^<b>[^<]+<\/b>$/);
      // Parts are filled: no more of them than the escaped text needs (each costs 7 for <b></b>).
      expect(out.messages.length).toBe(Math.ceil((escapeHtml(word).length + 9 + 7) / (4_096 - 7)));
    }
  });

  it("never splits a surrogate pair or an emoji sequence", () => {
    const family = "👨‍👩‍👧";
    for (const word of ["😀".repeat(5_000), family.repeat(1_500), "日本語".repeat(2_000)]) {
      const out = renderTelegram(reply().line(word).build());
      const texts = checkAll(out);
      expect(texts.length).toBeGreaterThan(1);
      expect(texts.join("")).toBe(word);
      for (const t of texts) {
        expect(t).not.toMatch(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/);
        if (word.startsWith(family)) expect(t.split(family).join("")).toBe("");
      }
    }
  });

  it("splits a 20,000-character reply into well-formed parts of at most 4,096, losing nothing", () => {
    const rand = rng(7);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
    const words = ["swap", "SOL", "USDC", "日本語", "🚀", "slippage", "&amp;", "<i>oops", "</pre>", "a&b", "route", "fee"];
    const blocks: Block[] = [];
    const tableRows: string[] = [];
    let size = 0;
    let t = 0;
    while (size < 20_000) {
      const kind = rand();
      if (kind < 0.6) {
        const spans: Span[] = [];
        const n = 20 + Math.floor(rand() * 200);
        for (let k = 0; k < n; k++) {
          const w = pick(words);
          const s = rand();
          spans.push(s < 0.2 ? bold(w) : s < 0.3 ? italic(w) : s < 0.35 ? code(w) : s < 0.4 ? link(w, "https://x.co/?a=1&b=2") : w);
          spans.push(rand() < 0.1 ? "\n" : " ");
        }
        blocks.push({ type: "text", spans });
      } else if (kind < 0.85) {
        const rows = Array.from({ length: 5 + Math.floor(rand() * 60) }, (_, n) => [`T${t}-${n} ${pick(words)}`, `${pick(words)} ${n}`] as [string, string]);
        blocks.push({ type: "table", title: `Table <${t++}> & co`, rows });
        const w = Math.max(...rows.map(([k]) => cps(k)));
        for (const [k, v] of rows) tableRows.push(`${pad(k, w)}  ${v}`);
      } else {
        blocks.push({ type: "code", text: Array.from({ length: 10 + Math.floor(rand() * 30) }, () => `${pick(words)} = ${pick(words)};`).join("\n") });
      }
      size = content({ kind: "info", blocks }).length;
    }
    const r: Reply = { kind: "info", blocks, buttons: [[{ label: "Refresh", action: "tok_refresh" }]] };
    const out = renderTelegram(r);
    const texts = checkAll(out);
    expect(out.messages.length).toBeGreaterThanOrEqual(5);
    expect(out.messages.length).toBeLessThanOrEqual(12);
    expect(noSpace(texts.join(""))).toBe(noSpace(content(r)));
    // Tables were cut between rows: every row arrives whole, on one line of one message.
    const seen = new Set(texts.flatMap((x) => x.split("\n")));
    for (const row of tableRows) expect(seen.has(row)).toBe(true);
    // Only the last message carries the buttons.
    expect(out.messages.map((m) => m.reply_markup !== undefined)).toEqual(out.messages.map((_, n) => n === out.messages.length - 1));
  });

  it("prefers block boundaries, then line boundaries, then word boundaries", () => {
    const a = "a".repeat(2_000) + " " + "b".repeat(1_000);
    const b = "c".repeat(3_500);
    expect(renderTelegram(reply().line(a).line(b).build()).messages.map((m) => m.text)).toEqual([a, b]);

    const lines = Array.from({ length: 100 }, (_, n) => `line ${n} `.padEnd(60, "."));
    const texts = checkAll(renderTelegram(reply().line(lines.join("\n")).build()));
    expect(texts.length).toBe(2);
    expect(texts.flatMap((t) => t.split("\n"))).toEqual(lines);

    const para = Array.from({ length: 2_000 }, (_, n) => `word${n}`);
    const parts = checkAll(renderTelegram(reply().line(bold(para.join(" "))).build()));
    expect(parts.length).toBe(Math.ceil(para.join(" ").length / (4_096 - 7)));
    expect(parts.flatMap((t) => t.split(" "))).toEqual(para);
  });

  it("re-opens formatting in every part of a long bold span or link", () => {
    const long = Array.from({ length: 1_500 }, () => "moon").join(" ");
    const out = renderTelegram(reply().line(bold(long)).line(link(long, "https://example.com/a?b=1&c=2")).build());
    checkAll(out);
    expect(out.messages.length).toBeGreaterThanOrEqual(4);
    for (const m of out.messages) expect(m.text).toMatch(/^(<b>[^<]*<\/b>|<a href="https:\/\/example\.com\/a\?b=1&amp;c=2">[^<]*<\/a>)$/);
  });

  it("honours a smaller maxLength and shows an oversized link's text without the link", () => {
    const href = `https://example.com/${"p".repeat(200)}`;
    const out = renderTelegram(reply().line("see ", link("docs", href), " and ", bold("<more> ".repeat(50))).build(), { maxLength: 100 });
    const texts = checkAll(out, 100);
    expect(out.messages.some((m) => m.text.includes("<a "))).toBe(false);
    expect(noSpace(texts.join(""))).toBe(noSpace(`see docs and ${"<more> ".repeat(50)}`));
    expect(() => renderTelegram(reply().line("x").build(), { maxLength: 10 })).toThrow(RangeError);
  });
});

describe("telegram renderer: buttons", () => {
  it("puts the keyboard on the last message, with the action token as callback_data and raw labels", () => {
    const r = reply()
      .line("x ".repeat(3_000))
      .buttons({ label: "Confirm <b>&", action: "act_1f2e3d", style: "primary" }, { label: "Cancel", action: "act_9a8b7c" })
      .buttons({ label: "🚀".repeat(70), action: "act_x" })
      .build();
    const out = renderTelegram(r);
    expect(out.messages.length).toBe(2);
    expect(out.messages[0]?.reply_markup).toBeUndefined();
    const kb = out.messages[1]?.reply_markup?.inline_keyboard;
    expect(kb?.[0]).toEqual([
      { text: "Confirm <b>&", callback_data: "act_1f2e3d" },
      { text: "Cancel", callback_data: "act_9a8b7c" },
    ]);
    expect(kb?.[1]?.[0]?.text).toBe(`${"🚀".repeat(63)}…`);
  });

  it("throws on an action token longer than 64 bytes (or empty): a programming error", () => {
    const withAction = (action: string) => reply().line("hi").buttons({ label: "Go", action }).build();
    expect(() => renderTelegram(withAction("a".repeat(64)))).not.toThrow();
    expect(() => renderTelegram(withAction("a".repeat(65)))).toThrow(/64/);
    expect(() => renderTelegram(withAction("日".repeat(22)))).toThrow(/66 bytes/);
    expect(() => renderTelegram(withAction(""))).toThrow();
  });
});

describe("telegram renderer: images", () => {
  it("cuts an escaped caption to 1,024 characters on the plain text, never inside an entity", () => {
    const near = "x".repeat(1_020) + "&<>";
    const out = renderTelegram(
      reply()
        .image(png, "chart", near)
        .image(png, "chart", "&".repeat(204))
        .image(png, "chart", "<b>".repeat(1_000))
        .image(png, "no caption")
        .build(),
    );
    checkAll(out);
    expect(out.messages).toEqual([]);
    const [a, b, c, d] = out.photos;
    expect(a?.caption).toBe(`${"x".repeat(1_020)}…`);
    expect(b?.caption).toBe("&amp;".repeat(204));
    expect(c?.caption?.length).toBeLessThanOrEqual(1_024);
    expect(c?.caption).toMatch(/^(&lt;b&gt;)+(&lt;b?)?…$/);
    expect(d).toEqual({ png, parse_mode: "HTML" });
    expect(a?.png).toBe(png);
  });

  it("an image-only reply with buttons sends the photo plus one short message carrying them", () => {
    const r = reply().image(png, "SOL <7d> & chart", "SOL 7d").buttons({ label: "30d", action: "act_30d" }).build();
    const out = renderTelegram(r);
    expect(out.photos).toEqual([{ png, caption: "SOL 7d", parse_mode: "HTML" }]);
    expect(out.messages).toEqual([
      { text: "SOL &lt;7d&gt; &amp; chart", parse_mode: "HTML", reply_markup: { inline_keyboard: [[{ text: "30d", callback_data: "act_30d" }]] } },
    ]);
  });

  it("sends text after the photos, with the caption on the photo only", () => {
    const out = renderTelegram(reply().line("Price ", bold("$150")).image(png, "chart", "7d").build());
    expect(out.photos).toHaveLength(1);
    expect(out.messages.map((m) => m.text)).toEqual(["Price <b>$150</b>"]);
  });
});

describe("telegram renderer: empty replies", () => {
  it("renders nothing for an empty reply or whitespace-only text", () => {
    expect(renderTelegram(reply().build())).toEqual({ photos: [], messages: [] });
    expect(renderTelegram(reply().line("  \n ").code("").table([]).build())).toEqual({ photos: [], messages: [] });
  });

  it("buttons with no text ride on a short prompt", () => {
    const out = renderTelegram(reply().buttons({ label: "OK", action: "act_ok" }).build());
    expect(out.messages).toHaveLength(1);
    expect(out.messages[0]?.text).toBe("Choose an option:");
    expect(out.messages[0]?.reply_markup?.inline_keyboard).toEqual([[{ text: "OK", callback_data: "act_ok" }]]);
  });
});
