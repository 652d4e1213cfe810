import type { Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { WebDeps } from "./web-deps.js";
import { originOf, SESSION_COOKIE } from "./auth.js";

const TOKEN = /^[A-Za-z0-9_-]{20,100}$/;
export const LINK_REFUSED = "This sign-in link was already used or has expired";

const page = (title: string, body: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} - Purser</title><link rel="stylesheet" href="/web/login.css"></head>
<body><main class="card"><h1>Purser</h1>${body}</main><script type="module" src="/web/login.js"></script></body></html>`;

/** Fills the form from a `#<token>` link (fragments never reach the server); `?t=` links come filled. */
const LOGIN_JS = `const f=document.querySelector("input[name=t]");if(f&&!f.value&&location.hash.length>1){f.value=location.hash.slice(1);history.replaceState(null,"",location.pathname);}`;
const LOGIN_CSS = `body{font:16px system-ui,sans-serif;background:#0f1115;color:#e8e8e8;display:flex;min-height:100vh;margin:0;align-items:center;justify-content:center}.card{background:#1a1d24;padding:2rem;border-radius:12px;max-width:22rem;width:90%}button{font:inherit;padding:.7rem 1.4rem;border:0;border-radius:8px;background:#3b82f6;color:#fff;cursor:pointer;width:100%}p{line-height:1.4}`;

/**
 * Sign-in by a one-time link from a private chat: the GET only shows a page with a Sign in button (a
 * link-preview bot fetching the link consumes nothing); the POST consumes the token (once, within
 * five minutes) and sets the session cookie: HttpOnly, SameSite=Strict, Path=/, Secure behind https.
 */
export function mountLogin(app: Hono, deps: WebDeps): void {
  const secure = deps.access.baseUrl.startsWith("https:");
  const origin = originOf(deps.access.baseUrl);
  app.get("/web/login.js", (c) => c.body(LOGIN_JS, 200, { "content-type": "text/javascript; charset=utf-8" }));
  app.get("/web/login.css", (c) => c.body(LOGIN_CSS, 200, { "content-type": "text/css; charset=utf-8" }));
  app.get("/web/login", (c) => {
    const t = c.req.query("t") ?? "";
    const value = TOKEN.test(t) ? t : "";
    return c.html(
      page(
        "Sign in",
        `<p>Sign in to your Purser dashboard. This link works once.</p>
<form method="post" action="/web/login"><input type="hidden" name="t" value="${value}"><button type="submit">Sign in</button></form>`,
      ),
    );
  });
  app.post("/web/login", async (c) => {
    const sent = c.req.header("origin");
    if (sent !== undefined && sent !== "null" && sent !== origin) return c.html(page("Refused", "<p>Sign-in refused: the form came from another site.</p>"), 403);
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const t = typeof form["t"] === "string" ? form["t"] : "";
    const r = await deps.access.signIn(t);
    if (!r.ok) return c.html(page("Link used or expired", `<p>${LINK_REFUSED}. Send /web in a private chat with Purser for a new one.</p>`), 400);
    setCookie(c, SESSION_COOKIE, r.cookie, {
      httpOnly: true,
      sameSite: "Strict",
      path: "/",
      secure,
      expires: new Date(r.expiresAt),
    });
    return c.redirect("/web/", 303);
  });
  app.post("/web/logout", async (c) => {
    const sent = c.req.header("origin");
    if (sent !== undefined && sent !== origin) return c.json({ error: "csrf", message: "The request came from another origin." }, 403);
    const cookie = getCookie(c, SESSION_COOKIE);
    if (cookie) await deps.access.logout(cookie);
    deleteCookie(c, SESSION_COOKIE, { path: "/", secure, httpOnly: true, sameSite: "Strict" });
    return c.redirect("/web/login", 303);
  });
}
