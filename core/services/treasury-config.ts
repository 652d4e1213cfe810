import { z } from "zod";
import { parseDuration } from "../domain/alert.js";
import type { RebalanceConstraints } from "../domain/rebalance.js";

/**
 * The treasury bot's settings file (YAML or JSON; bots/treasury-config.ts reads it), one zod
 * schema. Durations ("30m", "1h", "1d") come out in milliseconds. Unknown keys are refused so a
 * misspelt limit never silently falls back to nothing. See deploy/treasury.example.yaml.
 */

/** Says what is wrong with a cron expression, or undefined when it is valid. */
export type CronCheck = (expr: string) => string | undefined;

/**
 * Shape-only cron check (5 or 6 fields of cron characters). core imports no cron library: the
 * composition root passes a full check (cron-parser) to `parseTreasuryConfig`.
 */
export const cronShapeCheck: CronCheck = (expr) => {
  const fields = expr.trim().split(/\s+/);
  if (fields.length < 5 || fields.length > 6) return `must have 5 or 6 fields, not ${fields.length}`;
  if (!fields.every((f) => /^[\d*/,?A-Za-z#-]+$/.test(f))) return "has a field with characters cron does not use";
  return undefined;
};

const SYMBOL = /^[A-Z0-9]{2,10}$/;
const symbol = z.string().regex(SYMBOL, "must be a token symbol in capitals (2-10 letters or digits)");
const duration = z
  .string()
  .refine((s) => parseDuration(s) !== undefined, 'must be a duration like "30m", "1h" or "1d"')
  .transform((s) => parseDuration(s)!);
// .int() stops the rest of the checks in zod 4; a refinement lets every problem be listed at once.
const whole = (what: string) => z.number().check(z.refine(Number.isInteger, `must be a whole number of ${what}`));
const pct = (max: number) => z.number().positive("must be above 0").max(max, `must be at most ${max}`);

export function treasuryConfigSchema(checkCron: CronCheck = cronShapeCheck) {
  return z
    .strictObject({
      wallet: z
        .discriminatedUnion("kind", [
          z.strictObject({ kind: z.literal("paper") }),
          z.strictObject({ kind: z.literal("keypair-file"), path: z.string().min(1, "must name the keypair file") }),
          z.strictObject({ kind: z.literal("encrypted"), secret: z.string().min(1, "must hold the encrypted key") }),
        ])
        .default({ kind: "paper" }),
      /** Every swap routes through this asset (or a direct route). */
      hub: symbol.default("USDC"),
      targets: z.record(z.string(), z.number().positive("must be above 0").max(100, "must be at most 100")),
      band: z
        .strictObject({ abs_pct: pct(50).optional(), rel_pct: pct(100).optional() })
        .refine((b) => b.abs_pct !== undefined || b.rel_pct !== undefined, "give abs_pct, rel_pct or both"),
      /** "SOL>JUP": pairs cheaper to swap directly than through the hub. */
      direct_routes: z.array(z.string().regex(/^[A-Z0-9]{2,10}>[A-Z0-9]{2,10}$/, 'must look like "SOL>JUP"')).default([]),
      min_trade_usd: z.number().min(0, "must be 0 or more"),
      max_trade_usd: z.number().positive("must be above 0"),
      max_daily_turnover_usd: z.number().positive("must be above 0"),
      max_slippage_bps: whole("basis points").min(1).max(5000),
      max_price_impact_pct: pct(100),
      /** Modelled cost of one swap for planning (basis points). */
      fee_bps: z.number().min(0).max(1000).default(30),
      cooldown: duration,
      schedule: z.union([z.strictObject({ every: duration }), z.strictObject({ cron: z.string().min(1) })], {
        error: 'must be { every: "1h" } or { cron: "0 * * * *" }',
      }),
      mode: z.enum(["dry-run", "approve", "auto"]).default("dry-run"),
      approval_ttl: duration.prefault("30m"),
      max_daily_loss_pct: pct(100),
      max_consecutive_failures: whole("failures").min(1).max(100).default(3),
      max_source_deviation_pct: pct(100),
      paper_start_usd: z.number().positive("must be above 0").default(10_000),
    })
    .superRefine(
      (c, ctx) => {
        // Runs even when other fields failed, so every problem is listed at once: guard each read.
        const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message });
        const targets = isRecord(c.targets) ? Object.entries(c.targets).filter(([, v]) => typeof v === "number") : undefined;
        const hub = typeof c.hub === "string" ? c.hub : "USDC";
        if (targets) {
          for (const [k] of targets) if (!SYMBOL.test(k)) issue(["targets", k], "must be a token symbol in capitals (2-10 letters or digits)");
          const sum = targets.reduce((s, [, v]) => s + (v as number), 0);
          if (Math.abs(sum - 100) > 0.01) issue(["targets"], `must sum to 100 (they sum to ${round(sum)})`);
          if (targets.length < 2) issue(["targets"], "needs at least 2 assets");
          if (!targets.some(([k]) => k === hub)) issue(["targets"], `must include ${hub} (the hub every swap routes through)`);
        }
        if (typeof c.min_trade_usd === "number" && typeof c.max_trade_usd === "number" && !(c.max_trade_usd > c.min_trade_usd)) {
          issue(["max_trade_usd"], "must be above min_trade_usd");
        }
        const schedule: unknown = c.schedule;
        if (isRecord(schedule) && typeof schedule.cron === "string") {
          const problem = checkCron(schedule.cron);
          if (problem) issue(["schedule", "cron"], `is not a valid cron expression (${problem})`);
        }
        if (Array.isArray(c.direct_routes) && targets) {
          c.direct_routes.forEach((r, i) => {
            if (typeof r !== "string" || !r.includes(">")) return;
            const [a, b] = r.split(">");
            const unknown = [a, b].filter((s) => !targets.some(([k]) => k === s));
            if (unknown.length) issue(["direct_routes", i], `names ${unknown.join(" and ")}, not in targets`);
            else if (a === b || a === hub || b === hub) issue(["direct_routes", i], `must join two different assets other than the hub ${hub}`);
          });
        }
      },
      { when: () => true },
    );
}

export const TreasuryConfigSchema = treasuryConfigSchema();
export type TreasuryConfig = z.output<typeof TreasuryConfigSchema>;
export type TreasuryConfigInput = z.input<typeof TreasuryConfigSchema>;

/**
 * Validates a parsed settings object. Throws one Error listing every problem on its own line by
 * path (`targets: must sum to 100 (they sum to 95)`); values are never echoed (secrets stay out).
 */
export function parseTreasuryConfig(obj: unknown, opts: { checkCron?: CronCheck; source?: string } = {}): TreasuryConfig {
  const r = treasuryConfigSchema(opts.checkCron).safeParse(obj);
  if (r.success) return Object.freeze(r.data);
  const lines = r.error.issues.map((i) => `  ${i.path.map(String).join(".") || "(top level)"}: ${i.message}`);
  throw new Error(`${opts.source ?? "treasury config"} is invalid:\n${[...new Set(lines)].join("\n")}`);
}

/** The planner's constraints from the settings; `turnoverLeftUsd` is what today's budget has left. */
export function rebalanceConstraints(c: TreasuryConfig, turnoverLeftUsd = c.max_daily_turnover_usd): RebalanceConstraints {
  return {
    ...(c.band.abs_pct !== undefined ? { bandAbsPct: c.band.abs_pct } : {}),
    ...(c.band.rel_pct !== undefined ? { bandRelPct: c.band.rel_pct } : {}),
    minTradeUsd: c.min_trade_usd,
    maxTradeUsd: c.max_trade_usd,
    maxTurnoverUsd: Math.max(0, turnoverLeftUsd),
    feeBps: c.fee_bps,
    hub: c.hub,
    directRoutes: c.direct_routes,
  };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const round = (n: number) => Math.round(n * 1e6) / 1e6;
