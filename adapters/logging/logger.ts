import pino, { type DestinationStream, type Logger as PinoLogger } from "pino";
import { REDACTED, scrubCut, secretScrubber, type Scrub } from "./scrub.js";

/** Field names whose values never reach a log line, at any depth. */
export const SECRET_FIELD =
  /(secret|mnemonic|passw(or)?d|passphrase|authori[sz]ation|cookie|seed(_?phrase)?$|token$|(^|_|-|[a-z])key$)/i;
const NOT_SECRET = /^(public_?key|idempotency_?key|cache_?key|key_?prefix)$/i;

export const isSecretField = (name: string) => SECRET_FIELD.test(name) && !NOT_SECRET.test(name);

/** Longest string field written: longer ones (a remote error body) are cut, after scrubbing. */
export const MAX_LOG_STRING = 4000;

/**
 * The log object with secret-named fields redacted and every string scrubbed of secret values, then
 * bounded (scrub first: a cut secret is no longer found by value).
 */
function scrubObject(value: unknown, depth: number, seen: WeakSet<object>, scrub: Scrub): unknown {
  if (typeof value === "string") return scrubCut(scrub, value, MAX_LOG_STRING);
  if (depth > 6 || value === null || typeof value !== "object") return value;
  if (seen.has(value)) return value;
  seen.add(value);
  if (value instanceof Error || ArrayBuffer.isView(value)) return value;
  if (Array.isArray(value)) return value.map((v) => scrubObject(v, depth + 1, seen, scrub));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = isSecretField(k) && v !== undefined && v !== null && v !== "" ? REDACTED : scrubObject(v, depth + 1, seen, scrub);
  }
  return out;
}

/**
 * Error fields that carry what was sent or received (grammY's `payload` is the request: a message
 * text, which may be an exported wallet key; discord.js's `requestBody`; HTTP clients' `request`,
 * `config`, `response`, `body`). An error's message, code and stack are kept; these never are.
 */
const ERROR_PAYLOAD_FIELDS = ["payload", "requestBody", "request", "config", "response", "body", "data", "headers"] as const;

function serializeError(e: unknown, scrub: Scrub, depth = 0): unknown {
  if (!(e instanceof Error)) return scrubObject(e, 0, new WeakSet(), scrub);
  const s = pino.stdSerializers.err(e) as unknown as Record<string, unknown>;
  for (const k of ERROR_PAYLOAD_FIELDS) delete s[k];
  const cause = (e as { cause?: unknown }).cause;
  if (cause !== undefined) s.cause = depth < 3 ? serializeError(cause, scrub, depth + 1) : "[cause]";
  return scrubObject(s, 0, new WeakSet(), scrub);
}

export interface LoggerOptions {
  level: string;
  /** Secret values (tokens, keys): scrubbed from every line, wherever they appear (URLs, messages). */
  secrets?: Iterable<string>;
  destination?: DestinationStream;
  base?: Record<string, unknown>;
}

/**
 * pino with redaction by configuration: secret-named fields at any depth, Authorization headers,
 * every configured secret value scrubbed from each string field before it is bounded, and - as the
 * last guard - from the serialized line.
 */
export function createLogger(opts: LoggerOptions): PinoLogger {
  const scrub = secretScrubber(opts.secrets ?? []);
  return pino(
    {
      level: opts.level,
      base: opts.base ?? { app: "purser" },
      redact: {
        paths: [
          "headers.authorization",
          "req.headers.authorization",
          "request.headers.authorization",
          "config.headers.Authorization",
          "*.headers.authorization",
          "*.headers.Authorization",
          'headers["x-api-key"]',
          '*.headers["x-api-key"]',
        ],
        censor: REDACTED,
      },
      formatters: {
        log: (obj) => scrubObject(obj, 0, new WeakSet(), scrub) as Record<string, unknown>,
      },
      // the last guard: the whole serialized line (the message text included)
      hooks: { streamWrite: scrub },
      serializers: { err: (e: unknown) => serializeError(e, scrub), error: (e: unknown) => serializeError(e, scrub) },
    },
    opts.destination ?? pino.destination({ fd: 2, sync: false }),
  );
}
