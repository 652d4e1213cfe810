import { describe, expect, it } from "vitest";
import { parseAutomation, parseAutomationLine, automationCommandOf } from "../../core/domain/automation-parse.js";
import { resolveAutomation, type ResolveContext } from "../../core/domain/automation-resolve.js";
import type { AutomationRequest } from "../../core/domain/automation.js";
import { UserError } from "../../core/errors.js";

const p = (line: string) => parseAutomationLine(line);
const words = (s: string) => s.split(" ");

/** The UserError a line throws (fails the test when it parses). */
function refusal(line: string): UserError {
  try {
    p(line);
  } catch (e) {
    if (e instanceof UserError) return e;
    throw e;
  }
  throw new Error(`"${line}" parsed`);
}

const SOL = { mint: "So11111111111111111111111111111111111111112", symbol: "SOL", decimals: 9 };
const USDC = { mint: "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", symbol: "USDC", decimals: 6 };
const NOW = Date.UTC(2025, 0, 7);
const at = (priceUsd: number, over: Partial<ResolveContext> = {}): ResolveContext => ({ token: SOL, quote: USDC, priceUsd, now: NOW, ...over });

describe("parsing the issue's syntax into typed requests", () => {
  it("limit buy: token, amount, optional pay token, at price", () => {
    expect(p("/limit buy SOL 100 at 200")).toEqual({ kind: "limit-buy", token: "SOL", spend: "100", pay: null, level: { kind: "price", usd: 200 } });
    expect(p("limit buy SOL 2.5 USDT at $199.5")).toEqual({ kind: "limit-buy", token: "SOL", spend: "2.5", pay: "USDT", level: { kind: "price", usd: 199.5 } });
    expect(p("limit buy BONK $50 @0.000021")).toEqual({ kind: "limit-buy", token: "BONK", spend: "50", pay: "USDC", level: { kind: "price", usd: 0.000021 } });
    expect(p("limit buy SOL 100 at 5%")).toMatchObject({ level: { kind: "percent", pct: 5, side: "below" } });
    expect(p("limit buy JUP 100 $USDT at 0.5")).toMatchObject({ token: "JUP", spend: "100", pay: "USDT" });
  });

  it("limit sell: amount, NN% or all, optional receive token, at price", () => {
    expect(p("limit sell SOL 1.5 at 250")).toEqual({ kind: "limit-sell", token: "SOL", amount: { kind: "amount", text: "1.5" }, receive: null, level: { kind: "price", usd: 250 } });
    expect(p("limit sell SOL 50% USDT at 250")).toMatchObject({ amount: { kind: "percent", bps: 5000 }, receive: "USDT" });
    expect(p("limit sell SOL all at 1,250.5")).toMatchObject({ amount: { kind: "all" }, level: { kind: "price", usd: 1250.5 } });
    expect(p("limit sell SOL 100% at +20%")).toMatchObject({ amount: { kind: "all" }, level: { kind: "percent", pct: 20, side: "above" } });
  });

  it("stop: a price or N% below, selling all by default or the amount given", () => {
    expect(p("/stop SOL at 205")).toEqual({ kind: "stop", token: "SOL", amount: { kind: "all" }, receive: null, level: { kind: "price", usd: 205 } });
    expect(p("stop SOL at 10%")).toMatchObject({ level: { kind: "percent", pct: 10, side: "below" } });
    expect(p("stop SOL at -10% 25%")).toMatchObject({ level: { kind: "percent", pct: 10, side: "below" }, amount: { kind: "percent", bps: 2500 } });
    expect(p("sl SOL 2 at 190 to USDT")).toMatchObject({ kind: "stop", amount: { kind: "amount", text: "2" }, receive: "USDT" });
    expect(p("stop-loss $SOL at 190 all")).toMatchObject({ kind: "stop", token: "SOL", amount: { kind: "all" } });
  });

  it("take-profit: a price or N% above", () => {
    expect(p("/tp SOL at 250")).toEqual({ kind: "take-profit", token: "SOL", amount: { kind: "all" }, receive: null, level: { kind: "price", usd: 250 } });
    expect(p("take-profit SOL at 30% 50%")).toMatchObject({ kind: "take-profit", level: { kind: "percent", pct: 30, side: "above" }, amount: { kind: "percent", bps: 5000 } });
  });

  it("trailing stop: a distance, then optionally how much", () => {
    expect(p("/trail SOL 10%")).toEqual({ kind: "trailing", token: "SOL", trailPct: 10, amount: { kind: "all" }, receive: null });
    expect(p("tsl SOL 7.5% 50%")).toMatchObject({ kind: "trailing", trailPct: 7.5, amount: { kind: "percent", bps: 5000 } });
    expect(p("trailing JUP 12% 1000 into USDT")).toMatchObject({ token: "JUP", amount: { kind: "amount", text: "1000" }, receive: "USDT" });
  });

  it("dca: amount, pay token, interval, times and until in any order", () => {
    expect(p("/dca SOL 100 every 6h times 3")).toEqual({ kind: "dca", token: "SOL", spend: "100", pay: null, everyMs: 6 * 3_600_000, times: 3, until: null });
    expect(p("dca SOL 25 USDT every 1d until 2025-03-01")).toMatchObject({ pay: "USDT", everyMs: 86_400_000, times: null, until: { kind: "at", at: Date.UTC(2025, 2, 1) } });
    expect(p("dca SOL $10 daily for 30d x5")).toMatchObject({ pay: "USDC", everyMs: 86_400_000, times: 5, until: { kind: "after", ms: 30 * 86_400_000 } });
    expect(p("dca SOL 10 every 1w 4 times until 2025-06-01T12:00Z")).toMatchObject({ everyMs: 7 * 86_400_000, times: 4, until: { kind: "at", at: Date.UTC(2025, 5, 1, 12) } });
    expect(p("dca SOL 10 every 30d")).toMatchObject({ everyMs: 30 * 86_400_000, times: null, until: null });
  });

  it("takes a command name with or without the slash, and word lists with stray spaces", () => {
    expect(parseAutomation("/STOP", ["SOL", " at ", "", "205"])).toMatchObject({ kind: "stop", level: { kind: "price", usd: 205 } });
    expect(automationCommandOf("takeprofit")).toBe("tp");
    expect(automationCommandOf("buy")).toBeUndefined();
    expect(parseAutomation("trailing-stop", words("SOL 5%"))).toMatchObject({ kind: "trailing", trailPct: 5 });
  });
});

