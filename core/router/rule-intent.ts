import type { IntentResult } from "./intent.js";

/** Words that mean "dollars of the default pay token". */
const DOLLARS = /^(\$|usd|usdc|bucks?|dollars?)$/i;
const SYM = "\\$?([a-z0-9]{2,12}|[1-9A-HJ-NP-Za-km-z]{32,44})";
const NUM = "(\\d+(?:\\.\\d+)?)";

type Rule = [RegExp, (m: RegExpExecArray) => IntentResult | undefined];

const cmd = (name: string, args: Record<string, unknown>): IntentResult => ({ kind: "command", name, args });

/**
 * The assistant without a model: common phrasings become the same commands a user could type (so
 * trades still get a preview and Confirm). Anything else gets help. No network, no surprises.
 */
const RULES: Rule[] = [
  [new RegExp(`^(?:what(?:'s| is)|how(?:'s| is))\\s+(?:the\\s+)?(?:price\\s+of\\s+)?${SYM}(?:\\s+(?:doing|price|at|trading))?\\??$`, "i"), (m) => cmd("price", { tokens: [m[1]!] })],
  [new RegExp(`^(?:price|quote)(?:\\s+(?:of|for))?\\s+${SYM}\\??$`, "i"), (m) => cmd("price", { tokens: [m[1]!] })],
  [new RegExp(`^${SYM}\\s+price\\??$`, "i"), (m) => cmd("price", { tokens: [m[1]!] })],
  [new RegExp(`^(?:chart|graph)(?:\\s+(?:of|for))?\\s+${SYM}(?:\\s+(1d|7d|30d|90d))?$`, "i"), (m) => cmd("chart", { token: m[1]!, ...(m[2] ? { range: m[2] } : {}) })],
  // buy 20 usdc of jup / buy $20 of jup / buy 20 bucks of jup / buy 20 bucks worth of jup
  [
    new RegExp(`^buy\\s+\\$?${NUM}\\s*(\\$|usd|usdc|bucks?|dollars?)?\\s+(?:worth\\s+)?of\\s+${SYM}$`, "i"),
    (m) => cmd("buy", { token: m[3]!, amount: m[1]!, pay: "USDC" }),
  ],
  [new RegExp(`^buy\\s+${SYM}\\s+(?:for|with)\\s+\\$?${NUM}\\s*(\\$|usd|usdc|bucks?|dollars?)?$`, "i"), (m) => cmd("buy", { token: m[1]!, amount: m[2]!, pay: "USDC" })],
  [new RegExp(`^sell\\s+(all|everything)(?:\\s+(?:of\\s+)?my)?\\s+${SYM}$`, "i"), (m) => cmd("sell", { token: m[2]!, amount: "all" })],
  [new RegExp(`^sell\\s+(\\d{1,3}(?:\\.\\d+)?%)\\s+(?:of\\s+)?(?:my\\s+)?${SYM}$`, "i"), (m) => cmd("sell", { token: m[2]!, amount: m[1]! })],
  [new RegExp(`^sell\\s+${NUM}\\s+${SYM}$`, "i"), (m) => (DOLLARS.test(m[2]!) ? undefined : cmd("sell", { token: m[2]!, amount: m[1]! }))],
  [new RegExp(`^swap\\s+${NUM}\\s+${SYM}\\s+(?:for|to|into)\\s+${SYM}$`, "i"), (m) => cmd("swap", { amount: m[1]!, from: m[2]!, to: m[3]! })],
  // alert me when sol above 200 / ping me if bonk drops 10% / tell me when jup goes below 0.4
  [
    new RegExp(`^(?:alert|ping|tell|notify)(?:\\s+me)?\\s+(?:when|if)\\s+${SYM}\\s+(?:goes\\s+|is\\s+|gets\\s+)?(above|over|below|under)\\s+\\$?${NUM}$`, "i"),
    (m) => cmd("alert", { token: m[1]!, op: /above|over/i.test(m[2]!) ? "above" : "below", value: m[3]! }),
  ],
  [
    new RegExp(`^(?:alert|ping|tell|notify)(?:\\s+me)?\\s+(?:when|if)\\s+${SYM}\\s+(?:drops|falls|dumps|pumps|rises|jumps|moves)\\s+(?:by\\s+)?${NUM}%(?:\\s+(?:in|within)\\s+(\\d+[mhd]))?$`, "i"),
    (m) => cmd("alert", { token: m[1]!, op: "move", value: `${m[2]!}%`, extra: [m[3] ?? "24h"] }),
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
      const r = make(m);
      if (r) return r;
    }
  }
  return { kind: "none" };
}
