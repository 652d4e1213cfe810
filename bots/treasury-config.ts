import { readFileSync } from "node:fs";
import { CronExpressionParser } from "cron-parser";
import { parse as parseYaml } from "yaml";
import { cronShapeCheck, parseTreasuryConfig } from "../core/services/treasury-config.js";
import type { CronCheck, TreasuryConfig } from "../core/services/treasury-config.js";

/**
 * Full cron validation, passed into the core schema: 5 or 6 fields (or an alias like @hourly),
 * each field checked by cron-parser (ranges, names, steps).
 */
export const cronParserCheck: CronCheck = (expr) => {
  const shape = expr.trim().startsWith("@") ? undefined : cronShapeCheck(expr);
  if (shape) return shape;
  try {
    CronExpressionParser.parse(expr, { strict: false });
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message.split("\n")[0] : "unreadable";
  }
};

/** Settings text (YAML, or JSON, which YAML also reads) -> validated settings. */
export function parseTreasuryConfigText(text: string, source = "treasury config"): TreasuryConfig {
  let raw: unknown;
  try {
    raw = source.toLowerCase().endsWith(".json") ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    const kind = source.toLowerCase().endsWith(".json") ? "JSON" : "YAML";
    throw new Error(`${source} is not valid ${kind}: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`);
  }
  return parseTreasuryConfig(raw, { checkCron: cronParserCheck, source });
}

/** Reads and validates a treasury settings file (deploy/treasury.example.yaml shows every key). */
export function loadTreasuryConfigFile(path: string): TreasuryConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new Error(`treasury config ${path} cannot be read: ${e instanceof Error ? e.message : String(e)}`);
  }
  return parseTreasuryConfigText(text, path);
}
