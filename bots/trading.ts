import { isSolanaAddress } from "../core/domain/base58.js";
import type { WithdrawChain } from "../core/ports/withdraw-tx.port.js";
import type { AuditLog } from "../core/ports/audit.port.js";
import type { Clock } from "../core/ports/clock.port.js";
import type { Logger } from "../core/ports/logger.port.js";
import type { Chain, KeyVault, SwapProvider } from "../core/ports/trading.port.js";
import type { MarketService } from "../core/services/market.service.js";
import type { Notifications } from "../core/services/notifications.service.js";
import { PortfolioService } from "../core/services/portfolio.service.js";
import { MarketAwareSwap, SimulatedSwap } from "../core/services/simulated-swap.service.js";
import type { TokenRegistry } from "../core/services/token-registry.service.js";
import type { TokenSafetyCheck } from "../core/services/trade-safety.js";
import { TradingService, type TradingDeps } from "../core/services/trading.service.js";
import { WalletService } from "../core/services/wallet.service.js";
import type { Repositories } from "../db/index.js";
import type { Config } from "./config.js";
import { lazyAdapter } from "./lazy.js";
import type { AesKeyVault } from "../adapters/solana/key-vault.js";

/** Test seams: fakes for the outside world; `chain: null` means no Solana connection at all. */
export interface TradingOverrides {
  swap?: SwapProvider;
  chain?: Chain | null;
  vault?: KeyVault;
  /** The builder and inspector of live withdrawals (issue 19); null: none. Default: SOLANA_RPC_URL when there is a chain. */
  withdrawTx?: WithdrawChain | null;
  confirmWaitMs?: number;
  pollMs?: number;
}

export const explorerTx = (config: Config) => (sig: string) => config.EXPLORER_TX_URL.replace("{sig}", encodeURIComponent(sig));

