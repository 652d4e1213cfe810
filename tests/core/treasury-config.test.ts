import { describe, expect, it } from "vitest";
import { cronParserCheck, loadTreasuryConfigFile, parseTreasuryConfigText } from "../../bots/treasury-config.js";
import { cronShapeCheck, parseTreasuryConfig, rebalanceConstraints } from "../../core/services/treasury-config.js";

const MIN = {
  targets: { SOL: 60, USDC: 40 },
  band: { abs_pct: 5 },
  min_trade_usd: 10,
  max_trade_usd: 1000,
  max_daily_turnover_usd: 5000,
  max_slippage_bps: 50,
  max_price_impact_pct: 1,
  cooldown: "30m",
  schedule: { every: "1h" },
  max_daily_loss_pct: 5,
  max_source_deviation_pct: 2,
};
const problems = (obj: unknown, checkCron = cronParserCheck) => {
  try {
    parseTreasuryConfig(obj, { checkCron, source: "t.yaml" });
  } catch (e) {
    return (e as Error).message.split("\n");
  }
  return [];
};

describe("treasury settings file", () => {
  it("the example in deploy/ parses: durations in ms, defaults filled in", () => {
    const c = loadTreasuryConfigFile("deploy/treasury.example.yaml");
    expect(c.targets).toEqual({ SOL: 40, USDC: 30, JUP: 15, WBTC: 10, BONK: 5 });
    expect(c).toMatchObject({
      mode: "dry-run",
      wallet: { kind: "paper" },
      hub: "USDC",
      band: { abs_pct: 5 },
      cooldown: 3_600_000,
      schedule: { every: 3_600_000 },
      approval_ttl: 1_800_000,
      max_consecutive_failures: 3,
      paper_start_usd: 10_000,
      direct_routes: ["SOL>JUP"],
    });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it("fills the documented defaults: paper wallet, dry-run, 30m approvals, 3 failures, $10,000 paper", () => {
    expect(parseTreasuryConfig(MIN)).toMatchObject({
      wallet: { kind: "paper" },
      mode: "dry-run",
      approval_ttl: 1_800_000,
      max_consecutive_failures: 3,
      paper_start_usd: 10_000,
      fee_bps: 30,
      cooldown: 1_800_000,
    });
  });

  it("lists every problem at once, one line per path", () => {
    const lines = problems({
      ...MIN,
      targets: { SOL: 50, JUP: 40 },
      band: {},
      max_trade_usd: 5,
      cooldown: "soon",
      schedule: { cron: "61 * * * *" },
      mode: "yolo",
      max_slippage_bps: 12.5,
      max_daily_loss_pct: undefined,
      max_daily_turnover: 100,
    });
    expect(lines[0]).toBe("t.yaml is invalid:");
    expect(lines.slice(1).sort()).toEqual(
      [
        "  (top level): Unrecognized key: \"max_daily_turnover\"",
        "  band: give abs_pct, rel_pct or both",
        '  cooldown: must be a duration like "30m", "1h" or "1d"',
        "  max_daily_loss_pct: Invalid input: expected number, received undefined",
        "  max_slippage_bps: must be a whole number of basis points",
        "  max_trade_usd: must be above min_trade_usd",
        '  mode: Invalid option: expected one of "dry-run"|"approve"|"auto"',
        "  schedule.cron: is not a valid cron expression (Constraint error, got value 61 expected range 0-59)",
        "  targets: must include USDC (the hub every swap routes through)",
        "  targets: must sum to 100 (they sum to 90)",
      ].sort(),
    );
  });

  it("targets: at least two assets, lower-case symbols refused, sum within 0.01", () => {
    expect(problems({ ...MIN, targets: { USDC: 100 } })).toContain("  targets: needs at least 2 assets");
    expect(problems({ ...MIN, targets: { sol: 60, USDC: 40 } })).toEqual(["t.yaml is invalid:", "  targets.sol: must be a token symbol in capitals (2-10 letters or digits)"]);
    expect(problems({ ...MIN, targets: { SOL: 59.995, USDC: 40 } })).toEqual([]);
    expect(problems({ ...MIN, targets: { SOL: 59.98, USDC: 40 } })).toContain("  targets: must sum to 100 (they sum to 99.98)");
  });

  it("schedules: an interval or a cron expression, checked by cron-parser", () => {
    expect(parseTreasuryConfig({ ...MIN, schedule: { cron: "0 */4 * * *" } }, { checkCron: cronParserCheck }).schedule).toEqual({ cron: "0 */4 * * *" });
    expect(problems({ ...MIN, schedule: { cron: "0 * * *" } })).toContain("  schedule.cron: is not a valid cron expression (must have 5 or 6 fields, not 4)");
    // The shape-only check core uses on its own lets an out-of-range minute through; cron-parser does not.
    expect(problems({ ...MIN, schedule: { cron: "61 * * * *" } }, cronShapeCheck)).toEqual([]);
    expect(problems({ ...MIN, schedule: { cron: "61 * * * *" } })).toHaveLength(2);
    expect(problems({ ...MIN, schedule: { hourly: true } })).toContain('  schedule: must be { every: "1h" } or { cron: "0 * * * *" }');
  });

  it("wallets: paper, keypair file or encrypted secret; a secret is never echoed in errors", () => {
    expect(parseTreasuryConfig({ ...MIN, wallet: { kind: "keypair-file", path: "/run/secrets/k.json" } }).wallet).toEqual({
      kind: "keypair-file",
      path: "/run/secrets/k.json",
    });
    expect(problems({ ...MIN, wallet: { kind: "keypair-file" } })).toContain("  wallet.path: Invalid input: expected string, received undefined");
    const secret = "v1:SuperSecretKeyMaterial123";
    const lines = problems({ ...MIN, wallet: { kind: "encrypted", secret, note: secret }, targets: { SOL: 1 } });
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.join("\n")).not.toContain("SuperSecret");
  });

  it("direct routes must join two target assets other than the hub", () => {
    expect(problems({ ...MIN, direct_routes: ["SOL>JUP", "SOL>USDC", "SOL-JUP"] })).toEqual([
      "t.yaml is invalid:",
      '  direct_routes.2: must look like "SOL>JUP"',
      "  direct_routes.0: names JUP, not in targets",
      "  direct_routes.1: must join two different assets other than the hub USDC",
    ]);
  });

  it("reads JSON and YAML text, and says clearly when the text is not either", () => {
    expect(parseTreasuryConfigText(JSON.stringify(MIN), "t.json").targets).toEqual({ SOL: 60, USDC: 40 });
    expect(() => parseTreasuryConfigText("targets: {SOL: 60", "t.yaml")).toThrow(/^t\.yaml is not valid YAML: /);
    expect(() => parseTreasuryConfigText("{", "t.json")).toThrow(/^t\.json is not valid JSON: /);
    expect(() => loadTreasuryConfigFile("/nonexistent/treasury.yaml")).toThrow(/^treasury config \/nonexistent\/treasury.yaml cannot be read/);
  });

  it("turns into the planner's constraints with what is left of today's budget", () => {
    const c = parseTreasuryConfig({ ...MIN, band: { abs_pct: 3, rel_pct: 20 }, direct_routes: [] });
    expect(rebalanceConstraints(c, 1200)).toEqual({
      bandAbsPct: 3,
      bandRelPct: 20,
      minTradeUsd: 10,
      maxTradeUsd: 1000,
      maxTurnoverUsd: 1200,
      feeBps: 30,
      hub: "USDC",
      directRoutes: [],
    });
    expect(rebalanceConstraints(c, -5).maxTurnoverUsd).toBe(0);
  });
});
