import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { AesSecretBox } from "../adapters/security/secret-box.js";
import { OtpauthTotp } from "../adapters/security/totp.js";
import type { AuditLog } from "../core/ports/audit.port.js";
import type { Clock } from "../core/ports/clock.port.js";
import type { KvStore } from "../core/ports/kv.port.js";
import type { Logger } from "../core/ports/logger.port.js";
import type { TwoFactorStore } from "../core/ports/two-factor-store.port.js";
import { TwoFactorService } from "../core/services/two-factor.service.js";
import type { Config } from "./config.js";

/** The key file of the embedded default (paper mode, SQLite, no MASTER_KEY): beside the database file. */
export const TWOFA_KEY_FILE = "purser-2fa.key";

/**
 * The master secrets 2FA seals with, newest first; undefined: 2FA is off on this deployment.
 * - MASTER_KEY set: a key derived from it (the wallet keys' secret, under 2FA's own salt). A key file
 *   left from the embedded default is still read, so secrets it sealed keep working.
 * - Paper mode on SQLite without MASTER_KEY (the embedded default): a random key in a file beside the
 *   database, made on first start (mode 0600); an in-memory database gets an in-memory key.
 * - Otherwise (live mode, or Postgres shared by several processes): none; 2FA needs MASTER_KEY.
 */
export function twoFactorSecrets(config: Pick<Config, "MASTER_KEY" | "TRADING_MODE">, dbWhere: string): string[] | undefined {
  const m = /^sqlite:(.*)$/.exec(dbWhere);
  const memory = m !== null && (m[1] === ":memory:" || m[1] === "");
  const file = m && !memory ? join(dirname(resolve(m[1]!)), TWOFA_KEY_FILE) : undefined;
  const fromFile = file && existsSync(file) ? readFileSync(file, "utf8").trim() : undefined;
  if (config.MASTER_KEY) return [config.MASTER_KEY, ...(fromFile && fromFile.length >= 32 ? [fromFile] : [])];
  if (config.TRADING_MODE !== "paper" || !m) return undefined;
  if (memory) return [randomBytes(32).toString("hex")];
  if (fromFile && fromFile.length >= 32) return [fromFile];
  const key = randomBytes(32).toString("hex");
  writeFileSync(file!, `${key}\n`, { mode: 0o600, flag: "wx" });
  return [key];
}

export function buildTwoFactor(
  config: Pick<Config, "MASTER_KEY" | "TRADING_MODE">,
  d: { dbWhere: string; store: TwoFactorStore; kv: KvStore; audit: AuditLog; clock: Clock; log: Logger },
): TwoFactorService | undefined {
  const log = d.log.child({ component: "2fa" });
  const secrets = twoFactorSecrets(config, d.dbWhere);
  if (!secrets) {
    log.warn("2FA is off: set MASTER_KEY to offer /2fa (it seals TOTP secrets); /wallet export works without a code meanwhile");
    return undefined;
  }
  return new TwoFactorService({ store: d.store, kv: d.kv, box: new AesSecretBox(secrets), totp: new OtpauthTotp(), audit: d.audit, clock: d.clock, log });
}
