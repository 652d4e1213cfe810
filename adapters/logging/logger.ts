import pino, { type DestinationStream, type Logger as PinoLogger } from "pino";

/** Field names whose values never reach a log line, at any depth. */
export const SECRET_FIELD =
  /(secret|mnemonic|passw(or)?d|passphrase|authori[sz]ation|cookie|seed(_?phrase)?$|token$|(^|_|-|[a-z])key$)/i;
const NOT_SECRET = /^(public_?key|idempotency_?key|cache_?key|key_?prefix)$/i;

export const isSecretField = (name: string) => SECRET_FIELD.test(name) && !NOT_SECRET.test(name);

const REDACTED = "[REDACTED]";

function scrubObject(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (depth > 6 || value === null || typeof value !== "object") return value;
  if (seen.has(value)) return value;
  seen.add(value);
  if (value instanceof Error || ArrayBuffer.isView(value)) return value;
  if (Array.isArray(value)) return value.map((v) => scrubObject(v, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = isSecretField(k) && v !== undefined && v !== null && v !== "" ? REDACTED : scrubObject(v, depth + 1, seen);
  }
  return out;
}

/**
 * Error fields that carry what was sent or received (grammY's `payload` is the request: a message
 * text, which may be an exported wallet key; discord.js's `requestBody`; HTTP clients' `request`,
 * `config`, `response`, `body`). An error's message, code and stack are kept; these never are.
 */
const ERROR_PAYLOAD_FIELDS = ["payload", "requestBody", "request", "config", "response", "body", "data", "headers"] as const;

function serializeError(e: unknown, depth = 0): unknown {
  if (!(e instanceof Error)) return scrubObject(e, 0, new WeakSet());
  const s = pino.stdSerializers.err(e) as unknown as Record<string, unknown>;
  for (const k of ERROR_PAYLOAD_FIELDS) delete s[k];
  const cause = (e as { cause?: unknown }).cause;
  if (cause !== undefined) s.cause = depth < 3 ? serializeError(cause, depth + 1) : "[cause]";
  return scrubObject(s, 0, new WeakSet());
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
 * and - as the last guard - every configured secret value scrubbed from the serialized line.
 */
export function createLogger(opts: LoggerOptions): PinoLogger {
  const values = [...new Set([...(opts.secrets ?? [])].filter((s) => typeof s === "string" && s.length >= 6))];
  const variants = [...new Set(values.flatMap((s) => [s, encodeURIComponent(s), JSON.stringify(s).slice(1, -1)]))].sort(
    (a, b) => b.length - a.length,
  );
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
        log: (obj) => scrubObject(obj, 0, new WeakSet()) as Record<string, unknown>,
      },
      hooks: variants.length
        ? {
            streamWrite: (line: string) => {
              let s = line;
              for (const v of variants) if (s.includes(v)) s = s.split(v).join(REDACTED);
              return s;
            },
          }
        : {},
      serializers: { err: (e: unknown) => serializeError(e), error: (e: unknown) => serializeError(e) },
    },
    opts.destination ?? pino.destination({ fd: 2, sync: false }),
  );
}
