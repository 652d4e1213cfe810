/**
 * From a parsed request to the rule the user confirms: the service has resolved the tokens and
 * fetched a good price; here amounts become base units, "N% below" becomes an absolute level
 * fixed at that price, and a rule that would fire at once, or a schedule already over, is refused
 * (a stop above the price is a market sell: /sell says so honestly).
 *
 * Pure: imports only core/domain and core/errors.ts.
 */

import { AUTOMATION_LIMITS, type AmountText, type AutomationRequest, type AutomationRule, type Level, type LevelSpec } from "./automation.js";
import { fail } from "./automation-words.js";
import { formatPrice } from "./format.js";
import { parseAmount, type AmountSpec } from "./money.js";
import type { TokenRef } from "./order.js";

export interface ResolveContext {
  /** The token the automation buys or sells. */
  token: TokenRef;
  /** The pay token (buys) or receive token (sells): the request's, else DEFAULT_QUOTE. */
  quote: TokenRef;
  /** A good (checked) USD price of `token` now. */
  priceUsd: number;
  /** Now, on the clock the automation runs on (the replay clock when replaying). */
  now: number;
}

/** A level fixed at the price now. */
export function resolveLevel(spec: LevelSpec, priceUsd: number): Level {
  if (spec.kind === "price") return { usd: spec.usd, spec, refUsd: priceUsd };
  const f = spec.pct / 100;
  return { usd: priceUsd * (spec.side === "below" ? 1 - f : 1 + f), spec, refUsd: priceUsd };
}

function resolveAmount(a: AmountText, token: TokenRef): AmountSpec {
  return a.kind === "amount" ? { kind: "units", units: parseAmount(a.text, token.decimals, token.symbol) } : a;
}

/** Refuses a level the price is already at or past: it would fire on the next tick. */
function checkNotCrossed(kind: AutomationRule["kind"], level: Level, ctx: ResolveContext): void {
  const below = kind === "limit-buy" || kind === "stop";
  const crossed = below ? ctx.priceUsd <= level.usd : ctx.priceUsd >= level.usd;
  if (!crossed) return;
  const what = { "limit-buy": "a limit buy", "limit-sell": "a limit sell", stop: "a stop", "take-profit": "a take-profit", trailing: "", dca: "" }[kind];
  const instead = kind === "limit-buy" ? "/buy" : "/sell";
  fail(
    "level_crossed",
    `${ctx.token.symbol} is at ${formatPrice(ctx.priceUsd)} now, so ${what} at ${formatPrice(level.usd)} would fire at once. ` +
      `Set a level ${below ? "below" : "above"} the price, or use ${instead} to trade now.`,
    { price: ctx.priceUsd, level: level.usd },
  );
}

/** The rule to preview and confirm. Throws a UserError for a rule that cannot be armed. */
export function resolveAutomation(req: AutomationRequest, ctx: ResolveContext): AutomationRule {
  const { token, quote, priceUsd, now } = ctx;
  if (!(priceUsd > 0 && Number.isFinite(priceUsd))) fail("bad_level", `There is no good price for ${token.symbol} right now; try again in a minute.`);
  if (token.mint === quote.mint) fail("same_token", `${token.symbol} cannot be bought or sold for itself.`);
  switch (req.kind) {
    case "limit-buy": {
      const level = resolveLevel(req.level, priceUsd);
      checkNotCrossed(req.kind, level, ctx);
      return { kind: "limit-buy", token, pay: quote, spend: parseAmount(req.spend, quote.decimals, quote.symbol), level };
    }
    case "limit-sell":
    case "stop":
    case "take-profit": {
      const level = resolveLevel(req.level, priceUsd);
      checkNotCrossed(req.kind, level, ctx);
      return { kind: req.kind, token, receive: quote, amount: resolveAmount(req.amount, token), level };
    }
    case "trailing":
      return { kind: "trailing", token, receive: quote, amount: resolveAmount(req.amount, token), trailPct: req.trailPct, refUsd: priceUsd };
    case "dca": {
      const until = req.until === null ? null : req.until.kind === "at" ? req.until.at : now + req.until.ms;
      if (until !== null && until <= now) fail("bad_schedule", "The end date is already past.");
      if (until !== null && until - now > AUTOMATION_LIMITS.maxUntilMs) fail("bad_schedule", "The end date is too far ahead (at most 5 years).");
      const spend = parseAmount(req.spend, quote.decimals, quote.symbol);
      return { kind: "dca", token, pay: quote, spend, startAt: now, everyMs: req.everyMs, times: req.times, until };
    }
  }
}
