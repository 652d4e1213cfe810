import { scrubWrites, secretScrubber, type Scrub } from "../adapters/logging/scrub.js";
import { secretValues } from "./config.js";

const describeError = (err: unknown) => (err instanceof Error ? (err.stack ?? `${err.name}: ${err.message}`) : String(err));

/**
 * Everything this process writes to stdout and stderr - our own lines, the terminal chat, a library's
 * console.error - is scrubbed of the configured secrets by the logger's scrubber. The secrets come from
 * the raw environment, so a start-up error before the settings parse is covered too. An uncaught
 * exception or unhandled rejection becomes one scrubbed report and exit code 1 (Node's own report is
 * written past process.stderr, unscrubbed).
 */
export function guardStdio(env: Readonly<Record<string, string | undefined>>, name = "Purser"): Scrub {
  const scrub = secretScrubber(secretValues(env));
  scrubWrites(process.stdout, scrub);
  scrubWrites(process.stderr, scrub);
  const crash = (what: string) => (err: unknown) => {
    process.stderr.write(`${name} ${what}: ${describeError(err)}\n`);
    process.exit(1);
  };
  process.on("uncaughtException", crash("crashed"));
  process.on("unhandledRejection", crash("crashed on an unhandled rejection"));
  return scrub;
}
