import { describe, expect, it } from "vitest";
import type { AutomationRule } from "../../core/domain/automation.js";
import { CorruptAutomationError, decodeAcknowledgedRisk, decodeRule, encodeAcknowledgedRisk, encodeRule } from "../../db/repositories/automation-codec.js";
import { HUGE, RULES } from "../helpers/automation-rows.js";

const corrupt = (text: string, kind?: AutomationRule["kind"]) => {
  try {
    decodeRule(text, "abadrow01", kind);
  } catch (err) {
    return err;
  }
  throw new Error("decodeRule accepted a corrupt rule");
};

describe("the stored automation rule", () => {
  it.each(Object.values(RULES))("a $kind rule reads back exactly as it was confirmed, amounts past 2^64 included", (rule) => {
    const text = encodeRule(rule);
    expect(decodeRule(text, "a00000001", rule.kind)).toEqual(rule);
  });

  it("keeps base-unit amounts as decimal text, never as a lossy JSON number", () => {
    const buy = JSON.parse(encodeRule(RULES["limit-buy"])) as { spend: unknown };
    expect(buy.spend).toBe(HUGE.toString());
    const sell = JSON.parse(encodeRule(RULES["limit-sell"])) as { amount: { units: unknown } };
    expect(sell.amount.units).toBe((HUGE * 3n).toString());
  });

  it("names the automation and says the row is not JSON", () => {
    const err = corrupt("{not json");
    expect(err).toBeInstanceOf(CorruptAutomationError);
    expect(err).toMatchObject({ automationId: "abadrow01", message: "automation abadrow01 has an unreadable rule: not JSON" });
  });

  it("names the field that is missing or wrong", () => {
    const { level: _dropped, ...noLevel } = JSON.parse(encodeRule(RULES.stop)) as Record<string, unknown>;
    expect((corrupt(JSON.stringify(noLevel)) as Error).message).toMatch(/^automation abadrow01 has an unreadable rule: level: /);
    const fractional = { ...(JSON.parse(encodeRule(RULES.dca)) as Record<string, unknown>), spend: "1.5" };
    expect((corrupt(JSON.stringify(fractional)) as Error).message).toContain("spend: must be a non-negative integer as decimal text");
    const lost = { ...(JSON.parse(encodeRule(RULES["limit-buy"])) as Record<string, unknown>), spend: 18446744073709552000 };
    expect((corrupt(JSON.stringify(lost)) as Error).message).toContain("spend:");
  });

  it("refuses a level that JSON turned into null (an Infinity or NaN written by mistake)", () => {
    const text = encodeRule({ ...RULES.stop, level: { ...RULES.stop.level, usd: Number.NaN } });
    expect((corrupt(text) as Error).message).toContain("level.usd:");
  });

  it("refuses an unknown kind and a rule whose kind disagrees with its row", () => {
    expect((corrupt(JSON.stringify({ kind: "martingale" })) as Error).message).toContain("kind:");
    expect((corrupt(encodeRule(RULES.stop), "take-profit") as Error).message).toBe(
      "automation abadrow01 has an unreadable rule: the rule is a stop but the row says take-profit",
    );
  });
});

describe("the stored acknowledged safety flags (TOKEN_SAFETY)", () => {
  it("reads back the codes acknowledged, [] for a check that could not run, and none when nothing needed acknowledging", () => {
    expect(decodeAcknowledgedRisk(encodeAcknowledgedRisk(["freeze_authority", "permanent_delegate"]), "a00000001")).toEqual(["freeze_authority", "permanent_delegate"]);
    expect(decodeAcknowledgedRisk(encodeAcknowledgedRisk([]), "a00000001")).toEqual([]);
    expect(encodeAcknowledgedRisk(undefined)).toBeNull();
    expect(decodeAcknowledgedRisk(null, "a00000001")).toBeUndefined();
  });

  it("refuses text that is not a list of known flag codes, naming the automation", () => {
    for (const bad of ["{", '"freeze_authority"', '["rug_pull"]', "[1]"]) {
      expect(() => decodeAcknowledgedRisk(bad, "abadrow01")).toThrow(CorruptAutomationError);
    }
    expect(() => decodeAcknowledgedRisk('["rug_pull"]', "abadrow01")).toThrow(/automation abadrow01 .*acknowledged_risk/);
  });
});