export function buildTrading(
  config: Config,
  d: {
    repos: Repositories;
    market: MarketService;
    tokens: TokenRegistry;
    audit: AuditLog;
    clock: Clock;
    log: Logger;
    /** Fill and failure pushes of trades that finish in the background. */
    notifications: Pick<Notifications, "push"> & Partial<Pick<Notifications, "told">>;
    /** TOKEN_SAFETY: the received token's safety judged at every preview; absent: not checked. */
    safety?: TokenSafetyCheck;
    /** Users' settings: their default slippage and priority-fee level. */
    settings?: TradingDeps["settings"];
  },
  over: TradingOverrides = {},
) {
  const log = d.log.child({ component: "trading" });
  // The Solana and Jupiter adapters (and their SDKs) are imported on first use: a paper chat on
  // replayed prices may never call them.
  const jupiter =
    over.swap ??
    lazyAdapter<SwapProvider>(
      async () =>
        new (await import("../adapters/jupiter/jupiter-swap.js")).JupiterSwapProvider({
          root: config.JUPITER_API_ROOT,
          maxPriorityFeeLamports: config.PRIORITY_FEE_MAX_LAMPORTS,
          ...(config.JUPITER_API_KEY ? { apiKey: config.JUPITER_API_KEY } : {}),
          timeoutMs: 10_000,
        }),
      { quote: true, buildSwap: true },
    );
  // Paper trading keeps working on replayed prices (offline): quotes are simulated and labelled so.
  const swap =
    config.TRADING_MODE === "paper"
      ? new MarketAwareSwap(jupiter, new SimulatedSwap({ market: d.market, token: (m) => d.tokens.resolve(m), feeBps: 30 }), d.market)
      : jupiter;
  const chain =
    over.chain === null
      ? undefined
      : (over.chain ??
        lazyAdapter<Chain>(
          async () =>
            new (await import("../adapters/solana/solana-chain.js")).SolanaChain({
              rpcUrl: config.SOLANA_RPC_URL,
              ...(config.SOLANA_WS_URL ? { wsUrl: config.SOLANA_WS_URL } : {}),
              log,
            }),
          { balances: true, inspect: true, send: true, status: true, blockHeight: true, executed: true },
        ));
  // Withdrawals are built by Purser on the same RPC as everything else live (only when there is a chain).
  const withdrawTx =
    over.withdrawTx === null || !chain
      ? undefined
      : (over.withdrawTx ??
        lazyAdapter<WithdrawChain>(
          async () =>
            new (await import("../adapters/solana/withdraw-tx.js")).SolanaWithdrawals({
              rpcUrl: config.SOLANA_RPC_URL,
              maxPriorityFeeLamports: config.PRIORITY_FEE_MAX_LAMPORTS,
              log,
            }),
          { plan: true, build: true, inspect: true },
        ));
  const vault = over.vault ?? (config.MASTER_KEY ? lazyVault(config.MASTER_KEY) : undefined);
  const mints = (list: readonly string[]) => new Set(list.map((x) => d.tokens.builtin(x)?.mint ?? x));
  const explorer = explorerTx(config);
  const trading = new TradingService({
    orders: d.repos.orders,
    books: d.repos.books,
    wallets: d.repos.wallets,
    swap,
    ...(chain ? { chain } : {}),
    ...(vault ? { vault } : {}),
    ...(withdrawTx ? { withdrawTx } : {}),
    market: d.market,
    audit: d.audit,
    clock: d.clock,
    log,
    config: {
      mode: config.TRADING_MODE,
      paperStartUsdc: config.PAPER_START_USDC,
      maxTradeUsd: config.MAX_TRADE_USD,
      dailyCapUsd: config.DAILY_TRADE_CAP_USD,
      defaultSlippageBps: config.DEFAULT_SLIPPAGE_BPS,
      maxSlippageBps: config.MAX_SLIPPAGE_BPS,
      maxPriceImpactPct: config.MAX_PRICE_IMPACT_PCT,
      quoteTtlMs: config.QUOTE_TTL_S * 1000,
      takeoverMs: config.TRADE_TAKEOVER_S * 1000,
      allow: config.TOKEN_ALLOWLIST.length ? mints(config.TOKEN_ALLOWLIST) : null,
      deny: mints(config.TOKEN_DENYLIST),
      confirmWaitMs: over.confirmWaitMs ?? 20_000,
      pollMs: over.pollMs ?? 1000,
      resendEveryMs: 2000,
    },
    onEvent: (e) => d.notifications.push({ userId: e.order.userId, chat: e.order.notify }, e),
    onTold: (e) => d.notifications.told?.(e.order.userId, e),
    ...(d.safety ? { safety: d.safety } : {}),
    ...(d.settings ? { settings: d.settings } : {}),
  });
  const portfolio = new PortfolioService({
    trading,
    books: d.repos.books,
    wallets: d.repos.wallets,
    ...(chain ? { chain } : {}),
    market: d.market,
    tokens: d.tokens,
    clock: d.clock,
    log,
  });
  const wallets = new WalletService({
    store: d.repos.wallets,
    ...(vault ? { vault } : {}),
    isAddress: isSolanaAddress,
    audit: d.audit,
    clock: d.clock,
    mode: config.TRADING_MODE,
  });
  return { trading, portfolio, wallets, chain, explorer, vault, withdrawTx };
}

/**
 * The key vault (web3.js signs with it) imported on first use; addresses are told apart without it.
 * `importSecret` (beyond the port) is how a treasury keypair file becomes a custodial wallet.
 */
function lazyVault(masterKey: string): KeyVault & Pick<AesKeyVault, "importSecret"> {
  const load = async () => new (await import("../adapters/solana/key-vault.js")).AesKeyVault({ masterKey });
  const vault = lazyAdapter<Pick<AesKeyVault, "create" | "sign" | "reveal" | "importSecret">>(load, { create: true, sign: true, reveal: true, importSecret: true });
  return { ...vault, isAddress: isSolanaAddress };
}
