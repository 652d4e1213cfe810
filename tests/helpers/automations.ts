import type { Automation, AutomationRequest, AutomationRule } from "../../core/domain/automation.js";
import { ACTIVE_AUTOMATION_STATES, DEFAULT_QUOTE } from "../../core/domain/automation.js";
import { resolveAutomation } from "../../core/domain/automation-resolve.js";
import { BUILTIN_TOKENS } from "../../core/domain/builtin-tokens.js";
import { unitsToUsd } from "../../core/domain/money.js";
import type { TokenRef } from "../../core/domain/order.js";
import { UserError } from "../../core/errors.js";
import type { AutomationDraft, AutomationsPort, ConfirmAutomation } from "../../core/ports/automations.port.js";
import type { Clock } from "../../core/ports/clock.port.js";

export interface FakeAutomationsOptions {
  /** USD prices by symbol (the tokens known to the fake are the built-in ones). */
  prices?: Record<string, number>;
  maxPerUser?: number;
  maxTradeUsd?: number;
  /** How long a draft's Confirm works. */
  draftTtlMs?: number;
  mode?: "paper" | "live";
}

const ref = (symbol: string): TokenRef => {
  const t = BUILTIN_TOKENS.find((b) => b.symbol.toUpperCase() === symbol.toUpperCase());
  if (!t) throw new UserError("unknown_token", `I don't know the token ${symbol}.`);
  return { mint: t.mint, symbol: t.symbol, decimals: t.decimals };
};

/**
 * The automations as the commands see them, in memory: drafts resolved with the real domain rules
 * (resolveAutomation), Confirm arms a draft once, the per-user limit and the draft expiry apply, and
 * every call is recorded. No engine: nothing ever fires here.
 */
export class FakeAutomations implements AutomationsPort {
  readonly all = new Map<string, Automation>();
  readonly calls: Array<{ op: string; userId: string; id?: string }> = [];
  private readonly expires = new Map<string, number>();
  /** Drafts cancelled on their preview (never armed: not listed). */
  private readonly discarded = new Set<string>();
  private seq = 0;
  private halted = false;
  private readonly o: Required<FakeAutomationsOptions>;

  constructor(
    private readonly clock: Clock,
    opts: FakeAutomationsOptions = {},
  ) {
    this.o = { prices: { SOL: 227.5, USDC: 1, USDT: 1, JUP: 0.8, BONK: 0.00002 }, maxPerUser: 20, maxTradeUsd: 1000, draftTtlMs: 10 * 60_000, mode: "paper", ...opts };
  }

  /** Automations of a user in a state (for assertions). */
  of(userId: string, state?: Automation["state"]): Automation[] {
    return [...this.all.values()].filter((a) => a.userId === userId && (state === undefined || a.state === state));
  }

  private mine(userId: string, id: string): Automation {
    const a = this.all.get(id);
    if (!a || a.userId !== userId) throw new UserError("automation_unknown", `You have no automation ${id}. See yours with /auto.`);
    return a;
  }

  private set(a: Automation, state: Automation["state"]): Automation {
    const next = { ...a, state, updatedAt: this.clock.now() };
    this.all.set(a.id, next);
    return next;
  }

