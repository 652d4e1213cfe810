/**
 * What a public X mention may do. Only an allowlist of read-only public commands is ever routed
 * (price, chart, help with a topic, link with a code); anything that would trade, move funds, show
 * private data or change settings gets a polite refusal and is never routed; free text is never
 * routed either (no LLM sees it), it gets a short help. Tweet text is data: nothing here echoes it.
 */

export type MentionDecision =
  /** Route exactly this command text through the router. */
  | { kind: "route"; command: "price" | "chart" | "help" | "link"; text: string }
  /** Answer locally with a fixed line; nothing is routed. `freeText`: not a command at all. */
  | { kind: "refuse" | "link-hint" }
  | { kind: "help"; freeText?: true };

const PUBLIC: Record<string, "price" | "chart" | "help" | "link"> = {
  price: "price",
  p: "price",
  chart: "chart",
  help: "help",
  commands: "help",
  start: "help",
  link: "link",
};

/**
 * Words that mean money, private data or settings. Found anywhere in a mention they win over
 * everything else (a token called SEND must be asked for by its mint address on X).
 */
const SENSITIVE =
  /(^|[^\p{L}\p{N}_])\/?(buy|sell|swap|send|sent|transfer|withdraw|deposit|pay|tip|fund|funds|drain|approve|sign|stake|bridge|bal|balance|balances|portfolio|pnl|wallet|wallets|address|seed|mnemonic|key|keys|export|trade|trades|order|orders|alert|alerts|unalert|whoami|audit|setting|settings|config|admin)(?=$|[^\p{L}\p{N}_])/iu;

const ENTITIES: Record<string, string> = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'" };

/** X sends text HTML-escaped; leading @mentions (the reply chain, the bot itself) are not the message. */
export function mentionBody(text: string): string {
  return text
    .replace(/&(amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e] ?? e)
    .replace(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u200B-\u200F\u202A-\u202E\u2066-\u2069]/g, "")
    .replace(/^(\s*[@＠][A-Za-z0-9_]{1,15}\b)+/u, "")
    .replace(/\s+/g, " ")
    .trim();
}

export function decideMention(text: string): MentionDecision {
  const body = mentionBody(text);
  if (!body) return { kind: "help", freeText: true };
  if (SENSITIVE.test(body)) return { kind: "refuse" };
  const words = body.split(" ");
  const first = (words[0] ?? "").replace(/^\//, "").replace(/@[A-Za-z0-9_]+$/, "").replace(/[.,:!?]+$/, "").toLowerCase();
  const command = PUBLIC[first];
  if (!command) return { kind: "help", freeText: true };
  const args = words
    .slice(1)
    .map((w) => w.replace(/^\$(?=[A-Za-z])/, "").replace(/[,;!?]+$/, ""))
    .filter(Boolean);
  if (command === "help") return args.length ? { kind: "route", command, text: `/help ${args[0]}` } : { kind: "help" };
  if (command === "link") return args.length ? { kind: "route", command, text: `/link ${args[0]}` } : { kind: "link-hint" };
  if (!args.length) return { kind: "help" };
  return { kind: "route", command, text: `/${command} ${args.join(" ")}` };
}

/**
 * Bot heuristic (X has no "is a bot" field): a username ending in "bot" (FooBot, foo_bot). Loops
 * with a bot that does not match are still bounded by the per-author hourly cap.
 */
export const looksLikeBot = (username: string): boolean => /bot$/i.test(username);

export const X_LINES = {
  help: "Hi! On X I answer: price <token> (e.g. price SOL), chart <token> [1d|7d|30d|90d], help <command>. Trading, balances and alerts are private: DM me on Telegram or Discord.",
  refuse:
    "Sorry, I can't do that in public. Trades, balances, wallets, alerts and settings only work in a private chat with me (Telegram or Discord DM). Here I can do: price <token>, chart <token>.",
  linkHint: "To link your X account: send /link to me in a private chat on Telegram or Discord, then reply here with: link <code>",
  linked: "Linked your X account.",
  private: "That answer is private: ask me in a private chat (Telegram or Discord DM).",
} as const;
