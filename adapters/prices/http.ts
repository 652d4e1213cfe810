import { RemoteError } from "../../core/errors.js";

/**
 * A small JSON-over-HTTP GET on Node's global fetch, for the price adapters.
 *
 * Every failure comes out as a RemoteError that says whether a retry can help:
 * - timeouts, aborts, network errors, 408, 429 and 5xx: retryable;
 * - other 4xx, redirects, oversized bodies: not retryable;
 * - a 2xx body that is not JSON: NOT retryable. A 200 that is not JSON almost always means the
 *   configured root points at something that is not the API (an HTML page, a proxy login);
 *   asking again at once repeats it and burns the rate budget. A body cut short by the network
 *   fails while reading and is reported as a (retryable) network error instead.
 * Messages name the service, the method and the path only: never the query, never a header
 * value. Header values that appear in an error body echoed by the server are redacted.
 */

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_BYTES = 2 * 1024 * 1024;
const ERROR_SNIPPET_CHARS = 200;
const ERROR_BODY_READ_BYTES = 8 * 1024;

/** A RemoteError that may carry how long the server asked us to wait (429/503 Retry-After). */
export class HttpRemoteError extends RemoteError {
  constructor(
    service: string,
    message: string,
    retryable: boolean,
    status?: number,
    /** Milliseconds the server asked us to wait before trying again, when it said so. */
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(service, message, retryable, status, options);
  }
}

export interface GetJsonOptions {
  /** Service name used in errors ("jupiter", "pyth"). */
  service: string;
  headers?: Record<string, string>;
  /** Whole-request timeout including reading the body. Default 10 s. */
  timeoutMs?: number;
  /** Outer cancellation (a resilience policy's per-attempt signal). */
  signal?: AbortSignal;
  /** Largest body accepted. Default 2 MiB. */
  maxBytes?: number;
  /** Wall clock for Retry-After dates. Default Date.now. */
  now?: () => number;
}

/**
 * Retry-After as milliseconds from `nowMs`: delay-seconds ("120", decimals tolerated) or an
 * HTTP date. Undefined when absent or unparseable; never negative.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value == null) return undefined;
  const v = value.trim();
  if (v === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  // HTTP-date forms all have a day or month name and hh:mm:ss; Date.parse alone is too lenient.
  if (!/[A-Za-z]{3}/.test(v) || !/\d{1,2}:\d{2}:\d{2}/.test(v)) return undefined;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/** GET `url` and parse its JSON body. Throws HttpRemoteError on every failure. */
export async function getJson(url: string | URL, opts: GetJsonOptions): Promise<unknown> {
  const u = typeof url === "string" ? new URL(url) : url;
  const { service } = opts;
  const what = `GET ${u.pathname}`;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const headers = opts.headers ?? {};
  const timeoutSignal = AbortSignal.timeout(timeoutMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeoutSignal]) : timeoutSignal;
  const failure = (e: unknown) => transportError(e, service, what, timeoutMs, timeoutSignal, opts.signal);

  let res: Response;
  try {
    res = await fetch(u, {
      method: "GET",
      headers: { accept: "application/json", ...headers },
      signal,
      redirect: "manual",
    });
  } catch (e) {
    throw failure(e);
  }

  if (res.status >= 300 && res.status < 400) {
    await discard(res);
    throw new HttpRemoteError(service, `${service}: ${what} answered with a redirect (HTTP ${res.status})`, false, res.status);
  }

  if (!res.ok) {
    const snippet = await errorSnippet(res, headers);
    const retryable = res.status === 408 || res.status === 429 || res.status >= 500;
    const retryAfterMs =
      res.status === 429 || res.status === 503
        ? parseRetryAfter(res.headers.get("retry-after"), (opts.now ?? Date.now)())
        : undefined;
    const detail = snippet ? `: ${snippet}` : "";
    throw new HttpRemoteError(service, `${service}: ${what} failed with HTTP ${res.status}${detail}`, retryable, res.status, retryAfterMs);
  }

  const declared = Number(res.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await discard(res);
    throw tooLarge(service, what, maxBytes, res.status);
  }

  let bytes: Buffer;
  try {
    const read = await readCapped(res, maxBytes);
    if (read === "too-large") throw tooLarge(service, what, maxBytes, res.status);
    bytes = read;
  } catch (e) {
    if (e instanceof HttpRemoteError) throw e;
    throw failure(e);
  }

  const text = bytes.toString("utf8");
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpRemoteError(
      service,
      `${service}: ${what} returned a body that is not JSON (${bytes.length} bytes)`,
      false,
      res.status,
    );
  }
}

function tooLarge(service: string, what: string, maxBytes: number, status: number) {
  return new HttpRemoteError(service, `${service}: ${what} response is larger than ${maxBytes} bytes`, false, status);
}

function transportError(
  e: unknown,
  service: string,
  what: string,
  timeoutMs: number,
  timeoutSignal: AbortSignal,
  outer: AbortSignal | undefined,
): HttpRemoteError {
  if (e instanceof HttpRemoteError) return e;
  if (timeoutSignal.aborted) {
    return new HttpRemoteError(service, `${service}: ${what} timed out after ${timeoutMs} ms`, true, undefined, undefined, { cause: e });
  }
  if (outer?.aborted) {
    return new HttpRemoteError(service, `${service}: ${what} was cancelled`, true, undefined, undefined, { cause: e });
  }
  const code = errorCode(e);
  const detail = code ? ` (${code})` : "";
  return new HttpRemoteError(service, `${service}: ${what} network error${detail}`, true, undefined, undefined, { cause: e });
}

/** undici wraps the socket error: TypeError("fetch failed", { cause: { code: "ECONNREFUSED" } }). */
function errorCode(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let i = 0; i < 4 && cur && typeof cur === "object"; i++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === "string" && /^[A-Z0-9_]+$/.test(code)) return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

async function readCapped(res: Response, maxBytes: number): Promise<Buffer | "too-large"> {
  if (!res.body) return Buffer.alloc(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return "too-large";
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

async function discard(res: Response): Promise<void> {
  await res.body?.cancel().catch(() => undefined);
}

/** The first few hundred printable characters of an error body, with header values redacted. */
async function errorSnippet(res: Response, headers: Record<string, string>): Promise<string> {
  let text: string;
  try {
    const read = await readCapped(res, ERROR_BODY_READ_BYTES);
    text = read === "too-large" ? "" : read.toString("utf8");
  } catch {
    return "";
  }
  text = redact(text, Object.values(headers));
  const printable = text.replace(/[\u0000-\u001f\u007f]+/g, " ").trim();
  return printable.length > ERROR_SNIPPET_CHARS ? `${printable.slice(0, ERROR_SNIPPET_CHARS)}...` : printable;
}

/** Replaces every secret-looking value (6+ chars) by [REDACTED]. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) {
    if (s.length >= 6) out = out.split(s).join("[REDACTED]");
  }
  return out;
}