  async propose(userId: string, req: AutomationRequest, notify: Automation["notify"]): Promise<AutomationDraft> {
    this.calls.push({ op: "propose", userId });
    const token = ref(req.token);
    const quoteWord = "pay" in req ? req.pay : req.receive;
    const quote = ref(quoteWord ?? DEFAULT_QUOTE);
    const priceUsd = this.o.prices[token.symbol] ?? 1;
    const now = this.clock.now();
    const rule: AutomationRule = resolveAutomation(req, { token, quote, priceUsd, now });
    let usd: number | null = null;
    if (rule.kind === "limit-buy" || rule.kind === "dca") usd = unitsToUsd(rule.spend, rule.pay.decimals, this.o.prices[rule.pay.symbol] ?? 1);
    if (usd !== null && usd > this.o.maxTradeUsd) {
      throw new UserError("automation_too_large", `Each firing would trade about $${usd.toFixed(2)}; the limit is $${this.o.maxTradeUsd} per trade. Use a smaller amount, or split it into several automations.`);
    }
    const id = `a${(++this.seq).toString(36).padStart(8, "0")}`;
    const a: Automation = { id, userId, rule, state: "proposed", firings: 0, high: rule.kind === "trailing" ? priceUsd : null, createdAt: now, updatedAt: now, notify };
    this.all.set(id, a);
    const expiresAt = now + this.o.draftTtlMs;
    this.expires.set(id, expiresAt);
    return {
      automation: a,
      priceUsd,
      worst: { maxSlippageBps: 100, maxPriceImpactPct: 2, maxTradeUsd: this.o.maxTradeUsd, expiresAt: req.kind === "dca" && req.until?.kind === "at" ? req.until.at : null },
      confirmBy: expiresAt,
      usdPerFiring: usd,
      mode: this.o.mode,
      risk: null,
    };
  }

  async confirm(userId: string, id: string): Promise<ConfirmAutomation> {
    this.calls.push({ op: "confirm", userId, id });
    const a = this.mine(userId, id);
    if (this.discarded.has(id)) return { kind: "cancelled", automation: a };
    if (a.state !== "proposed") return { kind: "already", automation: a };
    if (this.clock.now() >= (this.expires.get(id) ?? Infinity)) throw new UserError("automation_expired", `That preview expired. Nothing was armed: send the command again for a fresh preview.`);
    const active = this.of(userId).filter((x) => ACTIVE_AUTOMATION_STATES.includes(x.state)).length;
    if (active >= this.o.maxPerUser) throw new UserError("automation_limit", `You have ${active} automations, the most allowed. See yours with /auto and remove one with /auto cancel <id>.`);
    return { kind: "armed", automation: this.set(a, "armed") };
  }

  async discard(userId: string, id: string): Promise<Automation> {
    this.calls.push({ op: "discard", userId, id });
    const a = this.mine(userId, id);
    if (a.state !== "proposed") return a;
    this.discarded.add(id);
    return this.set(a, "cancelled");
  }

  async list(userId: string): Promise<Automation[]> {
    this.calls.push({ op: "list", userId });
    return this.of(userId)
      .filter((a) => a.state !== "proposed" && !this.discarded.has(a.id))
      .sort((x, y) => y.createdAt - x.createdAt);
  }

  async cancel(userId: string, id: string): Promise<boolean> {
    this.calls.push({ op: "cancel", userId, id });
    const a = this.mine(userId, id);
    if (!ACTIVE_AUTOMATION_STATES.includes(a.state)) return false;
    this.set(a, "cancelled");
    return true;
  }

  async cancelAll(userId: string): Promise<number> {
    this.calls.push({ op: "cancelAll", userId });
    return this.move(userId, ["armed", "paused"], "cancelled");
  }

  async pause(userId: string): Promise<number> {
    this.calls.push({ op: "pause", userId });
    return this.move(userId, ["armed"], "paused");
  }

  async resume(userId: string): Promise<number> {
    this.calls.push({ op: "resume", userId });
    return this.move(userId, ["paused"], "armed");
  }

  private move(userId: string, from: Automation["state"][], to: Automation["state"]): number {
    const moved = this.of(userId).filter((a) => from.includes(a.state));
    for (const a of moved) this.set(a, to);
    return moved.length;
  }

  async pauseAll(by: string): Promise<void> {
    this.calls.push({ op: "pauseAll", userId: by });
    this.halted = true;
  }

  async resumeAll(by: string): Promise<void> {
    this.calls.push({ op: "resumeAll", userId: by });
    this.halted = false;
  }

  async globallyPaused(): Promise<boolean> {
    return this.halted;
  }
}
