import { afterEach, describe, expect, it } from "vitest";
import { HttpServer } from "../../bots/http.js";
import { mountWeb } from "../../bots/web.js";
import { silentLogger } from "../../core/ports/logger.port.js";
import { makeTestApp } from "../helpers/app.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe("HttpServer.mount", () => {
  it("routes a prefix and everything under it to a fetch app; exact routes win; /webhook is not /web", async () => {
    const http = new HttpServer(silentLogger);
    const seen: string[] = [];
    http.route("/web/exact", (_req, res) => void res.writeHead(200).end("exact"));
    http.route("/webhook", (_req, res) => void res.writeHead(200).end("hook"));
    http.mount("/web", async (req) => {
      seen.push(`${req.method} ${new URL(req.url).pathname} ${req.method === "POST" ? await req.text() : ""}`);
      const h = new Headers({ "content-type": "text/plain" });
      h.append("set-cookie", "a=1; Path=/");
      h.append("set-cookie", "b=2; Path=/");
      return new Response("mounted", { status: 201, headers: h });
    });
    const port = await http.listen(0, "127.0.0.1");
    cleanups.push(() => http.close());
    const base = `http://127.0.0.1:${port}`;
    const a = await fetch(`${base}/web/x/y?z=1`);
    expect(a.status).toBe(201);
    expect(await a.text()).toBe("mounted");
    expect(a.headers.getSetCookie()).toEqual(["a=1; Path=/", "b=2; Path=/"]);
    expect(await (await fetch(`${base}/web`)).text()).toBe("mounted");
    expect(await (await fetch(`${base}/web/exact`)).text()).toBe("exact");
    expect(await (await fetch(`${base}/webhook`)).text()).toBe("hook");
    expect((await fetch(`${base}/webx`)).status).toBe(404);
    await fetch(`${base}/web/post`, { method: "POST", body: "hello" });
    expect(seen).toContain("POST /web/post hello");
    // the body cap holds for mounted apps too
    expect((await fetch(`${base}/web/big`, { method: "POST", body: "x".repeat((1 << 20) + 1) })).status).toBe(413);
  });

  it("WEB=off mounts nothing and /web says the dashboard is off", async () => {
    const app = await makeTestApp({ env: { WEB: "off" } });
    cleanups.push(() => app.close());
    const http = new HttpServer(silentLogger);
    expect(await mountWeb(app, http)).toBeUndefined();
    expect(http.size).toBe(0);
    expect((await app.say("/web")).text).toContain("The web dashboard is off");
  });
});
