import { isExecuted, type Order } from "../../domain/order.js";
import type { RebalancePlan } from "../../domain/rebalance.js";
import { unitsToUsd } from "../../domain/money.js";
import type { Logger } from "../../ports/logger.port.js";
import type { TokenRegistry } from "../token-registry.service.js";
import type { TradingService } from "../trading.service.js";
import type { FeeSummary, Halt, SwapOutcome, TreasurySettings } from "./types.js";

export interface ExecutorDeps {
  settings: TreasurySettings;
  trading: TradingService;
  tokens: TokenRegistry;
  log: Logger;
  userId: string;
  /** The book the orders trade in (see TreasuryHoldings.book). */
  book: () => string;
}

/** What running a plan's swaps did. */
export interface Execution {
  outcomes: SwapOutcome[];
  /** Orders placed, in order. */
  orders: Order[];
  /** USD of the swaps that filled or are pending. */
  turnoverUsd: number;
  /** A swap failed (the rest were not run: the next cycle re-plans from the real balances). */
  failed: boolean;
  /** Stopped before a swap: the lease was lost or the kill switch pulled. */
  halted?: Halt;
}

/**
 * Runs a plan's swaps in order through the trading service's once-only execution, within the
 * treasury's own limits. Before every swap it asks `proceed` (still holding the lease? paused?) and
 * stops when told; it stops at the first failure too, replaying nothing.
 */
export class TreasuryExecutor {
  constructor(private readonly d: ExecutorDeps) {}

  async run(plan: RebalancePlan, proceed: () => Promise<Halt | undefined>): Promise<Execution> {
    const s = this.d.settings;
    const account = {
      userId: this.d.userId,
      book: this.d.book(),
      wallet: s.wallet.kind === "live" ? s.wallet.wallet : null,
      mode: s.wallet.kind === "paper" ? ("paper" as const) : ("live" as const),
    };
    const limits = {
      maxTradeUsd: s.maxTradeUsd * 1.05,
      dailyCapUsd: Number.MAX_SAFE_INTEGER,
      maxSlippageBps: s.maxSlippageBps,
      defaultSlippageBps: Math.min(50, s.maxSlippageBps),
      maxPriceImpactPct: s.maxPriceImpactPct,
      allow: null,
    };
    const ex: Execution = { outcomes: [], orders: [], turnoverUsd: 0, failed: false };
    for (const sw of plan.swaps) {
      const label = `${sw.from} -> ${sw.to}`;
      const halted = await proceed();
      if (halted) {
        ex.halted = halted;
        ex.outcomes.push({ swap: label, error: `not run: ${haltText(halted)}`, halted: true });
        break;
      }
      try {
        const input = this.d.tokens.builtin(sw.from);
        const output = this.d.tokens.builtin(sw.to);
        if (!input || !output) throw new Error(`unknown token in the plan: ${input ? sw.to : sw.from}`);
        const order = await this.d.trading.previewIn(account, { side: "swap", input, output, amount: { kind: "units", units: sw.amountIn } }, { platform: "console", chatId: "treasury" }, limits);
        const r = await this.d.trading.confirm(this.d.userId, order.id, { dailyCapUsd: limits.dailyCapUsd });
        ex.outcomes.push({ order: r.order });
        ex.orders.push(r.order);
        if (r.kind === "filled" || r.kind === "pending") ex.turnoverUsd += sw.usd;
        else {
          ex.failed = true;
          break; // re-plan on the next cycle from the real balances instead of replaying the rest
        }
      } catch (err) {
        ex.failed = true;
        this.d.log.warn({ err, swap: `${sw.from}>${sw.to}` }, "treasury swap failed");
        ex.outcomes.push({ swap: label, error: err instanceof Error ? err.message : String(err) });
        break;
      }
    }
    return ex;
  }
}

/** Why a run stopped before its next swap, in words (reports, history, audit). */
export function haltText(h: Halt): string {
  return h === "lease_lost" ? "lost the treasury lease (another instance may be rebalancing)" : "the treasury was paused";
}

/** Orders that went (or are going) out: filled, or in flight. */

/**
 * Fees of the executed orders: actual where an order carries them (its network fee, feeLamports),
 * modelled (fee_bps of the notional) for orders that carry none, e.g. every paper order.
 */
export function feeSummary(orders: Order[], prices: Record<string, number> | undefined, bps: number): FeeSummary {
  const withFee = orders.filter((o) => o.feeLamports !== null);
  const executed = orders.filter((o) => o.feeLamports === null && isExecuted(o.status));
  const modelledUsd = executed.reduce((a, o) => a + (o.usdValue * bps) / 10_000, 0);
  const lamports = withFee.reduce((a, o) => a + (o.feeLamports ?? 0n), 0n);
  const solUsd = prices?.SOL;
  const actualUsd = solUsd !== undefined ? unitsToUsd(lamports, 9, solUsd) : undefined;
  const usd = !withFee.length && !executed.length ? 0 : modelledUsd + (actualUsd ?? 0);
  return {
    usd,
    bps,
    actual: { orders: withFee.length, lamports, ...(actualUsd !== undefined ? { usd: actualUsd } : {}) },
    modelled: { orders: executed.length, usd: modelledUsd },
  };
}
