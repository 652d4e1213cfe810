import { describe, expect, it } from "vitest";
import { COLOURS, LIMITS, renderDiscord, type RenderedMessage } from "../../../adapters/discord/render.js";
import type { Reply } from "../../../core/domain/message.js";
import { reply } from "../../../core/router/reply.js";

const size = (m: RenderedMessage) =>
  m.embeds.reduce((n, e) => n + (e.description?.length ?? 0) + (e.fields ?? []).reduce((k, f) => k + f.name.length + f.value.length, 0), 0);

function expectWithinLimits(ms: RenderedMessage[]) {
  for (const m of ms) {
    expect(m.embeds.length).toBeLessThanOrEqual(LIMITS.embeds);
    expect(size(m)).toBeLessThanOrEqual(LIMITS.total);
    expect(m.components.length).toBeLessThanOrEqual(LIMITS.rows);
    for (const e of m.embeds) {
      expect((e.description ?? "").length).toBeLessThanOrEqual(LIMITS.description);
      expect((e.fields ?? []).length).toBeLessThanOrEqual(LIMITS.fields);
      for (const f of e.fields ?? []) {
        expect(f.name.length).toBeLessThanOrEqual(LIMITS.fieldName);
        expect(f.value.length).toBeLessThanOrEqual(LIMITS.fieldValue);
      }
    }
    for (const r of m.components) expect(r.components.length).toBeLessThanOrEqual(LIMITS.buttonsPerRow);
  }
}

describe("Discord renderer", () => {
  it("adjacent bold spans become one bold run: no '****' for Discord to show as stray asterisks", () => {
    const r = reply().line({ text: "RED FLAG: ", style: "bold" }, { text: "Freeze authority present", style: "bold" }, " - can freeze").line({ text: "a", style: "code" }, { text: "b", style: "code" }).build();
    const d = renderDiscord(r)[0]!.embeds[0]!.description!;
    expect(d).toBe("**RED FLAG: Freeze authority present** \\- can freeze\n`a``b`");
  });

  it("user text is escaped, styles become markdown, colour follows the kind", () => {
    const r = reply("error")
      .line("Token ", { text: "**pwn** _x_", style: "bold" }, " said `hi` and [click](https://evil.example)")
      .line({ text: "docs", href: "https://example.com/a_(b)" })
      .build();
    const [m] = renderDiscord(r);
    expect(m!.embeds[0]!.color).toBe(COLOURS.error);
    const d = m!.embeds[0]!.description!;
    expect(d).toContain("Token **\\*\\*pwn\\*\\* \\_x\\_**");
    expect(d).toContain("\\`hi\\`");
    expect(d).toContain(" \\[click](https://evil.example)"); // a masked link in user text is not a link
    expect(d).toContain("[docs](https://example.com/a_(b%29)");
  });

  it("a table becomes fields (inline when short), its title in the description above them", () => {
    const [m] = renderDiscord(reply().table([["User", "ab12cd34"], ["Role", "user"]], "Who you are").build());
    expect(m!.embeds).toHaveLength(1);
    expect(m!.embeds[0]!.description).toBe("**Who you are**");
    expect(m!.embeds[0]!.fields).toEqual([
      { name: "User", value: "ab12cd34", inline: true },
      { name: "Role", value: "user", inline: true },
    ]);
  });

  it("text after a table starts a new embed, so reading order is kept", () => {
    const [m] = renderDiscord(reply().line("before").table([["k", "v"]]).line("after").build());
    expect(m!.embeds.map((e) => [e.description, e.fields?.length ?? 0])).toEqual([
      ["before", 1],
      ["after", 0],
    ]);
  });

  it("a long table is split across embeds and messages within every limit, nothing lost", () => {
    const rows: Array<[string, string]> = Array.from({ length: 260 }, (_, i) => [`event_${i}`, `${"x".repeat(60)} ${i}`]);
    const out = renderDiscord(reply().table(rows).buttons({ label: "More", action: "a1.more" }).build());
    expectWithinLimits(out);
    expect(out.length).toBeGreaterThan(1);
    const fields = out.flatMap((m) => m.embeds.flatMap((e) => e.fields ?? []));
    expect(fields.map((f) => f.name)).toEqual(rows.map(([k]) => k.replace(/_/g, "\\_")));
    expect(out.slice(0, -1).every((m) => m.components.length === 0)).toBe(true); // buttons on the last
    expect(out.at(-1)!.components[0]!.components[0]!.custom_id).toBe("a1.more");
  });

  it("a value over 1,024 characters continues in further fields; long text splits at lines", () => {
    const long = Array.from({ length: 400 }, (_, i) => `line ${i}`).join("\n");
    const out = renderDiscord(reply().line(long).table([["Big", "y ".repeat(1500)]]).build());
    expectWithinLimits(out);
    const all = out.flatMap((m) => m.embeds);
    expect(all.map((e) => e.description ?? "").join("\n")).toContain("line 399");
    expect(all.flatMap((e) => e.fields ?? []).length).toBeGreaterThanOrEqual(3);
  });

  it("images are attachments referenced by their embed, with the caption and alt text", () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47]);
    const [m] = renderDiscord(reply().image(png, "SOL price chart", "SOL 7d: +3%").table([["First", "$1"]]).build());
    expect(m!.files).toEqual([{ name: "chart.png", data: Buffer.from(png), description: "SOL price chart" }]);
    expect(m!.embeds[0]).toMatchObject({ image: { url: "attachment://chart.png" }, description: "SOL 7d: +3%" });
    expect(m!.embeds[1]!.fields).toEqual([{ name: "First", value: "$1" }]);
  });

  it("buttons become rows of at most 5 with the opaque token as custom_id and mapped styles", () => {
    const r: Reply = {
      kind: "info",
      blocks: [{ type: "text", spans: ["Pick one"] }],
      buttons: [
        Array.from({ length: 7 }, (_, i) => ({ label: `B${i}`, action: `a1.tok${i}` })),
        [
          { label: "Confirm", action: "a1.yes", style: "primary" },
          { label: "Cancel", action: "a1.no", style: "danger" },
        ],
      ],
    };
    const [m] = renderDiscord(r);
    expect(m!.components.map((row) => row.components.length)).toEqual([5, 2, 2]);
    expect(m!.components[2]!.components).toEqual([
      { type: 2, style: 1, label: "Confirm", custom_id: "a1.yes" },
      { type: 2, style: 4, label: "Cancel", custom_id: "a1.no" },
    ]);
    expect(m!.components[0]!.components[0]!.style).toBe(2); // secondary by default
  });
});
