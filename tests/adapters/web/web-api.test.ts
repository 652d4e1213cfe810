import Ajv2020 from "ajv/dist/2020.js";
import { afterEach, describe, expect, it } from "vitest";
import { treasurySettings } from "../../helpers/treasury.js";
import { bearer, WEB_ORIGIN, webWorld, type WebWorld } from "../../helpers/web.js";

let w: WebWorld;
afterEach(async () => w?.close());

type Doc = { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>> };

/** Validates every response against the OpenAPI document the server itself serves. */
function validator(doc: Doc) {
  const ajv = new Ajv2020.default({ strict: false, allErrors: true });
  ajv.addSchema({ ...doc, $id: "openapi" });
  const esc = (s: string) => s.replace(/~/g, "~0").replace(/\//g, "~1");
  const seen: string[] = [];
  return {
    seen,
    async check(method: string, template: string, res: Response): Promise<unknown> {
      const op = doc.paths[template]?.[method];
      expect(op, `${method} ${template} is documented`).toBeDefined();
      const status = String(res.status);
      expect(op!.responses[status], `${method} ${template} documents ${status}`).toBeDefined();
      const body: unknown = await res.json();
      const ref = `openapi#/paths/${esc(template)}/${method}/responses/${status}/content/application~1json/schema`;
      const validate = ajv.getSchema(ref) ?? ajv.compile({ $ref: ref });
      if (!validate(body)) throw new Error(`${method} ${template} ${status}: ${JSON.stringify(validate.errors)} in ${JSON.stringify(body)}`);
      seen.push(`${method} ${template} ${status}`);
      return body;
    },
  };
}

describe("the REST API against its own OpenAPI document", () => {
  it("a walk through every route: each response fits the served schema", async () => {
    w = await webWorld({ ADMIN_IDS: "telegram:9000" });
    const doc = (await (await w.req("/api/v1/openapi.json")).json()) as Doc & { openapi: string };
    expect(doc.openapi).toBe("3.1.0");
    const v = validator(doc);
    const s = await w.signIn();
    const cookieH = { cookie: `purser_session=${s.cookie}` };
    const writeH = { ...cookieH, "x-csrf-token": s.csrf, origin: WEB_ORIGIN, "content-type": "application/json" };
    const token = await w.newToken("trade");
    const T = bearer(token, { "content-type": "application/json" });

    await v.check("get", "/session", await w.req("/api/v1/session", { headers: cookieH }));
    await v.check("get", "/portfolio", await w.req("/api/v1/portfolio", { headers: T }));
    await v.check("get", "/portfolio/history", await w.req("/api/v1/portfolio/history?days=7", { headers: T }));
    await v.check("get", "/prices", await w.req("/api/v1/prices?tokens=SOL,JUP", { headers: T }));
    await v.check("get", "/settings", await w.req("/api/v1/settings", { headers: T }));
    await v.check("patch", "/settings", await w.req("/api/v1/settings", { method: "PATCH", headers: T, body: JSON.stringify({ name: "slippage", value: "80" }) }));

    const preview = (await v.check("post", "/trades/preview", await w.req("/api/v1/trades/preview", { method: "POST", headers: writeH, body: JSON.stringify({ side: "buy", token: "JUP", amount: "20" }) }))) as {
      preview: { actions: { confirm: string; cancel: string } };
    };
    await v.check("post", "/actions/{action}", await w.req(`/api/v1/actions/${preview.preview.actions.confirm}`, { method: "POST", headers: writeH }));
    await v.check("post", "/actions/{action}", await w.req(`/api/v1/actions/${preview.preview.actions.confirm}`, { method: "POST", headers: writeH })); // 409
    await v.check("get", "/trades", await w.req("/api/v1/trades", { headers: T }));

    await v.check("post", "/alerts", await w.req("/api/v1/alerts", { method: "POST", headers: T, body: JSON.stringify({ token: "SOL", op: "below", price: 100 }) }));
    const alerts = (await v.check("get", "/alerts", await w.req("/api/v1/alerts", { headers: T }))) as { alerts: Array<{ id: string }> };
    await v.check("delete", "/alerts/{id}", await w.req(`/api/v1/alerts/${alerts.alerts[0]!.id}`, { method: "DELETE", headers: T }));

    const auto = (await v.check(
      "post",
      "/automations/preview",
      await w.req("/api/v1/automations/preview", { method: "POST", headers: T, body: JSON.stringify({ kind: "stop", token: "SOL", price: 100 }) }),
    )) as { preview: { actions: { confirm: string } } };
    await v.check("post", "/actions/{action}", await w.req(`/api/v1/actions/${auto.preview.actions.confirm}`, { method: "POST", headers: T }));
    const autos = (await v.check("get", "/automations", await w.req("/api/v1/automations", { headers: T }))) as { automations: Array<{ id: string }> };
    expect(autos.automations).toHaveLength(1);
    await v.check("delete", "/automations/{id}", await w.req(`/api/v1/automations/${autos.automations[0]!.id}`, { method: "DELETE", headers: T }));

    // refusals have documented shapes too
    await v.check("post", "/trades/preview", await w.req("/api/v1/trades/preview", { method: "POST", headers: T, body: JSON.stringify({ side: "hold", token: "JUP" }) })); // 400
    await v.check("get", "/portfolio", await w.req("/api/v1/portfolio")); // 401
    await v.check("get", "/treasury", await w.req("/api/v1/treasury", { headers: T })); // 403: not an admin
    await v.check("get", "/audit", await w.req("/api/v1/audit", { headers: T })); // 403
    await v.check("post", "/treasury/pause", await w.req("/api/v1/treasury/pause", { method: "POST", headers: T })); // 403

    // an admin (ADMIN_IDS) reads the audit log; this world has no treasury configured: 404
    const admin = await w.newToken("trade", "9000");
    await v.check("get", "/audit", await w.req("/api/v1/audit?limit=20", { headers: bearer(admin) }));
    await v.check("get", "/treasury", await w.req("/api/v1/treasury", { headers: bearer(admin) }));
    await v.check("delete", "/session", await w.req("/api/v1/session", { method: "DELETE", headers: writeH }));

    expect(v.seen).toEqual(
      expect.arrayContaining([
        "get /session 200",
        "get /portfolio 200",
        "get /portfolio/history 200",
        "get /prices 200",
        "get /settings 200",
        "patch /settings 200",
        "post /trades/preview 200",
        "post /actions/{action} 200",
        "post /actions/{action} 409",
        "get /trades 200",
        "post /alerts 200",
        "get /alerts 200",
        "delete /alerts/{id} 200",
        "post /automations/preview 200",
        "get /automations 200",
        "delete /automations/{id} 200",
        "delete /session 200",
        "post /trades/preview 400",
        "get /portfolio 401",
        "get /treasury 403",
        "get /audit 200",
        "get /treasury 404",
      ]),
    );
  });
});

describe("trades through the API are the chat's trades", () => {
  it("a paper buy through preview + confirm executes exactly once even when Confirm is posted twice at once", async () => {
    w = await webWorld();
    const T = bearer(await w.newToken("trade"), { "content-type": "application/json" });
    const res = await w.req("/api/v1/trades/preview", { method: "POST", headers: T, body: JSON.stringify({ side: "buy", token: "JUP", amount: "20" }) });
    expect(res.status).toBe(200);
    const { preview } = (await res.json()) as { preview: { text: string; actions: { confirm: string; cancel: string } } };
    expect(preview.text).toContain("Buy preview");
    expect(preview.text).toContain("Nothing happens until you press Confirm.");
    const both = await Promise.all([1, 2].map(() => w.req(`/api/v1/actions/${preview.actions.confirm}`, { method: "POST", headers: T })));
    const statuses = both.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 409]);
    const ok = (await both.find((r) => r.status === 200)!.json()) as { reply: { text: string } };
    expect(ok.reply.text).toContain("Filled (paper)");
    const trades = (await (await w.req("/api/v1/trades", { headers: T })).json()) as { trades: Array<{ side: string; symbol: string; amount: string; status: string }> };
    expect(trades.trades).toHaveLength(1);
    expect(trades.trades[0]).toMatchObject({ side: "buy", symbol: "JUP", amount: "40", status: "filled" });
    const pf = (await (await w.req("/api/v1/portfolio", { headers: T })).json()) as { holdings: Array<{ symbol: string; amount: string }> };
    expect(pf.holdings.find((h) => h.symbol === "JUP")?.amount).toBe("40");
    // the same order seen from the chat: one fill
    expect((await w.app.say("/balance")).text).toMatch(/JUP\s+40 JUP/);
  });

  it("a Confirm issued to one user is refused for another (403), and the owner's still works", async () => {
    w = await webWorld();
    const mine = bearer(await w.newToken("trade"), { "content-type": "application/json" });
    const theirs = bearer(await w.newToken("trade", "2002"));
    const { preview } = (await (await w.req("/api/v1/trades/preview", { method: "POST", headers: mine, body: JSON.stringify({ side: "buy", token: "JUP", amount: "20" }) })).json()) as {
      preview: { actions: { confirm: string } };
    };
    const stranger = await w.req(`/api/v1/actions/${preview.actions.confirm}`, { method: "POST", headers: theirs });
    expect(stranger.status).toBe(403);
    expect((await w.req(`/api/v1/actions/${preview.actions.confirm}`, { method: "POST", headers: mine })).status).toBe(200);
  });

  it("a non-admin gets 403 on the treasury and its pause", async () => {
    w = await webWorld();
    const s = await w.signIn();
    const h = { cookie: `purser_session=${s.cookie}`, "x-csrf-token": s.csrf, origin: WEB_ORIGIN };
    expect((await w.req("/api/v1/treasury", { headers: h })).status).toBe(403);
    expect((await w.req("/api/v1/treasury/pause", { method: "POST", headers: h })).status).toBe(403);
    expect((await w.req("/api/v1/audit", { headers: h })).status).toBe(403);
  });
});

