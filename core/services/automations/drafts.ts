import { randomInt } from "node:crypto";
import { ACTIVE_AUTOMATION_STATES, DEFAULT_QUOTE, isSell, type Automation, type AutomationRequest, type AutomationRule } from "../../domain/automation.js";
import { resolveAutomation } from "../../domain/automation-resolve.js";
import { formatUsd } from "../../domain/format.js";
import { shareOf, unitsToUsd } from "../../domain/money.js";
import type { Token } from "../../domain/token.js";
import { ackCodes, type OrderRisk } from "../../domain/trade-risk.js";
import { UserError } from "../../errors.js";
import type { AutomationDraft } from "../../ports/automations.port.js";
import { DRAFT_TTL_MS, type AutomationDeps } from "./types.js";

const ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
/** "a" and 8 lowercase letters or digits (AUTOMATION_ID). */
export const newAutomationId = () => "a" + Array.from({ length: 8 }, () => ID_ALPHABET[randomInt(ID_ALPHABET.length)]).join("");

const quoteWord = (req: AutomationRequest) => ("pay" in req ? req.pay : req.receive) ?? DEFAULT_QUOTE;

/**
 * Proposals: a parsed request is resolved (tokens, the price now, levels fixed) and judged by every
 * policy a trade meets at preview (allow and deny lists, verified tokens, the per-trade maximum per
 * firing, a level already crossed, TOKEN_SAFETY on the token it would receive), then stored as a
 * draft (state "proposed") that only the user's Confirm arms. Nothing is watched before that.
 */
export class AutomationDrafts {
  constructor(private readonly d: AutomationDeps) {}

  async propose(userId: string, req: AutomationRequest, notify: Automation["notify"]): Promise<AutomationDraft> {
    const { store, trading, settings } = this.d;
    const active = await store.byUser(userId, ACTIVE_AUTOMATION_STATES);
    if (active.length >= settings.maxPerUser) {
      throw new UserError("automation_limit", `You have ${active.length} active automations, the most allowed is ${settings.maxPerUser}. Cancel some with /auto cancel <id>.`);
    }
    const token = await this.d.tokens.resolve(req.token);
    const quote = await this.d.tokens.resolve(quoteWord(req));
    trading.checkToken(token);
    trading.checkToken(quote);
    // The token it would receive (a buy's token, a sell's proceeds), checked while the price is read.
    const judging = trading.judgeReceived(isSell(req.kind) ? quote : token);
    const price = await this.d.prices.getPrice(token);
    const rule = resolveAutomation(req, { token, quote, priceUsd: price.usd, now: this.d.marketNow() });
    const risk = this.riskOf(await judging);
    const usdPerFiring = await this.usdPerFiring(userId, rule, token, quote, price.usd);
    const { maxTradeUsd, maxSlippageBps, maxPriceImpactPct } = trading.limits;
    if (usdPerFiring !== null && usdPerFiring > maxTradeUsd) {
      throw new UserError(
        "automation_too_large",
        `Each firing would trade about ${formatUsd(usdPerFiring)}; the limit is ${formatUsd(maxTradeUsd)} per trade. Use a smaller amount or share.`,
        { usd: usdPerFiring, max: maxTradeUsd },
      );
    }
    const now = this.d.clock.now();
    const a: Automation = {
      id: newAutomationId(),
      userId,
      rule,
      state: "proposed",
      firings: 0,
      high: rule.kind === "trailing" ? rule.refUsd : null,
      createdAt: now,
      updatedAt: now,
      notify,
      ...(risk?.ackRequired ? { acknowledgedRisk: ackCodes(risk) } : {}),
    };
    await store.create(a, rule.kind === "dca" ? rule.startAt : null);
    return {
      automation: a,
      priceUsd: price.usd,
      worst: { maxSlippageBps, maxPriceImpactPct, maxTradeUsd, expiresAt: rule.kind === "dca" ? rule.until : null },
      confirmBy: now + (this.d.settings.draftTtlMs ?? DRAFT_TTL_MS),
      usdPerFiring,
      mode: trading.mode,
      risk,
    };
  }

  /**
   * TOKEN_SAFETY as a trade preview applies it: refused under block (token_unsafe listing the flags);
   * otherwise the risk the draft shows (a red flag, or a check that could not run, needs the acknowledgement).
   */
  private riskOf(j: Awaited<ReturnType<AutomationDeps["trading"]["judgeReceived"]>>): OrderRisk | null {
    if (!j) return null;
    if (j.kind === "refuse") throw new UserError("token_unsafe", j.message, { mint: j.risk.mint, flags: j.risk.flags.map((f) => f.code), unchecked: j.risk.unchecked });
    return j.risk;
  }

  /** About how much one firing trades, in USD: a buy's spend; a sell's amount, or its share of what is held now. */
  private async usdPerFiring(userId: string, rule: AutomationRule, token: Token, quote: Token, priceUsd: number): Promise<number | null> {
    if (rule.kind === "limit-buy" || rule.kind === "dca") {
      const payPrice = await this.d.prices.getPrice(quote).then((q) => q.usd, () => undefined);
      return payPrice === undefined ? null : unitsToUsd(rule.spend, quote.decimals, payPrice);
    }
    if (rule.amount.kind === "units") return unitsToUsd(rule.amount.units, token.decimals, priceUsd);
    try {
      const { book, wallet } = await this.d.trading.book(userId);
      const held = await this.d.trading.held(book, wallet, userId, token.mint);
      const units = rule.amount.kind === "all" ? held : shareOf(held, rule.amount.bps);
      return unitsToUsd(units, token.decimals, priceUsd);
    } catch {
      return null;
    }
  }
}
