import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AesSecretBox } from "../../adapters/security/secret-box.js";
import { TWOFA_KEY_FILE, twoFactorSecrets } from "../../bots/two-factor.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempDb = () => {
  const d = mkdtempSync(join(tmpdir(), "purser-2fa-"));
  dirs.push(d);
  return { dir: d, where: `sqlite:${join(d, "purser.db")}` };
};
const MASTER_KEY = "q".repeat(40);

describe("which key 2FA seals with", () => {
  it("the embedded default (paper, SQLite, no MASTER_KEY) makes a private key file beside the database once, then reads it", () => {
    const { dir, where } = tempDb();
    const first = twoFactorSecrets({ TRADING_MODE: "paper", MASTER_KEY: undefined }, where);
    const file = join(dir, TWOFA_KEY_FILE);
    expect(first).toEqual([readFileSync(file, "utf8").trim()]);
    expect(first![0]).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(twoFactorSecrets({ TRADING_MODE: "paper", MASTER_KEY: undefined }, where)).toEqual(first);
  });

  it("with MASTER_KEY set, it seals with MASTER_KEY and still opens what an older key file sealed", async () => {
    const { where } = tempDb();
    const [fileKey] = twoFactorSecrets({ TRADING_MODE: "paper", MASTER_KEY: undefined }, where)!;
    const sealed = await new AesSecretBox([fileKey!]).seal("JBSWY3DPEHPK3PXP", "u1");
    const secrets = twoFactorSecrets({ TRADING_MODE: "paper", MASTER_KEY }, where)!;
    expect(secrets).toEqual([MASTER_KEY, fileKey]);
    const box = new AesSecretBox(secrets);
    expect(await box.open(sealed, "u1")).toBe("JBSWY3DPEHPK3PXP");
    const fresh = await box.seal("JBSWY3DPEHPK3PXP", "u1");
    await expect(new AesSecretBox([fileKey!]).open(fresh, "u1")).rejects.toThrow(/key this process does not have/);
  });

  it("live mode or a shared database without MASTER_KEY has no key: 2FA stays off", () => {
    const { where } = tempDb();
    expect(twoFactorSecrets({ TRADING_MODE: "live", MASTER_KEY: undefined }, where)).toBeUndefined();
    expect(twoFactorSecrets({ TRADING_MODE: "paper", MASTER_KEY: undefined }, "postgres://127.0.0.1:5432/purser")).toBeUndefined();
    expect(twoFactorSecrets({ TRADING_MODE: "live", MASTER_KEY }, "postgres://127.0.0.1:5432/purser")).toEqual([MASTER_KEY]);
    expect(twoFactorSecrets({ TRADING_MODE: "paper", MASTER_KEY: undefined }, "sqlite::memory:")).toHaveLength(1);
  });
});
