import { describe, expect, it } from "vitest";
import { evaluateSafety, isClean, top10Share, transferFeeOn, type SafetyFacts } from "../../core/domain/token-safety-flags.js";
import type { MintFacts } from "../../core/domain/token-safety.js";
import { holders, issueMints, MINTS, mintFacts, oldAge, spreadHolders, SUPPLY } from "../helpers/token-safety.js";

const NOW = Date.UTC(2026, 0, 1);
const M = "TESTmint11111111111111111111111111111111111";

function facts(over: Partial<SafetyFacts> = {}): SafetyFacts {
  return { mint: M, mintFacts: mintFacts(M), holders: spreadHolders(), age: oldAge(NOW), ...over };
}
const withMint = (over: Partial<MintFacts>) => facts({ mintFacts: mintFacts(M, over) });
const codes = (f: SafetyFacts) => evaluateSafety(f, NOW).flags.map((x) => `${x.code}:${x.severity}`);

describe("token safety flags", () => {
  it("a plain SPL mint with both authorities revoked, spread holders and a year of history has no flags", () => {
    const r = evaluateSafety(facts(), NOW);
    expect(r.flags).toEqual([]);
    expect(r.missing).toEqual([]);
    expect(isClean(r)).toBe(true);
  });

  it("a mint authority is red and says more tokens can be minted", () => {
    const r = evaluateSafety(withMint({ mintAuthority: "Minter1111111111111111111111111111111111111" }), NOW);
    expect(r.flags).toEqual([
      { code: "mint_authority", severity: "red", title: "Mint authority present", meaning: "more tokens can be minted at any time, diluting you" },
    ]);
  });

  it("a freeze authority is red and says the issuer can freeze your tokens", () => {
    const [f] = evaluateSafety(withMint({ freezeAuthority: "Fr3ezer11111111111111111111111111111111111" }), NOW).flags;
    expect(f).toMatchObject({ code: "freeze_authority", severity: "red", meaning: "the issuer can freeze your tokens so you cannot sell" });
  });

  it("a permanent delegate is red: an address can take or burn your tokens", () => {
    const [f] = evaluateSafety(withMint({ program: "token-2022", extensions: { permanentDelegate: "De1egate" } }), NOW).flags;
    expect(f).toMatchObject({ code: "permanent_delegate", severity: "red", meaning: "an address can take or burn your tokens" });
  });

  it("a transfer fee is a warning with its rate, and red above 10%", () => {
    const fee = (bps: number) => evaluateSafety(withMint({ program: "token-2022", extensions: { transferFee: { bps, maxFee: (1n << 64n) - 1n } } }), NOW).flags[0];
    expect(fee(250)).toMatchObject({ code: "transfer_fee", severity: "warn", title: "Transfer fee 2.5%", meaning: "every transfer, including your sell, loses 2.5%" });
    expect(fee(1000)).toMatchObject({ severity: "warn" });
    expect(fee(1001)).toMatchObject({ severity: "red", meaning: "every transfer, including your sell, loses 10.01%" });
  });

  it("a capped transfer fee names its cap in tokens", () => {
    const [f] = evaluateSafety(withMint({ program: "token-2022", extensions: { transferFee: { bps: 100, maxFee: 5_000_000n } } }), NOW).flags;
    expect(f!.meaning).toBe("every transfer, including your sell, loses 1% (at most 5 tokens per transfer)");
  });

  it("a transfer hook warns that sells can be blocked", () => {
    expect(evaluateSafety(withMint({ extensions: { transferHook: "Hook111" } }), NOW).flags[0]).toMatchObject({
      code: "transfer_hook",
      severity: "warn",
      meaning: "a program runs on every transfer and can block sells",
    });
  });

  it("non-transferable and default-frozen are red; other extensions are info", () => {
    expect(codes(withMint({ extensions: { nonTransferable: true, defaultFrozen: true, other: ["metadataPointer", "interestBearing"] } }))).toEqual([
      "non_transferable:red",
      "default_frozen:red",
      "other_extensions:info",
    ]);
    const r = evaluateSafety(withMint({ extensions: { other: ["metadataPointer"] } }), NOW);
    expect(r.flags[0]!.meaning).toBe("also present: metadataPointer");
    expect(isClean(r)).toBe(true);
  });

  it("red flags come before warnings, warnings before info", () => {
    const f = withMint({ mintAuthority: "M", extensions: { transferHook: "H", other: ["x"], permanentDelegate: "D" } });
    expect(codes(f)).toEqual(["mint_authority:red", "permanent_delegate:red", "transfer_hook:warn", "other_extensions:info"]);
  });

  describe("top-10 holders", () => {
    it("three wallets holding 90% is red and says the number", () => {
      const r = evaluateSafety(facts({ holders: issueMints(NOW).get(MINTS.whales)!.holders }), NOW);
      expect(r.top10Pct).toBe(91);
      expect(r.flags[0]).toMatchObject({ code: "top_holders", severity: "red", title: "Top 10 holders own 91%" });
      expect(r.flags[0]!.meaning).toContain("hold 91% of the supply");
    });

    it("warns above 30%, red above 50%, nothing at 30% or below", () => {
      const at = (pct: number) => codes(facts({ holders: holders(SUPPLY, [{ pct }]) }));
      expect(at(30)).toEqual([]);
      expect(at(30.01)).toEqual(["top_holders:warn"]);
      expect(at(50)).toEqual(["top_holders:warn"]);
      expect(at(50.01)).toEqual(["top_holders:red"]);
    });

    it("pool and burn accounts are left out of the ten: they are nobody's to sell", () => {
      const h = holders(SUPPLY, [{ pct: 60, excluded: "pool" }, { pct: 20, excluded: "burn" }, { pct: 10 }]);
      expect(top10Share(h)).toBe(10);
      expect(codes(facts({ holders: h }))).toEqual([]);
    });

    it("counts only the ten largest, exactly, on amounts beyond 2^53", () => {
      const supply = (1n << 64n) - 1n;
      const h = holders(supply, Array.from({ length: 12 }, () => ({ pct: 5 })));
      expect(top10Share(h)).toBe(50);
    });

    it("a zero supply gives no figure and no flag", () => {
      const r = evaluateSafety(facts({ holders: { supply: 0n, largest: [] } }), NOW);
      expect(r.top10Pct).toBeNull();
      expect(r.flags).toEqual([]);
    });
  });

  describe("token age", () => {
    const aged = (ms: number, atLeast = false) => codes(facts({ age: { firstSeenAt: NOW - ms, atLeast } }));
    it("under an hour is red, under a day a warning, a day or more nothing", () => {
      expect(aged(59 * 60_000)).toEqual(["new_token:red"]);
      expect(aged(60 * 60_000)).toEqual(["new_token:warn"]);
      expect(aged(24 * 3_600_000 - 1)).toEqual(["new_token:warn"]);
      expect(aged(24 * 3_600_000)).toEqual([]);
    });

    it("says how old in plain words", () => {
      expect(evaluateSafety(facts({ age: { firstSeenAt: NOW - 20 * 60_000, atLeast: false } }), NOW).flags[0]!.meaning).toBe(
        "first seen 20 min ago: most rug pulls happen in a token's first hour",
      );
    });

    it("a search that stopped at its limit is only a lower bound: a warning, never red", () => {
      expect(aged(10 * 60_000, true)).toEqual(["new_token:warn"]);
      expect(aged(30 * 3_600_000, true)).toEqual([]);
    });
  });

  describe("a source that failed", () => {
    it("is listed as missing and yields no flag, and the report is never clean", () => {
      const r = evaluateSafety(facts({ mintFacts: null }), NOW);
      expect(r.missing).toEqual(["mint"]);
      expect(r.flags).toEqual([]);
      expect(isClean(r)).toBe(false);
    });

    it("holders missing leaves the share unknown; age unknown counts as not checked", () => {
      const r = evaluateSafety(facts({ holders: null, age: { firstSeenAt: null, atLeast: false } }), NOW);
      expect(r.missing).toEqual(["holders", "age"]);
      expect(r.top10Pct).toBeNull();
    });

    it("the parts that were checked still flag", () => {
      const r = evaluateSafety(facts({ mintFacts: mintFacts(M, { freezeAuthority: "F" }), holders: null, age: null }), NOW);
      expect(r.flags.map((f) => f.code)).toEqual(["freeze_authority"]);
      expect(r.missing).toEqual(["holders", "age"]);
    });
  });

  it("the Token-2022 fee on an amount is rounded up and capped, as the program does", () => {
    expect(transferFeeOn(1_000n, { bps: 250, maxFee: 1_000_000n })).toBe(25n);
    expect(transferFeeOn(1_001n, { bps: 250, maxFee: 1_000_000n })).toBe(26n);
    expect(transferFeeOn(10_000_000n, { bps: 500, maxFee: 100n })).toBe(100n);
    expect(transferFeeOn(1_000n, undefined)).toBe(0n);
  });
});
