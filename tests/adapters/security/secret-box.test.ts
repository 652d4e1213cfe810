import { describe, expect, it } from "vitest";
import { AesSecretBox } from "../../../adapters/security/secret-box.js";
import { OtpauthTotp } from "../../../adapters/security/totp.js";

const box = new AesSecretBox(["s".repeat(32) + "-secret-box-test"]);

describe("the secret box", () => {
  it("seals with a fresh nonce each time, opens only for its owner, and refuses any altered byte", async () => {
    const a = await box.seal("JBSWY3DPEHPK3PXP", "u1");
    const b = await box.seal("JBSWY3DPEHPK3PXP", "u1");
    expect(a).not.toBe(b);
    expect(a).not.toContain("JBSWY3DPEHPK3PXP");
    expect(await box.open(a, "u1")).toBe("JBSWY3DPEHPK3PXP");
    await expect(box.open(a, "u2")).rejects.toThrow(/failed to open/);
    const [v, kid, body] = a.split(":") as [string, string, string];
    const raw = Buffer.from(body, "base64");
    raw[14] = raw[14]! ^ 1;
    await expect(box.open(`${v}:${kid}:${raw.toString("base64")}`, "u1")).rejects.toThrow(/failed to open/);
    await expect(new AesSecretBox(["t".repeat(32)]).open(a, "u1")).rejects.toThrow(/key this process does not have/);
  });

  it("a peppered MAC: the same data checks, anything else (or another server's pepper) does not", async () => {
    const m = await box.mac("salt:abcdefghjk");
    expect(await box.macEquals("salt:abcdefghjk", m)).toBe(true);
    expect(await box.macEquals("salt:abcdefghjm", m)).toBe(false);
    expect(await new AesSecretBox(["t".repeat(32)]).macEquals("salt:abcdefghjk", m)).toBe(false);
    expect(await box.macEquals("salt:abcdefghjk", "garbage")).toBe(false);
  });

  it("TOTP: the RFC 6238 test vector, a one-step window, and nothing but six digits", () => {
    const totp = new OtpauthTotp();
    const secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"; // "12345678901234567890", RFC 6238 appendix B (SHA-1)
    const at = 59_000;
    expect(totp.match(secret, "287082", at, 1)).toBe(1); // the 8-digit vector 94287082, as 6 digits
    expect(totp.match(secret, "287082", at + 30_000, 1)).toBe(1); // one step later: still inside the window
    expect(totp.match(secret, "287082", at + 60_000, 1)).toBeUndefined(); // two steps: stale
    expect(totp.match(secret, "28708", at, 1)).toBeUndefined();
    expect(totp.match(secret, "2870820", at, 1)).toBeUndefined();
    expect(totp.newSecret()).toMatch(/^[A-Z2-7]{32}$/);
  });
});
