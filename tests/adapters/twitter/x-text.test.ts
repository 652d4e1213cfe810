import { describe, expect, it } from "vitest";
import twitterText from "twitter-text";
import { defuse, fitDm, fitTweet, renderForX, weightedLength } from "../../../adapters/twitter/x-text.js";
import { reply } from "../../../core/router/reply.js";

const weight = (s: string) => twitterText.parseTweet(s).weightedLength;
const url = (i: number) => `https://example.com/${"segment".repeat(12)}/${i}`; // 100+ characters, weighs 23

describe("fitting a reply into one post (twitter-text weighted length)", () => {
  it("leaves text that fits unchanged, even when its raw length is far over 280 thanks to URLs", async () => {
    const text = Array.from({ length: 8 }, (_, i) => url(i)).join(" ");
    expect(text.length).toBeGreaterThan(800);
    expect(weight(text)).toBe(8 * 23 + 7);
    expect(await fitTweet(text)).toBe(text);
  });

  it("cuts long text at a word boundary with an ellipsis, as close to 280 as it can", async () => {
    const text = Array.from({ length: 100 }, (_, i) => `word${i}`).join(" ");
    const out = await fitTweet(text);
    expect(out.endsWith("…")).toBe(true);
    expect(weight(out)).toBeLessThanOrEqual(280);
    expect(weight(out)).toBeGreaterThan(270);
    const head = out.slice(0, -1);
    expect(text.startsWith(`${head} `)).toBe(true); // whole words only
  });

  it("keeps URLs whole or drops them, never half a link, and counts each as 23", async () => {
    const text = `${"x".repeat(240)} ${url(1)} ${url(2)} tail`;
    const out = await fitTweet(text);
    expect(weight(out)).toBeLessThanOrEqual(280);
    expect(out).toBe(`${"x".repeat(240)} ${url(1)}…`); // 240 + 1 + 23 + 2 (the ellipsis weighs 2) = 266; the second URL would make 290
    expect(twitterText.extractUrls(out)).toEqual([url(1)]);
  });

  it("counts CJK as 2: 200 CJK characters are cut to fit, between characters", async () => {
    const text = "価格".repeat(100);
    expect(weight(text)).toBe(400);
    const out = await fitTweet(text);
    expect(weight(out)).toBe(280);
    expect([...out.slice(0, -1)].length).toBe(139); // 139 x 2 + the ellipsis (2)
  });

  it("mixed CJK and Latin words cut at a space; emoji are never split", async () => {
    const text = Array.from({ length: 60 }, (_, i) => `ソラナ${i}`).join(" ");
    const out = await fitTweet(text);
    expect(weight(out)).toBeLessThanOrEqual(280);
    expect(text.startsWith(`${out.slice(0, -1)} `)).toBe(true);
    const emoji = "👩‍👩‍👧‍👦".repeat(200);
    const e = await fitTweet(emoji);
    expect(weight(e)).toBeLessThanOrEqual(280);
    expect(e.slice(0, -1).split("👩‍👩‍👧‍👦").every((s) => s === "")).toBe(true); // only whole family sequences
  });

  it("a direct message is cut to 10,000 characters", async () => {
    const out = fitDm("ab ".repeat(5000));
    expect([...out].length).toBeLessThanOrEqual(10_000);
    expect(out.endsWith("ab…")).toBe(true);
    expect(await weightedLength("ok")).toBe(2);
  });
});

describe("rendering a reply for X", () => {
  it("is compact plain text: no table padding or blank lines; mentions and hashtags never ping", () => {
    const r = reply()
      .table([
        ["SOL", "$147.48  +1.29% 24h  (jupiter, 3 s ago)"],
        ["JUP", "$0.52  -2.00% 24h  (jupiter, 3 s ago)"],
      ], "Prices")
      .line("")
      .line('"@victim #scam" is not a token symbol.')
      .build();
    expect(renderForX(reply().table([["SOL", "$147.48  +1.29% 24h"]]).build())).toBe("SOL $147.48 +1.29% 24h");
    const out = renderForX(r);
    expect(out.split("\n")).toEqual([
      "Prices",
      "SOL $147.48 +1.29% 24h (jupiter, 3 s ago)",
      "JUP $0.52 -2.00% 24h (jupiter, 3 s ago)",
      '"@\u200Bvictim #\u200Bscam" is not a token symbol.',
    ]);
    expect(twitterText.extractMentions(out)).toEqual([]);
    expect(twitterText.extractHashtags(out)).toEqual([]);
    expect(defuse("mail me@x.com")).toBe("mail me@\u200Bx.com");
  });
});
