import type { Reply } from "../../core/domain/message.js";
import { plainText } from "../../core/router/reply.js";

/** X's limit for a post, in twitter-text weighted characters (URLs 23, CJK and emoji 2). */
export const TWEET_MAX = 280;
/** X's limit for a direct message, in characters. */
export const DM_MAX = 10_000;
const ELLIPSIS = "…";

/**
 * twitter-text's weighted count, loaded on the first post rather than at start-up: the library and
 * the core-js polyfills it pulls in are ~230 modules and ~4 MB of an idle process's memory.
 */
let counter: Promise<(text: string) => number> | undefined;
const weigher = (): Promise<(text: string) => number> =>
  (counter ??= import("twitter-text").then(
    ({ default: twitterText }) => (text: string) => twitterText.parseTweet(text).weightedLength,
    (e: unknown) => {
      counter = undefined; // a failed import is tried again on the next post
      throw e;
    },
  ));

/** Weighted length per twitter-text (the same count X applies). */
export const weightedLength = async (text: string): Promise<number> => (await weigher())(text);

const segmenter = new Intl.Segmenter("en", { granularity: "grapheme" });
const graphemes = (s: string): string[] => Array.from(segmenter.segment(s), (x) => x.segment);
const tidy = (s: string) => s.replace(/[\s,;:–-]+$/u, "");

/** Largest n in [lo, hi] with ok(n) true, given ok(lo) is true and ok is monotone. */
function largest(lo: number, hi: number, ok: (n: number) => boolean): number {
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (ok(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Cuts text cleanly to `max` by `measure`: unchanged when it fits; otherwise at the last word
 * boundary that leaves room for an ellipsis (so a URL is kept whole or dropped, never halved), or,
 * for one giant word, between graphemes (never inside a surrogate pair or emoji sequence).
 */
export function cutText(text: string, max: number, measure: (s: string) => number): string {
  if (measure(text) <= max) return text;
  const fits = (s: string) => measure(s + ELLIPSIS) <= max;
  const ends: number[] = [];
  for (const m of text.matchAll(/\s+/g)) if (m.index > 0) ends.push(m.index);
  const usable = ends.filter((e) => tidy(text.slice(0, e)).length > 0);
  if (usable.length && fits(tidy(text.slice(0, usable[0]!)))) {
    const i = largest(0, usable.length - 1, (k) => fits(tidy(text.slice(0, usable[k]!))));
    // Weights of word-boundary prefixes are monotone; step back in case a linkified fragment broke that.
    for (let k = i; k >= 0; k--) {
      const head = tidy(text.slice(0, usable[k]!));
      if (fits(head)) return head + ELLIPSIS;
    }
  }
  const g = graphemes(text);
  if (!fits(g[0] ?? "")) return measure(ELLIPSIS) <= max ? ELLIPSIS : "";
  let n = largest(1, g.length, (k) => fits(g.slice(0, k).join("")));
  while (n > 1 && !fits(g.slice(0, n).join(""))) n--;
  return tidy(g.slice(0, n).join("")) + ELLIPSIS;
}

/** Fits text into one post (280 weighted characters). */
export const fitTweet = async (text: string, max = TWEET_MAX): Promise<string> => cutText(text, max, await weigher());

/** Fits text into one direct message (10,000 characters, counted as code points). */
export const fitDm = (text: string, max = DM_MAX): string => cutText(text, max, (s) => [...s].length);

/** Breaks @mentions and #hashtags/$cashtags in text we post, so replies never ping or tag anyone. */
export const defuse = (text: string): string => text.replace(/([@＠#＃])(?=[\p{L}\p{N}_])/gu, "$1\u200B");

/**
 * A reply as compact plain text for X: no table padding, no blank lines, buttons dropped (a note
 * says how to choose instead), mentions and tags defused for public posts.
 */
export function renderForX(reply: Reply, o: { defuse?: boolean } = {}): string {
  const lines = plainText(reply)
    .split("\n")
    .map((l) => l.replace(/[ \t]{2,}/g, " ").trim())
    .filter(Boolean);
  if (reply.buttons?.length) lines.push("(Ask again with the token's mint address to choose.)");
  const text = lines.join("\n");
  return o.defuse === false ? text : defuse(text);
}
