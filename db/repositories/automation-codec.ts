import { z } from "zod";
import type { AutomationKind, AutomationRule } from "../../core/domain/automation.js";
import type { SafetyFlagCode } from "../../core/domain/token-safety.js";

/**
 * An automation's rule as stored: JSON with every bigint (spend, an exact sell amount) as a decimal
 * string, so amounts past 2^53 (and 2^63) survive. Read back through zod: a row that does not hold a
 * rule (hand-edited, truncated, written by a newer version) raises CorruptAutomationError naming the
 * automation and what is wrong, instead of handing the engine a rule with holes in it.
 */

/** A stored automation whose rule cannot be read. */
export class CorruptAutomationError extends Error {
  override readonly name = "CorruptAutomationError";
  constructor(
    readonly automationId: string,
    readonly problem: string,
    cause?: unknown,
  ) {
    super(`automation ${automationId} has an unreadable rule: ${problem}`, cause === undefined ? undefined : { cause });
  }
}

const finite = z.number().refine(Number.isFinite, "must be a finite number");
const base = z
  .string()
  .regex(/^\d{1,80}$/, "must be a non-negative integer as decimal text")
  .transform((s) => BigInt(s));
const token = z.object({ mint: z.string().min(1), symbol: z.string(), decimals: z.number().int().min(0).max(255) });
const amount = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("units"), units: base }),
  z.object({ kind: z.literal("percent"), bps: z.number().int().min(1).max(10_000) }),
  z.object({ kind: z.literal("all") }),
]);
const levelSpec = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("price"), usd: finite }),
  z.object({ kind: z.literal("percent"), pct: finite, side: z.enum(["below", "above"]) }),
]);
const level = z.object({ usd: finite, spec: levelSpec, refUsd: finite });
const levelSell = <K extends "limit-sell" | "stop" | "take-profit">(kind: K) =>
  z.object({ kind: z.literal(kind), token, receive: token, amount, level });

const ruleSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("limit-buy"), token, pay: token, spend: base, level }),
  levelSell("limit-sell"),
  levelSell("stop"),
  levelSell("take-profit"),
  z.object({ kind: z.literal("trailing"), token, receive: token, amount, trailPct: finite, refUsd: finite }),
  z.object({
    kind: z.literal("dca"),
    token,
    pay: token,
    spend: base,
    startAt: finite,
    everyMs: finite,
    times: z.number().int().nullable(),
    until: finite.nullable(),
  }),
]);

// The schema reads exactly the domain's rule: a change to AutomationRule that the schema misses fails typecheck.
type Decoded = z.output<typeof ruleSchema>;
const sameShape: [Decoded] extends [AutomationRule] ? ([AutomationRule] extends [Decoded] ? true : false) : false = true;
void sameShape;

/** The rule as JSON text, bigints as decimal strings. */
export function encodeRule(rule: AutomationRule): string {
  return JSON.stringify(rule, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}

/**
 * The rule stored for automation `id` (its kind column `kind`, when given, must agree). Throws
 * CorruptAutomationError when the text is not JSON or not a rule.
 */
export function decodeRule(text: string, id: string, kind?: AutomationKind): AutomationRule {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new CorruptAutomationError(id, "not JSON", err);
  }
  const r = ruleSchema.safeParse(json);
  if (!r.success) {
    const problem = r.error.issues.map((i) => `${i.path.join(".") || "rule"}: ${i.message}`).join("; ");
    throw new CorruptAutomationError(id, problem, r.error);
  }
  if (kind !== undefined && r.data.kind !== kind) throw new CorruptAutomationError(id, `the rule is a ${r.data.kind} but the row says ${kind}`);
  return r.data;
}

const FLAG_CODES = [
  "mint_authority",
  "freeze_authority",
  "top_holders",
  "transfer_fee",
  "permanent_delegate",
  "transfer_hook",
  "non_transferable",
  "default_frozen",
  "new_token",
  "other_extensions",
] as const satisfies readonly SafetyFlagCode[];
// Every code the domain knows is readable: a new SafetyFlagCode missing here fails typecheck.
const allCodes: [SafetyFlagCode] extends [(typeof FLAG_CODES)[number]] ? true : false = true;
void allCodes;
const ackSchema = z.array(z.enum(FLAG_CODES)).max(FLAG_CODES.length);

/** The acknowledged flags as stored (acknowledged_risk): a JSON array of codes; null when none were needed. */
export function encodeAcknowledgedRisk(codes: readonly SafetyFlagCode[] | undefined): string | null {
  return codes ? JSON.stringify([...codes]) : null;
}

/** The acknowledged flags stored for automation `id` (undefined: none); CorruptAutomationError when unreadable. */
export function decodeAcknowledgedRisk(text: string | null | undefined, id: string): SafetyFlagCode[] | undefined {
  if (text === null || text === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new CorruptAutomationError(id, "acknowledged_risk is not JSON", err);
  }
  const r = ackSchema.safeParse(json);
  if (!r.success) throw new CorruptAutomationError(id, `acknowledged_risk: ${r.error.issues.map((i) => i.message).join("; ")}`, r.error);
  return r.data;
}
