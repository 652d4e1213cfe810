import { readFileSync } from "node:fs";
import { CronExpressionParser } from "cron-parser";
import type { KeyVault } from "../core/ports/trading.port.js";
import type { TreasuryConfig } from "../core/services/treasury-config.js";
import type { TreasurySettings } from "../core/services/treasury/index.js";
import type { Repositories } from "../db/index.js";
import { parseTreasuryConfigText } from "./treasury-config.js";
import { TREASURY_USER } from "./treasury-user.js";

/** The validated TREASURY_CONFIG (one schema: core/services/treasury-config.ts) as the loop's settings. */
export function toSettings(c: TreasuryConfig, wallet: TreasurySettings["wallet"]): TreasurySettings {
  if (c.hub !== "USDC") throw new Error(`TREASURY_CONFIG: hub must be USDC (got ${c.hub})`);
  const nextRun =
    "every" in c.schedule
      ? ((ms: number) => (from: number) => from + ms)(c.schedule.every)
      : ((expr: string) => (from: number) => CronExpressionParser.parse(expr, { currentDate: new Date(from) }).next().getTime())(c.schedule.cron);
  return {
    mode: c.mode,
    wallet,
    targets: c.targets,
    ...(c.band.abs_pct !== undefined ? { bandAbsPct: c.band.abs_pct } : {}),
    ...(c.band.rel_pct !== undefined ? { bandRelPct: c.band.rel_pct } : {}),
    directRoutes: c.direct_routes,
    minTradeUsd: c.min_trade_usd,
    maxTradeUsd: c.max_trade_usd,
    maxDailyTurnoverUsd: c.max_daily_turnover_usd,
    maxSlippageBps: c.max_slippage_bps,
    maxPriceImpactPct: c.max_price_impact_pct,
    cooldownMs: c.cooldown,
    nextRun,
    approvalTtlMs: c.approval_ttl,
    maxDailyLossPct: c.max_daily_loss_pct,
    maxConsecutiveFailures: c.max_consecutive_failures,
    maxSourceDeviationPct: c.max_source_deviation_pct,
    feeBps: c.fee_bps,
  };
}

/** Reads TREASURY_CONFIG; a live wallet is registered as the treasury user's custodial wallet. */
export async function loadTreasurySettings(path: string, d: { repos: Repositories; vault?: KeyVault; now: number }): Promise<TreasurySettings> {
  const c = parseTreasuryConfigText(readFileSync(path, "utf8"), path);
  if (c.wallet.kind === "paper") return toSettings(c, { kind: "paper", startUsd: c.paper_start_usd });
  const vault = d.vault as (KeyVault & { importSecret?(s: string | Uint8Array): Promise<{ address: string; encryptedSecret: string }> }) | undefined;
  if (!vault) throw new Error(`${path}: a live treasury wallet needs MASTER_KEY`);
  let secret: string;
  if (c.wallet.kind === "encrypted") secret = c.wallet.secret;
  else {
    if (!vault.importSecret) throw new Error(`${path}: keypair files need a key vault that can import`);
    const bytes = Uint8Array.from(JSON.parse(readFileSync(c.wallet.path, "utf8")) as number[]);
    secret = (await vault.importSecret(bytes)).encryptedSecret;
  }
  const address = secret.split(":")[1] ?? "";
  const wallet = { id: `treasury-${address}`, userId: TREASURY_USER, address, kind: "custodial" as const, encryptedSecret: secret, createdAt: d.now };
  await d.repos.wallets.add(wallet);
  return toSettings(c, { kind: "live", wallet });
}
