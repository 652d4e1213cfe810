/**
 * What a public X mention may do, and whether it is for Purser at all. A mention is answered only
 * when it addresses Purser: Purser's handle is in the leading run of @handles that X puts on replies
 * and the text after that run starts with a known command, or the tweet is a direct question (Purser's
 * handle first and alone in the run, or a reply to Purser with no run at all). A reply chain that only
 * carries the handle along, a remark that mentions it in passing and a retweet get nothing.
 *
 * Of what addresses Purser, only an allowlist of read-only public commands is ever routed (price,
 * token, chart, help with a topic, link with a code); anything that would trade, move funds, show private
 * data or change settings gets a polite refusal and is never routed; free text is never routed either
 * (no LLM sees it), it gets a short help. Tweet text is data: nothing here echoes it.
 */
import type { XMention, XTweet, XUser } from "./x-client.js";

export type PublicCommand = "price" | "token" | "chart" | "help" | "link";

export type MentionDecision =
  /** Route exactly this command text through the router. `direct`: Purser alone was addressed. */
  | { kind: "route"; command: PublicCommand; text: string; direct: boolean }
  /** Answer locally with a fixed line; nothing is routed. */
  | { kind: "refuse" | "link-hint" }
  /** The short help; `freeText`: the mention was not a command at all (budgeted per author per day). */
  | { kind: "help"; freeText?: true }
  /** Not for Purser: no reply. */
  | { kind: "ignore"; why: IgnoreReason };

export type IgnoreReason =
  /** A retweet: the original tweet is answered (or not) on its own. */
  | "retweet"
  /** Purser's handle is not in the leading run: a remark about it, not to it. */
  | "passing"
  /** Purser's handle is carried along in a reply chain with others, and the text is no command. */
  | "carried"
  /** Free text under one of our own replies ("thanks!"): conversation, not a request. */
  | "small-talk";

/** The parts of a tweet the policy reads (an XTweet, or just its text). */
export type MentionInput = Pick<XTweet, "text"> & Partial<Pick<XTweet, "mentions" | "inReplyToUserId" | "referenced">>;

const PUBLIC: Record<string, PublicCommand> = {
  price: "price",
  p: "price",
  token: "token",
  chart: "chart",
  help: "help",
  commands: "help",
  start: "help",
  link: "link",
};

/**
 * Words that mean money, private data, automations or settings. Found anywhere in a mention that addresses Purser
 * they win over everything else (a token called SEND must be asked for by its mint address on X).
 */
const SENSITIVE =
  /(^|[^\p{L}\p{N}_])\/?(buy|sell|swap|send|sent|transfer|withdraw|deposit|pay|tip|fund|funds|drain|approve|sign|stake|bridge|bal|balance|balances|portfolio|pnl|wallet|wallets|address|seed|mnemonic|key|keys|export|trade|trades|order|orders|alert|alerts|unalert|limit|stop|stoploss|sl|tp|takeprofit|trail|trailing|tsl|dca|auto|automation|automations|whoami|audit|setting|settings|config|admin|2fa|twofa|code|codes|otp|totp|recovery|withdrawal|withdrawals|withdraws|freeze|unfreeze)(?=$|[^\p{L}\p{N}_])/iu;

const ENTITIES: Record<string, string> = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'" };
const INVISIBLE = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/g;
/** What may stand between two handles of the leading run: spaces and invisible characters. */
const GAP = /^[\s\u200B-\u200F\u2060\uFEFF]*$/u;
const HANDLE = /^[\s\u200B-\u200F\u2060\uFEFF]*[@＠]([A-Za-z0-9_]{1,15})(?![A-Za-z0-9_@＠])/u;

/** X sends text HTML-escaped: unescape, drop control and bidi characters, collapse whitespace. */
const clean = (text: string) =>
  text
    .replace(/&(amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e] ?? e)
    .replace(INVISIBLE, "")
    .replace(/\s+/g, " ")
    .trim();

interface LeadingRun {
  /** The handles in front of the text, in order. */
  handles: Array<{ username: string; id?: string }>;
  /** The text after them, raw. */
  rest: string;
}

/**
 * The run of @handles at the start of the text (X puts the reply chain there) and what follows. Taken
 * from X's `entities.mentions` (code-point offsets) when they are present and agree with the text;
 * otherwise read from the text itself.
 */
