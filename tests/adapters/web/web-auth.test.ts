import { afterEach, describe, expect, it } from "vitest";
import { LOGIN_LINK_TTL_MS } from "../../../core/services/web/web-access.service.js";
import { bearer, WEB_ORIGIN, webWorld, type WebWorld } from "../../helpers/web.js";

let w: WebWorld;
afterEach(async () => w?.close());

const form = (t: string) => ({ method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", origin: WEB_ORIGIN }, body: `t=${t}` });

describe("signing in to the web dashboard from a chat", () => {
  it("the link's page consumes nothing; its POST signs in once with a strict cookie; a reused link is refused", async () => {
    w = await webWorld();
    const t = await w.linkToken();
    // a link-preview bot fetching the link twice does not use it up
    for (let i = 0; i < 2; i++) {
      const page = await w.req(`/web/login?t=${t}`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain(`name="t" value="${t}"`);
    }
    const res = await w.req("/web/login", form(t));
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/web/");
    const cookie = res.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^purser_session=[A-Za-z0-9_-]{43};/);
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Strict");
    expect(cookie).toContain("Path=/");
    expect(cookie).not.toContain("Secure"); // http origin: Secure only behind https

    const again = await w.req("/web/login", form(t));
    expect(again.status).toBe(400);
    expect(await again.text()).toContain("This sign-in link was already used or has expired");
    expect(again.headers.get("set-cookie")).toBeNull();
  });

  it("a link older than five minutes is refused (fake clock), one just inside works", async () => {
    w = await webWorld();
    const late = await w.linkToken();
    const inTime = await w.linkToken();
    w.clock.advance(LOGIN_LINK_TTL_MS - 1);
    expect((await w.req("/web/login", form(inTime))).status).toBe(303);
    w.clock.advance(1);
    const res = await w.req("/web/login", form(late));
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("This sign-in link was already used or has expired");
  });

  it("behind https the cookie is also Secure", async () => {
    w = await webWorld({ WEB_BASE_URL: "https://purser.example" });
    const t = await w.linkToken();
    const res = await w.req("/web/login", { ...form(t), headers: { "content-type": "application/x-www-form-urlencoded", origin: "https://purser.example" } });
    expect(res.status).toBe(303);
    expect(res.headers.get("set-cookie")).toMatch(/; Secure/);
  });

  it("a session answers /session with a CSRF token; /web logout all ends it at once; sign-ins are audited", async () => {
    w = await webWorld();
    const s = await w.signIn();
    const who = await w.req("/api/v1/session", { headers: { cookie: `purser_session=${s.cookie}` } });
    expect(who.status).toBe(200);
    const body = (await who.json()) as { userId: string; role: string; csrf: string };
    expect(body.role).toBe("user");
    expect(body.csrf).toBe(s.csrf);
    expect((await w.app.say("/web logout all")).text).toContain("1 web session ended");
    expect((await w.req("/api/v1/portfolio", { headers: { cookie: `purser_session=${s.cookie}` } })).status).toBe(401);
    const audit = await w.app.services.audit.recent(50);
    expect(audit.map((e) => e.action)).toEqual(expect.arrayContaining(["web.link_issued", "web.sign_in", "web.logout_all"]));
  });

  it("every HTML page carries the strict CSP and nosniff", async () => {
    w = await webWorld();
    const page = await w.req(`/web/login?t=${await w.linkToken()}`);
    expect(page.headers.get("content-security-policy")).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    );
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");
    expect(page.headers.get("referrer-policy")).toBe("no-referrer");
    expect(await page.text()).not.toMatch(/<script>(?!<)/); // no inline script
  });
});

describe("CSRF and Origin on state-changing requests with a cookie", () => {
  it("refuses a POST without X-CSRF-Token or from another origin, accepts it with both", async () => {
    w = await webWorld();
    const s = await w.signIn();
    const alert = JSON.stringify({ token: "SOL", op: "above", price: 500 });
    const headers = { cookie: `purser_session=${s.cookie}`, "content-type": "application/json" };
    const none = await w.req("/api/v1/alerts", { method: "POST", headers, body: alert });
    expect(none.status).toBe(403);
    expect(await none.json()).toMatchObject({ error: "csrf" });
    const wrong = await w.req("/api/v1/alerts", { method: "POST", headers: { ...headers, "x-csrf-token": "nope" }, body: alert });
    expect(wrong.status).toBe(403);
    const foreign = await w.req("/api/v1/alerts", { method: "POST", headers: { ...headers, "x-csrf-token": s.csrf, origin: "http://evil.test" }, body: alert });
    expect(foreign.status).toBe(403);
    expect(await foreign.json()).toMatchObject({ error: "csrf" });
    const ok = await w.req("/api/v1/alerts", { method: "POST", headers: { ...headers, "x-csrf-token": s.csrf, origin: WEB_ORIGIN }, body: alert });
    expect(ok.status).toBe(200);
    const list = (await (await w.req("/api/v1/alerts", { headers })).json()) as { alerts: Array<{ text: string }> };
    expect(list.alerts).toHaveLength(1);
  });
});

describe("API tokens", () => {
  it("a read token reads but cannot trade (403); a revoked token gets 401 at once", async () => {
    w = await webWorld();
    const read = await w.newToken("read");
    expect((await w.req("/api/v1/portfolio", { headers: bearer(read) })).status).toBe(200);
    const trade = await w.req("/api/v1/trades/preview", {
      method: "POST",
      headers: bearer(read, { "content-type": "application/json" }),
      body: JSON.stringify({ side: "buy", token: "JUP", amount: "20" }),
    });
    expect(trade.status).toBe(403);
    expect(((await trade.json()) as { error: string }).error).toBe("forbidden");
    const id = /pst_([a-f0-9]{12})_/.exec(read)![1]!;
    expect((await w.app.say("/api token list")).text).toContain(id);
    expect((await w.app.say(`/api token revoke ${id}`)).text).toContain("stops working at once");
    expect((await w.req("/api/v1/portfolio", { headers: bearer(read) })).status).toBe(401);
    const audit = (await w.app.services.audit.recent(50)).map((e) => e.action);
    expect(audit).toEqual(expect.arrayContaining(["api.token_created", "api.token_revoked"]));
  });

  it("another user cannot revoke my token, and a forged token is 401", async () => {
    w = await webWorld();
    const mine = await w.newToken("trade");
    const id = /pst_([a-f0-9]{12})_/.exec(mine)![1]!;
    expect((await w.app.say(`/api token revoke ${id}`, { id: "2002" })).text).toContain("no live API token");
    expect((await w.req("/api/v1/trades", { headers: bearer(mine) })).status).toBe(200);
    expect((await w.req("/api/v1/trades", { headers: bearer(`${mine.slice(0, -1)}A`) })).status).toBe(401);
  });

  it("each token is rate-limited: over API_TOKEN_RATE_PER_MIN it gets 429 with Retry-After", async () => {
    w = await webWorld({ API_TOKEN_RATE_PER_MIN: "3" });
    const t = await w.newToken("read");
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 4; i++) statuses.push((last = await w.req("/api/v1/trades", { headers: bearer(t) })).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(Number(last!.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await last!.json()).toMatchObject({ error: "rate_limited" });
  });
});

describe("commands only in a private chat", () => {
  it("/web and /api token are refused in a group and issue nothing", async () => {
    w = await webWorld();
    const web = await w.app.say("/web", { chat: "group" });
    expect(web.text).toContain("only works in a private chat");
    expect(web.text).not.toContain("/web/login");
    const api = await w.app.say("/api token new read", { chat: "group" });
    expect(api.text).toContain("only works in a private chat");
    expect(api.text).not.toContain("pst_");
  });
});
