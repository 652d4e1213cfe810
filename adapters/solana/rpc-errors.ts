import { RemoteError } from "../../core/errors.js";

/**
 * RPC failures as RemoteError("solana", ...). web3.js and node-fetch put the endpoint URL in some
 * messages, and RPC providers carry API keys in the query (Helius `?api-key=`) or the path
 * (Alchemy `/v2/KEY`), so every message goes through a redactor that removes the configured URLs
 * and anything that looks like a key parameter. No raw cause is attached: it could carry the URL.
 */

const MAX_DETAIL = 300;
const KEY_PARAM = /\b([\w-]*(?:api[-_]?key|token|secret|auth)[\w-]*=)[^&\s"'<>]+/gi;
const NOT_RETRYABLE_RPC_CODES = new Set([-32600, -32601, -32602, -32700]);
const TRANSIENT = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|ENOTFOUND|EPIPE|socket hang up|fetch failed|network|aborted|timed? ?out|Node is behind|unhealthy/i;
const PERMANENT = /Blockhash not found|signature verification fail|invalid transaction|failed to deserialize|Invalid param/i;

export type Redact = (text: string) => string;

/** A function that strips these URLs (whole, path+query, query) and key-like parameters from text. */
export function makeRedactor(urls: ReadonlyArray<string | undefined>): Redact {
  const secrets = new Set<string>();
  for (const raw of urls) {
    if (!raw) continue;
    secrets.add(raw);
    try {
      const u = new URL(raw);
      secrets.add(u.href);
      secrets.add(u.href.replace(/\/$/, ""));
      if (u.pathname.length > 1 || u.search) secrets.add(u.pathname + u.search);
      if (u.search.length > 1) secrets.add(u.search.slice(1));
      if (u.password) secrets.add(u.password);
      if (u.username) secrets.add(u.username);
    } catch {
      // not a URL: the raw string alone is removed
    }
  }
  const list = [...secrets].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const s of list) out = out.split(s).join("<rpc>");
    return out.replace(KEY_PARAM, "$1<redacted>");
  };
}

function detailOf(e: unknown): string {
  if (e instanceof Error) return e.message;
  return typeof e === "string" ? e : "unknown error";
}

function httpStatusIn(text: string): number | undefined {
  const m = /(?:^|[\s:])([1-5]\d\d) [A-Za-z][\w ]*:/.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** The RemoteError for a failed RPC call; `what` names the call ("getBalance"). */
export function rpcFailure(e: unknown, what: string, redact: Redact): RemoteError {
  if (e instanceof RemoteError) return e;
  const detail = redact(detailOf(e)).slice(0, MAX_DETAIL);
  const code = typeof (e as { code?: unknown })?.code === "number" ? ((e as { code: number }).code) : undefined;
  const status = httpStatusIn(detail);
  let retryable: boolean;
  if (status !== undefined) retryable = status === 408 || status === 429 || status >= 500;
  else if (PERMANENT.test(detail)) retryable = false;
  else if (code !== undefined) retryable = !NOT_RETRYABLE_RPC_CODES.has(code);
  else retryable = TRANSIENT.test(detail) || (e instanceof Error && /Abort|Timeout|FetchError/.test(e.name));
  return new RemoteError("solana", `solana: ${what} failed: ${detail}`, retryable, status);
}