export function leadingRun(t: Pick<MentionInput, "text" | "mentions">): LeadingRun {
  const cps = [...t.text];
  // Offsets that do not match the text (another counting, an edited text): trust the text instead.
  if (t.mentions?.every((m) => sameHandle(cps.slice(m.start, m.end).join(""), m))) {
    const handles: LeadingRun["handles"] = [];
    let pos = 0;
    for (const m of [...t.mentions].sort((a, b) => a.start - b.start)) {
      if (m.start < pos || !GAP.test(cps.slice(pos, m.start).join(""))) break;
      handles.push(m.id ? { username: m.username, id: m.id } : { username: m.username });
      pos = m.end;
    }
    return { handles, rest: cps.slice(pos).join("") };
  }
  const handles: LeadingRun["handles"] = [];
  let rest = t.text;
  for (let m = HANDLE.exec(rest); m; m = HANDLE.exec(rest)) {
    handles.push({ username: m[1]! });
    rest = rest.slice(m[0].length);
  }
  return { handles, rest };
}

const sameHandle = (slice: string, m: XMention) => slice.replace(/^[@＠]/, "").toLowerCase() === m.username.toLowerCase();

/** The message after the leading @handles, cleaned (what a command is read from). */
export function mentionBody(text: string): string {
  return clean(leadingRun({ text }).rest);
}

const isMe = (h: { username: string; id?: string }, me: Pick<XUser, "id" | "username">) =>
  h.id ? h.id === me.id : h.username.toLowerCase() === me.username.toLowerCase();

/**
 * Decides what to do with one mention. `commands`: every command name and alias Purser knows (a
 * mention starting with one of them addresses Purser even in a reply chain).
 */
export function decideMention(t: MentionInput, me: Pick<XUser, "id" | "username">, commands: ReadonlySet<string>): MentionDecision {
  if (t.referenced?.some((r) => r.type === "retweeted")) return { kind: "ignore", why: "retweet" };
  const run = leadingRun(t);
  const underOurs = t.inReplyToUserId === me.id;
  const mine = run.handles.some((h) => isMe(h, me));
  // A direct question: our handle first and alone in the run, or a reply to us that carries no run.
  const direct = run.handles.length ? run.handles.every((h) => isMe(h, me)) : underOurs;
  if (!mine && !direct) return { kind: "ignore", why: "passing" };
  const body = clean(run.rest);
  const words = body ? body.split(" ") : [];
  const first = (words[0] ?? "").replace(/^\//, "").replace(/@[A-Za-z0-9_]+$/, "").replace(/[.,:!?]+$/, "").toLowerCase();
  const command = PUBLIC[first];
  if (!command && !commands.has(first)) {
    if (!direct) return { kind: "ignore", why: "carried" };
    if (SENSITIVE.test(body)) return { kind: "refuse" };
    if (underOurs) return { kind: "ignore", why: "small-talk" };
    return { kind: "help", freeText: true };
  }
  // A command (ours or one of the private ones): money and private data are never answered in public.
  if (SENSITIVE.test(body) || !command) return { kind: "refuse" };
  const args = words
    .slice(1)
    .map((w) => w.replace(/^\$(?=[A-Za-z])/, "").replace(/[,;!?]+$/, ""))
    .filter(Boolean);
  if (command === "help") return args.length ? { kind: "route", command, text: `/help ${args[0]}`, direct } : { kind: "help" };
  if (command === "link") return args.length ? { kind: "route", command, text: `/link ${args[0]}`, direct } : { kind: "link-hint" };
  if (!args.length) return { kind: "help" };
  return { kind: "route", command, text: `/${command} ${args.join(" ")}`, direct };
}

/**
 * Bot heuristic (X has no "is a bot" field): a username ending in "bot" (FooBot, foo_bot). Loops
 * with a bot that does not match are still bounded by the per-author hourly cap.
 */
export const looksLikeBot = (username: string): boolean => /bot$/i.test(username);

export const X_LINES = {
  help: "Hi! On X I answer: price <token> (e.g. price SOL), token <token> (its safety checks), chart <token> [1d|7d|30d|90d], help <command>. Trading, balances and alerts are private: DM me on Telegram or Discord.",
  refuse:
    "Sorry, I can't do that in public. Trades, balances, wallets, alerts and settings only work in a private chat with me (Telegram or Discord DM). Here I can do: price <token>, token <token>, chart <token>.",
  linkHint: "To link your X account: send /link to me in a private chat on Telegram or Discord, then reply here with: link <code>",
  linked: "Linked your X account.",
  private: "That answer is private: ask me in a private chat (Telegram or Discord DM).",
} as const;
