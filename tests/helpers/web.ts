import { HttpServer } from "../../bots/http.js";
import { mountWeb } from "../../bots/web.js";
import { silentLogger } from "../../core/ports/logger.port.js";
import type { TreasurySettings } from "../../core/services/treasury/index.js";
import { tradingWorld, type TradingWorld } from "./trading-world.js";

/** The dashboard's public origin in tests (requests go to the loopback port; Origin headers name this). */
export const WEB_ORIGIN = "http://purser.test";

export interface WebWorld extends TradingWorld {
  /** http://127.0.0.1:<port> of the real HTTP server with /web and /api/v1 mounted. */
  base: string;
  /** A request to the server (path starts with /); never follows redirects. */
  req(path: string, init?: RequestInit): Promise<Response>;
  /** `/web` from a private chat as `who` (telegram id): the token of the one-time link. */
  linkToken(who?: string): Promise<string>;
  /** Signs in through the link: the session cookie value and its CSRF token. */
  signIn(who?: string): Promise<{ cookie: string; csrf: string; userId: string }>;
  /** `/api token new <scope>` as `who`: the token shown once. */
  newToken(scope: "read" | "trade", who?: string): Promise<string>;
}

/** A paper trading world (static prices, fake Jupiter and Solana) with the web adapter on a real HTTP server. */
export async function webWorld(env: Record<string, string> = {}, opts: { treasury?: TreasurySettings } = {}): Promise<WebWorld> {
  const w = await tradingWorld({ env: { TRADING_MODE: "paper", WEB: "on", WEB_BASE_URL: WEB_ORIGIN, ...env }, ...(opts.treasury ? { treasury: opts.treasury } : {}) });
  const http = new HttpServer(silentLogger);
  await mountWeb(w.app, http);
  const port = await http.listen(0, "127.0.0.1");
  const base = `http://127.0.0.1:${port}`;
  const req = (path: string, init: RequestInit = {}) => fetch(`${base}${path}`, { redirect: "manual", ...init });
  const linkToken = async (who = "1001") => {
    const r = await w.app.say("/web", { id: who });
    const m = /\/web\/login\?t=([A-Za-z0-9_-]+)/.exec(r.text);
    if (!m) throw new Error(`no sign-in link in: ${r.text}`);
    return m[1]!;
  };
  const signIn = async (who = "1001") => {
    const t = await linkToken(who);
    const res = await req("/web/login", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", origin: WEB_ORIGIN }, body: `t=${t}` });
    const set = res.headers.get("set-cookie") ?? "";
    const cookie = /purser_session=([^;]+)/.exec(set)?.[1];
    if (res.status !== 303 || !cookie) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
    const s = await req("/api/v1/session", { headers: { cookie: `purser_session=${cookie}` } });
    const body = (await s.json()) as { csrf: string; userId: string };
    return { cookie, csrf: body.csrf, userId: body.userId };
  };
  const newToken = async (scope: "read" | "trade", who = "1001") => {
    const r = await w.app.say(`/api token new ${scope} test`, { id: who });
    const m = /(pst_[a-f0-9]{12}_[A-Za-z0-9_-]{43})/.exec(r.text);
    if (!m) throw new Error(`no token in: ${r.text}`);
    return m[1]!;
  };
  return {
    ...w,
    base,
    req,
    linkToken,
    signIn,
    newToken,
    close: async () => {
      await http.close();
      await w.close();
    },
  };
}

export const bearer = (token: string, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${token}`, ...extra });
export const jsonBody = (v: unknown) => ({ body: JSON.stringify(v), headers: { "content-type": "application/json" } });
