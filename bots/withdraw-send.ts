import { WithdrawalService } from "../core/services/withdrawals/withdrawal.service.js";
import type { Services } from "./services.js";
import type { Trade, WithdrawalParts, Wiring } from "./wiring.js";

export type { WithdrawalParts } from "./wiring.js";

/**
 * The withdrawal service (issue 19) over the order machinery: WITHDRAWALS, WITHDRAW_DAILY_CAP_USD, the
 * trading mode (paper: simulated), and the live transfer builder buildTrading made (the same one the
 * executor signs with). Added to the services as `withdrawals` (and `twoFactor`, the one it checks codes with).
 */
export function addWithdrawals(w: Wiring, services: Services, trade: Trade, parts: WithdrawalParts): WithdrawalService {
  const { config, clock, log } = w;
  const withdrawals = new WithdrawalService({
    config: { enabled: config.WITHDRAWALS === "on", mode: config.TRADING_MODE, dailyCapUsd: config.WITHDRAW_DAILY_CAP_USD },
    book: parts.book,
    twoFactor: parts.twoFactor,
    trading: trade.trading,
    orders: w.stores.repos.orders,
    tokens: services.tokens,
    market: services.market,
    ...(trade.withdrawTx ? { withdrawTx: trade.withdrawTx } : {}),
    settings: services.settings,
    audit: services.audit,
    clock,
    log: log.child({ component: "withdrawals" }),
  });
  services.withdrawals = withdrawals;
  services.twoFactor ??= parts.twoFactor;
  return withdrawals;
}
