import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import type { WebCaller } from "../../core/ports/web-access.port.js";
import type { WebDeps } from "./web-deps.js";

export const SESSION_COOKIE = "purser_session";
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export type WebEnv = { Variables: { caller: WebCaller; cookie?: string } };

/** An expected refusal: answered as `{ error, message }` with its status by the app's error handler. */
export class ApiError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 429,
    readonly error: string,
    message: string,
    readonly retryAfterS?: number,
  ) {
    super(message);
  }
}

export const originOf = (url: string) => new URL(url).origin;

/**
 * Who is calling /api/v1, checked on every request: `Authorization: Bearer pst_...` (no cookies, so no
 * CSRF token; rate-limited per token; a `read` token may not change anything), or the session cookie
 * (a state-changing request must carry X-CSRF-Token and, when the browser sends one, our Origin).
 * Nothing is cached: a revoked token or session fails on its next request.
 */
export function authenticate(deps: WebDeps): MiddlewareHandler<WebEnv> {
  const origin = originOf(deps.access.baseUrl);
  return async (c, next) => {
    const safe = SAFE_METHODS.has(c.req.method);
    const auth = c.req.header("authorization");
    if (auth !== undefined) {
      const m = /^Bearer\s+(\S+)$/i.exec(auth);
      const caller = m ? await deps.access.verifyToken(m[1]!) : undefined;
      if (!caller) throw new ApiError(401, "unauthorized", "The API token is unknown, malformed or revoked.");
      const rl = await deps.tokenLimiter.consume(caller.tokenId ?? caller.userId);
      if (!rl.allowed) throw new ApiError(429, "rate_limited", "Too many requests for this token.", Math.max(1, Math.ceil(rl.retryAfterMs / 1000)));
      if (!safe && caller.scope !== "trade") throw new ApiError(403, "forbidden", "This token has the read scope: it cannot change anything.");
      c.set("caller", caller);
      return next();
    }
    const cookie = getCookie(c, SESSION_COOKIE);
    const caller = cookie ? await deps.access.session(cookie) : undefined;
    if (!cookie || !caller) throw new ApiError(401, "unauthorized", "Sign in with /web in a private chat, or send an API token.");
    if (!safe) {
      const sentOrigin = c.req.header("origin");
      const csrf = c.req.header("x-csrf-token");
      if ((sentOrigin !== undefined && sentOrigin !== origin) || !csrf || !sameText(csrf, deps.access.csrfToken(cookie))) {
        throw new ApiError(403, "csrf", "The request lacks this session's X-CSRF-Token (or came from another origin).");
      }
    }
    c.set("caller", caller);
    c.set("cookie", cookie);
    return next();
  };
}

function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return d === 0;
}

/** The caller the middleware admitted. */
export const callerOf = (c: Context<WebEnv>): WebCaller => c.get("caller");

/** Headers on every response of the web adapter: CSP (no inline script, nothing from elsewhere) and friends. */
export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

export const securityHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  c.header("Content-Security-Policy", CSP);
  c.header("X-Content-Type-Options", "nosniff");
  c.header("Referrer-Policy", "no-referrer");
  c.header("X-Frame-Options", "DENY");
  if (!c.res.headers.has("cache-control")) c.header("Cache-Control", "no-store");
};
