/**
 * Parses the automation commands of issue 17 from their words into an `AutomationRequest`:
 *
 *   /limit buy <token> <amount> [pay token] at <price|N%>
 *   /limit sell <token> <amount|NN%|all> [receive token] at <price|N%>
 *   /stop <token> at <price|N%> [amount|NN%|all] [to <token>]
 *   /tp <token> at <price|N%> [amount|NN%|all] [to <token>]
 *   /trail <token> <N%> [amount|NN%|all] [to <token>]
 *   /dca <token> <amount> [pay token] every <1h..30d> [times <n>] [until <date> | for <duration>]
 *
 * Aliases: "@" for "at"; "$100" spends 100 USDC; stop-loss / sl, take-profit / takeprofit,
 * trailing / tsl; "daily", "hourly", "weekly" for "every 1d/1h/7d"; "3 times" and "x3" for
 * "times 3"; the share of a sell may also come before "at" (/stop SOL 50% at 190).
 * Tokens stay the words typed (the service resolves them); amounts stay decimal text until the
 * token's decimals are known. Bad, missing or huge input throws a UserError that says what to type.
 *
 * Pure: imports only core/domain and core/errors.ts.
 */

import { DEFAULT_QUOTE, type AmountText, type AutomationRequest, type LevelSpec, type UntilSpec } from "./automation.js";
import {
  fail,
  isKeyword,
  parseAmountWord,
  parseDateWord,
  parseEveryWord,
  parseLevelWord,
  parseShareWord,
  parseTimesWord,
  parseTokenWord,
  parseTrailWord,
  quote,
} from "./automation-words.js";
import { parseDuration } from "./alert.js";

export type AutomationCommand = "limit" | "stop" | "tp" | "trail" | "dca";

export const AUTOMATION_USAGE: Readonly<Record<AutomationCommand, string>> = Object.freeze({
  limit: "/limit buy <token> <amount> [pay token] at <price>  |  /limit sell <token> <amount|NN%|all> [receive token] at <price>",
  stop: "/stop <token> at <price|N%> [amount|NN%|all]",
  tp: "/tp <token> at <price|N%> [amount|NN%|all]",
  trail: "/trail <token> <N%> [amount|NN%|all]",
  dca: "/dca <token> <amount> [pay token] every <1h..30d> [times <n>] [until <YYYY-MM-DD>]",
});

const COMMAND_ALIASES: Readonly<Record<string, AutomationCommand>> = Object.freeze({
  limit: "limit",
  stop: "stop", sl: "stop", stoploss: "stop", "stop-loss": "stop", stop_loss: "stop",
  tp: "tp", takeprofit: "tp", "take-profit": "tp", take_profit: "tp",
  trail: "trail", trailing: "trail", tsl: "trail", "trailing-stop": "trail", trailing_stop: "trail",
  dca: "dca",
});