describe("refusing bad, missing and huge input with a UserError that says what to type", () => {
  const cases: Array<[string, string, RegExp]> = [
    ["/limit SOL 100 at 200", "bad_automation", /buy or sell/],
    ["/limit buy SOL 100 200", "bad_automation", /Expected "at <price>", not "200"/],
    ["/limit buy SOL 100", "bad_automation", /Missing "at <price>"/],
    ["/limit buy SOL at 200", "bad_amount", /amount to spend/],
    ["/limit buy SOL 50% at 200", "bad_amount", /not a number/],
    ["/limit buy SOL -5 at 200", "bad_amount", /must be positive/],
    ["/limit buy SOL 1e9 at 200", "bad_amount", /no exponent/],
    ["/limit buy SOL 0 at 200", "bad_amount", /greater than zero/],
    ["/limit buy SOL 99999999999999999999 at 200", "bad_amount", /too large/],
    ["/limit buy SOL 123456789012345678901 at 200", "bad_amount", /not a number/],
    ["/limit buy SOL 100 at 0", "bad_level", /greater than zero/],
    ["/limit buy SOL 100 at 2000000000", "bad_level", /too large/],
    ["/limit buy SOL 100 at abc", "bad_level", /not a number/],
    ["/limit buy SOL 100 at +5%", "bad_level", /below the price/],
    ["/limit buy SOL $100 USDT at 200", "bad_automation", /means USDC/],
    ["/limit sell SOL at 250", "bad_amount", /how much to sell/],
    ["/limit sell SOL 150% at 250", "bad_amount", /at most 100%/],
    ["/limit sell SOL 0% at 250", "bad_amount", /more than 0%/],
    ["/limit sell SOL all at 250 now", "bad_automation", /don't understand "now"/],
    ["/stop SOL 205", "bad_automation", /Missing "at <price or N%>"/],
    ["/stop SOL at", "bad_level", /Give the stop/],
    ["/stop SOL at 100%", "bad_level", /out of range/],
    ["/stop SOL at 0.01%", "bad_level", /out of range/],
    ["/stop SOL at +10%", "bad_level", /below the price/],
    ["/stop SOL 50% at 190 25%", "bad_amount", /once/],
    ["/tp SOL at -10%", "bad_level", /above the price/],
    ["/tp SOL at 5000%", "bad_level", /out of range/],
    ["/trail SOL", "bad_level", /trailing distance/],
    ["/trail SOL 200", "bad_level", /trailing distance/],
    ["/trail SOL 100%", "bad_level", /out of range/],
    ["/stop at 205", "bad_token", /not a token/],
    ["/stop 205 at 190", "bad_token", /not a token/],
    ["/dca SOL 100", "bad_schedule", /how often/],
    ["/dca SOL 100 every 30m", "bad_schedule", /at most once an hour/],
    ["/dca SOL 100 every 31d", "bad_schedule", /at most 30d/],
    ["/dca SOL 100 every soon", "bad_schedule", /not an interval/],
    ["/dca SOL 100 every 6h times 0", "bad_schedule", /at least 1/],
    ["/dca SOL 100 every 6h times 1000000", "bad_schedule", /at most 1000/],
    ["/dca SOL 100 every 6h times three", "bad_schedule", /whole number/],
    ["/dca SOL 100 every 6h times 3 times 4", "bad_schedule", /once/],
    ["/dca SOL 100 every 6h until 2025-02-30", "bad_schedule", /not a real date/],
    ["/dca SOL 100 every 6h until tomorrow", "bad_schedule", /YYYY-MM-DD/],
    ["/dca SOL 100 every 6h for ever", "bad_schedule", /for how long/],
    ["/buy SOL 1", "bad_automation", /not an automation command/],
    ["/stop", "bad_automation", /Usage/],
  ];
  it.each(cases)("%s -> %s", (line, code, message) => {
    const e = refusal(line);
    expect(e.code).toBe(code);
    expect(e.message).toMatch(message);
  });

  it("does not echo a pasted essay back", () => {
    const e = refusal(`/stop SOL at ${"9".repeat(400)}x`);
    expect(e.message.length).toBeLessThan(120);
  });
});

describe("resolving a request at the price when it is set", () => {
  const resolve = (line: string, price: number, over: Partial<ResolveContext> = {}) => resolveAutomation(p(line) as AutomationRequest, at(price, over));

  it("amounts become base units of the right token; N% becomes an absolute level fixed now", () => {
    expect(resolve("/limit buy SOL 100 at 200", 210)).toMatchObject({ kind: "limit-buy", spend: 100_000_000n, pay: USDC, level: { usd: 200, refUsd: 210 } });
    expect(resolve("/stop SOL at 10% 1.5", 200)).toMatchObject({ kind: "stop", amount: { kind: "units", units: 1_500_000_000n }, level: { usd: 180, refUsd: 200, spec: { kind: "percent", pct: 10 } } });
    const tp = resolve("/tp SOL at 25%", 200);
    expect(tp.kind === "take-profit" && tp.level.usd).toBeCloseTo(250, 9);
    expect(resolve("/trail SOL 10% 50%", 200)).toEqual({ kind: "trailing", token: SOL, receive: USDC, amount: { kind: "percent", bps: 5000 }, trailPct: 10, refUsd: 200 });
  });

  it("a DCA starts now and ends at the date or after the duration", () => {
    expect(resolve("/dca SOL 100 every 6h times 3", 210)).toEqual({ kind: "dca", token: SOL, pay: USDC, spend: 100_000_000n, startAt: NOW, everyMs: 6 * 3_600_000, times: 3, until: null });
    expect(resolve("/dca SOL 1 daily for 7d", 210)).toMatchObject({ until: NOW + 7 * 86_400_000 });
    expect(() => resolve("/dca SOL 1 daily until 2025-01-01", 210)).toThrow(/already past/);
    expect(() => resolve("/dca SOL 1 daily until 2035-01-01", 210)).toThrow(/too far ahead/);
  });

  it("refuses a level the price is already past, naming the command that trades now", () => {
    const crossed: Array<[string, number, RegExp]> = [
      ["/stop SOL at 205", 200, /a stop at \$205\.00 would fire at once.*\/sell/],
      ["/limit buy SOL 100 at 200", 199, /limit buy.*\/buy/],
      ["/limit sell SOL all at 250", 250, /limit sell.*\/sell/],
      ["/tp SOL at 250", 260, /take-profit/],
    ];
    for (const [line, price, msg] of crossed) {
      const e = (() => {
        try {
          resolve(line, price);
        } catch (err) {
          return err as UserError;
        }
        throw new Error(`${line} resolved`);
      })();
      expect(e.code).toBe("level_crossed");
      expect(e.message).toMatch(msg);
    }
  });

  it("refuses more decimals than the token has, the token for itself, and no price", () => {
    expect(() => resolve("/stop SOL at 190 0.0000000001", 200)).toThrow(/9 decimals/);
    expect(() => resolve("/stop SOL at 190", 200, { quote: SOL })).toThrow(/for itself/);
    expect(() => resolve("/stop SOL at 190", Number.NaN)).toThrow(/no good price/);
  });
});
