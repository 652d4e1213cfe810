import { afterEach, describe, expect, it } from "vitest";
import { StreamClient } from "../helpers/stream-client.js";
import { WEB_ORIGIN, webWorld, type WebWorld } from "../helpers/web.js";

let w: WebWorld | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

const status = (p: Promise<unknown>) => p.then(
  () => 101,
  (err: { status?: number }) => err.status,
);

describe("the stream beside the web adapter (WEB=on)", () => {
  it("signs in with the dashboard's session cookie from its origin, refuses it from another; a trade confirmed over REST arrives as a fill", async () => {
    w = await webWorld();
    const url = `${w.base.replace(/^http/, "ws")}/api/v1/stream`;
    const { cookie, csrf, userId } = await w.signIn("1001");
    expect(await status(StreamClient.open(url))).toBe(401);
    expect(await status(StreamClient.open(url, { headers: { cookie: `purser_session=${cookie}`, origin: "http://evil.test" } }))).toBe(403);
    const s = await StreamClient.open(url, { headers: { cookie: `purser_session=${cookie}`, origin: WEB_ORIGIN } });
    expect((await s.type("ready")).userId).toBe(userId);

    // Someone else's token: their stream hears nothing of this user's trade.
    const other = await StreamClient.open(url, { headers: { authorization: `Bearer ${await w.newToken("read", "2002")}` } });
    await other.type("ready");

    const headers = { cookie: `purser_session=${cookie}`, origin: WEB_ORIGIN, "x-csrf-token": csrf, "content-type": "application/json" };
    const preview = await w.req("/api/v1/trades/preview", { method: "POST", headers, body: JSON.stringify({ side: "buy", token: "JUP", amount: "20" }) });
    expect(preview.status).toBe(200);
    const { preview: p } = (await preview.json()) as { preview: { actions: { confirm: string } } };
    const confirmed = await w.req(`/api/v1/actions/${encodeURIComponent(p.actions.confirm)}`, { method: "POST", headers });
    expect(confirmed.status).toBe(200);
    const fill = (await s.until((m) => m.type === "event")).event;
    expect(fill).toMatchObject({ kind: "fill", side: "buy", status: "filled", input: { symbol: "USDC", amount: "20" }, output: { symbol: "JUP", amount: "40" } });
    await other.subscribe("JUP"); // answered after the fill was told: nothing of it came before
    expect(other.messages.filter((m) => m.type === "event")).toEqual([]);
  });

  it("a message-authenticated connection with an API token; a revoked token is refused at once", async () => {
    w = await webWorld();
    const url = `${w.base.replace(/^http/, "ws")}/api/v1/stream`;
    const token = await w.newToken("read");
    const c = await StreamClient.open(`${url}?auth=message`);
    c.send({ type: "auth", token });
    await c.type("ready");
    const id = /pst_([a-f0-9]{12})_/.exec(token)![1]!;
    expect((await w.app.say(`/api token revoke ${id}`)).text).toMatch(/revoked/i);
    expect(await status(StreamClient.open(url, { headers: { authorization: `Bearer ${token}` } }))).toBe(401);
  });
});
