import { STATUS_CODES, type IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";

/** Who a stream connection belongs to, and what their credential allows (a session, or a token's scope). */
export interface StreamPrincipal {
  userId: string;
  scope: string;
}

/**
 * How the stream checks credentials: the same sessions and API tokens as the REST API (bots wire it to
 * them). Each call looks the credential up again (a revoked one answers undefined at once).
 */
export interface StreamAuth {
  /** The user of a `purser_session` cookie value; undefined: unknown, expired or signed out. */
  session(cookieValue: string): Promise<StreamPrincipal | undefined>;
  /** The user of an API token (`pst_<id>_<secret>`); undefined: unknown or revoked. */
  token(token: string): Promise<StreamPrincipal | undefined>;
}

/** What an upgrade request presents: a bearer token, the session cookie, or a promise of an `auth` message. */
export type Presented = { kind: "bearer"; token: string } | { kind: "cookie"; value: string; origin: string | undefined } | { kind: "message" };

export const SESSION_COOKIE = "purser_session";

/** One cookie's value from a Cookie header (the first of that name), undecoded. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      const v = part.slice(eq + 1).trim();
      return v.length ? v : undefined;
    }
  }
  return undefined;
}

/**
 * The credential an upgrade request carries: `Authorization: Bearer` first, then the session cookie,
 * then `?auth=message` (the client authenticates with its first message: browsers cannot set headers on
 * a WebSocket). Nothing of these: undefined (refused with 401).
 */
export function presented(req: IncomingMessage, cookieName = SESSION_COOKIE): Presented | undefined {
  const authz = req.headers.authorization;
  if (authz) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authz);
    return m ? { kind: "bearer", token: m[1]! } : undefined;
  }
  const value = cookieValue(req.headers.cookie, cookieName);
  if (value) return { kind: "cookie", value, origin: req.headers.origin };
  const query = (req.url ?? "").split("?")[1];
  if (query && new URLSearchParams(query).get("auth") === "message") return { kind: "message" };
  return undefined;
}

/**
 * A cookie is sent by the browser whatever page opens the socket (cross-site WebSocket hijacking), so a
 * cookie session is accepted only from the dashboard's own origin. Browsers always send Origin on a
 * WebSocket handshake: a missing one is refused too.
 */
export function originAllowed(origin: string | undefined, allowed: string): boolean {
  if (!origin) return false;
  try {
    return new URL(origin).origin === new URL(allowed).origin;
  } catch {
    return false;
  }
}

/** An HTTP answer to an upgrade request that is not accepted, then the socket is closed. */
export function refuse(socket: Duplex, status: number, headers: Record<string, string> = {}): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const text = STATUS_CODES[status] ?? "error";
  const lines = [`HTTP/1.1 ${status} ${text}`, "Connection: close", "Content-Type: text/plain", `Content-Length: ${Buffer.byteLength(text)}`];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  socket.end(`${lines.join("\r\n")}\r\n\r\n${text}`);
}