describe("the treasury on the web", () => {
  it("an admin sees allocation against targets and pauses it through the router; a non-admin cannot see it", async () => {
    w = await webWorld({ ADMIN_IDS: "telegram:900" }, { treasury: treasurySettings() });
    const admin = bearer(await w.newToken("trade", "900"));
    const res = await w.req("/api/v1/treasury", { headers: admin });
    expect(res.status).toBe(200);
    const t = (await res.json()) as { paused: boolean; allocation: Array<{ symbol: string; target: number | null }> };
    expect(t.paused).toBe(false);
    expect(t.allocation.find((a) => a.symbol === "SOL")?.target).toBe(0.4);
    const paused = await w.req("/api/v1/treasury/pause", { method: "POST", headers: admin });
    expect(paused.status).toBe(200);
    expect(((await (await w.req("/api/v1/treasury", { headers: admin })).json()) as { paused: boolean }).paused).toBe(true);
    const user = bearer(await w.newToken("trade", "1001"));
    expect((await w.req("/api/v1/treasury", { headers: user })).status).toBe(403);
    expect((await w.req("/api/v1/treasury/resume", { method: "POST", headers: user })).status).toBe(403);
    expect(((await (await w.req("/api/v1/treasury", { headers: admin })).json()) as { paused: boolean }).paused).toBe(true);
  });
});

describe("static files", () => {
  it("serves the vendored ESM builds, with preact's hooks importing preact by URL", async () => {
    w = await webWorld();
    const hooks = await w.req("/web/vendor/preact-hooks.mjs");
    expect(hooks.status).toBe(200);
    expect(hooks.headers.get("content-type")).toContain("javascript");
    const text = await hooks.text();
    expect(text).toContain('from"/web/vendor/preact.mjs"');
    expect(text).not.toMatch(/from\s*["']preact["']/);
    for (const f of ["preact.mjs", "htm.mjs", "uplot.mjs", "uplot.css"]) expect((await w.req(`/web/vendor/${f}`)).status).toBe(200);
    expect((await w.req("/web/assets/../../../package.json")).status).toBe(404);
    expect((await w.req("/web/vendor/lodash.mjs")).status).toBe(404);
  });
});
