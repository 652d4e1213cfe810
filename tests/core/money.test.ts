import { describe, expect, it } from "vitest";
import { formatAmount, parseAmount, parseAmountSpec, shareOf, U64_MAX } from "../../core/domain/money.js";

describe("money is bigint base units end to end", () => {
  it.each([
    ["1", 9, 1_000_000_000n],
    ["0.000000001", 9, 1n],
    ["1.5", 6, 1_500_000n],
    [".5", 6, 500_000n],
    ["1_000", 6, 1_000_000_000n],
    ["18446744073.709551615", 9, U64_MAX],
  ])("parses %s with %i decimals", (s, d, want) => expect(parseAmount(s, d)).toBe(want));

  it.each([
    ["0.0000000001", 9, "That token has 9 decimals: 0.0000000001 is more precise than that."],
    ["1e30", 9, "Write the amount as a plain number (no exponent), e.g. 0.25."],
    ["-1", 6, "The amount must be positive."],
    ["abc", 6, '"abc" is not an amount. Use a number like 0.5.'],
    ["0", 6, "The amount must be greater than zero."],
    ["18446744073.709551616", 9, "That amount is too large."],
    ["1,5", 6, '"1,5" is not an amount. Use a number like 0.5.'],
    ["", 6, "Give an amount, e.g. 1.5."],
  ])("refuses %s clearly", (s, d, msg) => expect(() => parseAmount(s, d)).toThrow(msg));

  it("shares and all", () => {
    expect(parseAmountSpec("all", 9, { allowShare: true })).toEqual({ kind: "all" });
    expect(parseAmountSpec("100%", 9, { allowShare: true })).toEqual({ kind: "all" });
    expect(parseAmountSpec("12.5%", 9, { allowShare: true })).toEqual({ kind: "percent", bps: 1250 });
    expect(() => parseAmountSpec("150%", 9, { allowShare: true })).toThrow("at most 100%");
    expect(() => parseAmountSpec("0%", 9, { allowShare: true })).toThrow("more than 0%");
    expect(() => parseAmountSpec("all", 9)).toThrow("exact amount");
    expect(shareOf(3n, 5000)).toBe(1n); // rounds down, never more than held
  });

  it("formats without floating point", () => {
    expect(formatAmount(1n, 9)).toBe("0.000000001");
    expect(formatAmount(U64_MAX, 9)).toBe("18,446,744,073.709551615");
    expect(formatAmount(1_234_567_890n, 9, 4)).toBe("1.2345");
    expect(formatAmount(-1_500_000n, 6)).toBe("-1.5");
  });
});
