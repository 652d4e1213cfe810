import type { IntentResult } from "./intent.js";

/** Words that mean "dollars of the default pay token". */
const DOLLARS = /^(\$|usd|usdc|bucks?|dollars?)$/i;
const SYM = "\\$?([a-z0-9]{2,12}|[1-9A-HJ-NP-Za-km-z]{32,44})";
const NUM = "(\\d+(?:\\.\\d+)?)";

/**
 * A rule's command may carry a note shown under the command's reply: what the command does that the
 * user's words did not say (the router adds it; a note never changes what runs).
 */

/** A match's group `i` ("" when the group took no part in the match). */
type Groups = (i: number) => string;

type Rule = [RegExp, (g: Groups) => IntentResult | undefined];

const cmd = (name: string, args: Record<string, unknown>): IntentResult => ({ kind: "command", name, args });

/**
 * The assistant without a model: common phrasings become the same commands a user could type (so
 * trades still get a preview and Confirm). Anything else gets help. No network, no surprises.
 */
const RULES: Rule[] = [
  // a mint is asked about as a token (its card), a symbol's "what is" stays a price
  [/^what(?:'s| is)\s+([1-9A-HJ-NP-Za-km-z]{32,44})\??$/, (g) => cmd("token", { query: g(1) })],
  [new RegExp(`^is\\s+${SYM}\\s+(?:token\\s+)?(?:safe|legit|a\\s+rug(?:\\s*pull)?|a\\s+scam|a\\s+honeypot)\\??$`, "i"), (g) => cmd("token", { query: g(1) })],
  [new RegExp(`^(?:what(?:'s| is)|how(?:'s| is))\\s+(?:the\\s+)?(?:price\\s+of\\s+)?${SYM}(?:\\s+(?:doing|price|at|trading))?\\??$`, "i"), (g) => cmd("price", { tokens: [g(1)] })],
  [new RegExp(`^(?:price|quote)(?:\\s+(?:of|for))?\\s+${SYM}\\??$`, "i"), (g) => cmd("price", { tokens: [g(1)] })],
  [new RegExp(`^${SYM}\\s+price\\??$`, "i"), (g) => cmd("price", { tokens: [g(1)] })],
  [new RegExp(`^(?:chart|graph)(?:\\s+(?:of|for))?\\s+${SYM}(?:\\s+(1d|7d|30d|90d))?$`, "i"), (g) => cmd("chart", { token: g(1), ...(g(2) ? { range: g(2) } : {}) })],
  // buy 20 usdc of jup / buy $20 of jup / buy 20 bucks of jup / buy 20 bucks worth of jup
  [
    new RegExp(`^buy\\s+\\$?${NUM}\\s*(\\$|usd|usdc|bucks?|dollars?)?\\s+(?:worth\\s+)?of\\s+${SYM}$`, "i"),
    (g) => cmd("buy", { token: g(3), amount: g(1), pay: "USDC" }),
  ],
  [new RegExp(`^buy\\s+${SYM}\\s+(?:for|with)\\s+\\$?${NUM}\\s*(\\$|usd|usdc|bucks?|dollars?)?$`, "i"), (g) => cmd("buy", { token: g(1), amount: g(2), pay: "USDC" })],
  [new RegExp(`^sell\\s+(all|everything)(?:\\s+(?:of\\s+)?my)?\\s+${SYM}$`, "i"), (g) => cmd("sell", { token: g(2), amount: "all" })],
  [new RegExp(`^sell\\s+(\\d{1,3}(?:\\.\\d+)?%)\\s+(?:of\\s+)?(?:my\\s+)?${SYM}$`, "i"), (g) => cmd("sell", { token: g(2), amount: g(1) })],
  [new RegExp(`^sell\\s+${NUM}\\s+${SYM}$`, "i"), (g) => (DOLLARS.test(g(2)) ? undefined : cmd("sell", { token: g(2), amount: g(1) }))],
  [new RegExp(`^swap\\s+${NUM}\\s+${SYM}\\s+(?:for|to|into)\\s+${SYM}$`, "i"), (g) => cmd("swap", { amount: g(1), from: g(2), to: g(3) })],
  // alert me when sol above 200 / ping me if bonk drops 10% / tell me when jup goes below 0.4
  [
    new RegExp(`^(?:alert|ping|tell|notify)(?:\\s+me)?\\s+(?:when|if)\\s+${SYM}\\s+(?:goes\\s+|is\\s+|gets\\s+)?(above|over|below|under)\\s+\\$?${NUM}$`, "i"),
    (g) => cmd("alert", { token: g(1), op: /above|over/i.test(g(2)) ? "above" : "below", value: g(3) }),
  ],
  // The parser knows no current price, and /alert has no "N% below now" level, so a direction word
  // still becomes a move alert (either way within the window): the note says so instead of hiding it.
  [
    new RegExp(`^(?:alert|ping|tell|notify)(?:\\s+me)?\\s+(?:when|if)\\s+${SYM}\\s+(drops|falls|dumps|pumps|rises|jumps|moves)\\s+(?:by\\s+)?${NUM}%(?:\\s+(?:in|within)\\s+(\\d+[mhd]))?$`, "i"),
    (g) => {
      const [token, verb, pct, win] = [g(1), g(2).toLowerCase(), g(3), g(4) || "24h"];
      const r = { kind: "command" as const, name: "alert", args: { token, op: "move", value: `${pct}%`, extra: [win] } };
      if (verb === "moves") return r;
      const down = /^(drops|falls|dumps)$/.test(verb);
      return {
        ...r,
        note: `Note: this fires on a ${pct}% move either way within ${win}, up or down, not only on a ${down ? "drop" : "rise"}. For a ${down ? "drop" : "rise"} only, set a price level: /alert ${token} ${down ? "below" : "above"} <price>.`,
      };
    },
  ],
  [/^(?:(?:what(?:'s| is)\s+)?my\s+)?(?:balance|portfolio|holdings|bags?)\??$/i, () => cmd("balance", {})],
  [/^(?:show\s+)?my\s+(?:trades|orders)\??$/i, () => cmd("trades", {})],
  [/^(?:my\s+)?alerts\??$/i, () => cmd("alerts", {})],
];

export function ruleIntent(text: string): IntentResult {
  const t = text.trim().replace(/\s+/g, " ").replace(/[.!]+$/, "");
  for (const [re, make] of RULES) {
    const m = re.exec(t);
    if (m) {
      const r = make((i) => m[i] ?? "");
      if (r) return r;
    }
  }
  return { kind: "none" };
}