/** The automation command a name (or alias, with or without "/") stands for; undefined when none. */
export function automationCommandOf(name: string): AutomationCommand | undefined {
  return COMMAND_ALIASES[name.replace(/^\//, "").toLowerCase()];
}

/** Splits "@205" into "at", "205"; drops empty words. */
function normalise(words: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of words) {
    const w = raw.trim();
    if (!w) continue;
    if (w === "@") out.push("at");
    else if (/^@./.test(w)) out.push("at", w.slice(1));
    else out.push(w);
  }
  return out;
}

/** A cursor over the words with the usage to quote when something is wrong. */
class Words {
  private i = 0;
  constructor(
    private readonly words: string[],
    readonly usage: string,
  ) {}

  peek(): string | undefined {
    return this.words[this.i];
  }
  /** True (and consumed) when the next word is one of `keys` (case-insensitive). */
  take(...keys: string[]): boolean {
    const w = this.peek();
    if (w === undefined || !keys.includes(w.toLowerCase())) return false;
    this.i++;
    return true;
  }
  next(): string | undefined {
    const w = this.words[this.i];
    if (w !== undefined) this.i++;
    return w;
  }
  expect(key: string, what: string): void {
    if (this.take(key)) return;
    const w = this.peek();
    fail("bad_automation", `${w === undefined ? `Missing "${key} ${what}"` : `Expected "${key} ${what}", not ${quote(w)}`}. Usage: ${this.usage}`);
  }
  end(): void {
    const w = this.peek();
    if (w !== undefined) fail("bad_automation", `I don't understand ${quote(w)} here. Usage: ${this.usage}`);
  }
}

/** Parses one automation command (name or alias) from its words (without the command itself). */
export function parseAutomation(command: string, words: readonly string[]): AutomationRequest {
  const cmd = automationCommandOf(command);
  if (!cmd) fail("bad_automation", `${quote(command)} is not an automation command (limit, stop, tp, trail, dca).`);
  const w = new Words(normalise(words), AUTOMATION_USAGE[cmd]);
  if (w.peek() === undefined) fail("bad_automation", `Usage: ${AUTOMATION_USAGE[cmd]}`);
  switch (cmd) {
    case "limit":
      return parseLimit(w);
    case "stop":
      return parseExit(w, "stop");
    case "tp":
      return parseExit(w, "take-profit");
    case "trail":
      return parseTrail(w);
    case "dca":
      return parseDca(w);
  }
}

/** A whole rule written as one line, as the backtest takes it: "stop SOL at 205", "/dca SOL 100 every 6h times 3". */
export function parseAutomationLine(line: string): AutomationRequest {
  const [command = "", ...words] = line.trim().split(/\s+/);
  return parseAutomation(command, words);
}

/** Could this optional word be a token (not a keyword, not a number: "200" after an amount is a missing "at")? */
const isTokenLike = (w: string | undefined): w is string => w !== undefined && !isKeyword(w) && !/^(\$?[\d.,]|[+-])/.test(w);

/** The amount to spend, with the pay token ("$100" means USDC). */
function spendAndPay(w: Words): { spend: string; pay: string | null } {
  const amount = parseAmountWord(w.next(), "amount to spend");
  const next = w.peek();
  let pay: string | null = null;
  if (isTokenLike(next)) pay = parseTokenWord(w.next(), "token to pay with");
  if (amount.usd) {
    if (pay !== null && pay.toUpperCase() !== DEFAULT_QUOTE) fail("bad_automation", `"$${amount.text}" means ${DEFAULT_QUOTE}; to pay with ${pay}, drop the "$".`);
    pay = DEFAULT_QUOTE;
  }
  return { spend: amount.text, pay };
}

/** "to USDC" / "into USDC": the receive token of a stop, take-profit or trailing stop. */
function receiveWord(w: Words): string | null {
  return w.take("to", "into") ? parseTokenWord(w.next(), "token to receive") : null;
}

function parseLimit(w: Words): AutomationRequest {
  const side = w.next()?.toLowerCase();
  if (side !== "buy" && side !== "sell") fail("bad_automation", `Say buy or sell first. Usage: ${w.usage}`);
  const token = parseTokenWord(w.next());
  if (side === "buy") {
    const { spend, pay } = spendAndPay(w);
    w.expect("at", "<price>");
    const level = parseLevelWord(w.next(), "below", "limit buy price");
    w.end();
    return { kind: "limit-buy", token, spend, pay, level };
  }
  const first = w.next();
  if (first === undefined || first.toLowerCase() === "at") fail("bad_amount", `Say how much to sell (an amount, NN% or all) before "at". Usage: ${w.usage}`);
  const amount = parseShareWord(first);
  const next = w.peek();
  const receive = isTokenLike(next) ? parseTokenWord(w.next(), "token to receive") : null;
  w.expect("at", "<price>");
  const level = parseLevelWord(w.next(), "above", "limit sell price");
  w.end();
  return { kind: "limit-sell", token, amount, receive, level };
}

/** /stop and /tp: token, [share], at <level>, [share], [to <token>]. */
function parseExit(w: Words, kind: "stop" | "take-profit"): AutomationRequest {
  const token = parseTokenWord(w.next());
  const before = w.peek() !== undefined && w.peek()?.toLowerCase() !== "at" ? parseShareWord(w.next() ?? "") : null;
  w.expect("at", "<price or N%>");
  const level: LevelSpec = parseLevelWord(w.next(), kind === "stop" ? "below" : "above", kind === "stop" ? "stop" : "take-profit");
  let amount: AmountText | null = before;
  const next = w.peek();
  if (next !== undefined && !["to", "into"].includes(next.toLowerCase())) {
    if (amount) fail("bad_amount", `Give the amount once (before or after the level). Usage: ${w.usage}`);
    amount = parseShareWord(w.next() ?? "");
  }
  const receive = receiveWord(w);
  w.end();
  return { kind, token, amount: amount ?? { kind: "all" }, receive, level };
}

function parseTrail(w: Words): AutomationRequest {
  const token = parseTokenWord(w.next());
  const trailPct = parseTrailWord(w.next());
  const next = w.peek();
  const amount: AmountText = next !== undefined && !["to", "into"].includes(next.toLowerCase()) ? parseShareWord(w.next() ?? "") : { kind: "all" };
  const receive = receiveWord(w);
  w.end();
  return { kind: "trailing", token, trailPct, amount, receive };
}

function parseDca(w: Words): AutomationRequest {
  const token = parseTokenWord(w.next());
  const { spend, pay } = spendAndPay(w);
  let everyMs: number;
  const named = w.peek()?.toLowerCase();
  if (named === "daily" || named === "hourly" || named === "weekly") everyMs = parseEveryWord(w.next());
  else {
    if (!w.take("every", "each")) fail("bad_schedule", `Say how often, e.g. "every 1d". Usage: ${w.usage}`);
    everyMs = parseEveryWord(w.next());
  }
  let times: number | null = null;
  let until: UntilSpec | null = null;
  const once = <T>(current: T | null, what: string): void => {
    if (current !== null) fail("bad_schedule", `Give ${what} once. Usage: ${w.usage}`);
  };
  for (let word = w.peek(); word !== undefined; word = w.peek()) {
    const lower = word.toLowerCase();
    if (lower === "times" || lower === "x") {
      once(times, "times");
      w.next();
      times = parseTimesWord(w.next());
    } else if (/^x\d+$/.test(lower)) {
      once(times, "times");
      w.next();
      times = parseTimesWord(lower.slice(1));
    } else if (/^\d+$/.test(lower) && w.take(word) && w.take("times", "x")) {
      once(times, "times");
      times = parseTimesWord(lower);
    } else if (lower === "until" || lower === "till") {
      once(until, "an end");
      w.next();
      until = { kind: "at", at: parseDateWord(w.next()) };
    } else if (lower === "for") {
      once(until, "an end");
      w.next();
      const d = w.next();
      const ms = d === undefined ? undefined : parseDuration(d);
      if (ms === undefined) fail("bad_schedule", `Say for how long, e.g. "for 30d"${d === undefined ? "" : `, not ${quote(d)}`}.`);
      until = { kind: "after", ms };
    } else {
      fail("bad_automation", `I don't understand ${quote(word)} here. Usage: ${w.usage}`);
    }
  }
  return { kind: "dca", token, spend, pay, everyMs, times, until };
}
