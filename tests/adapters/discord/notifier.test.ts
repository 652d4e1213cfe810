import { afterEach, describe, expect, it } from "vitest";
import { createDiscord } from "../../../bots/discord.js";
import type { Reply } from "../../../core/domain/message.js";
import type { Notifier } from "../../../core/ports/notifier.port.js";
import { startDiscordFake, type DiscordFake } from "../../fakes/discord-api.js";
import { makeTestApp } from "../../helpers/app.js";

let dc: DiscordFake;
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const ANN = "111111111111111111";
const alert: Reply = { kind: "warning", blocks: [{ type: "text", spans: [{ text: "SOL", style: "bold" }, " crossed above $200"] }] };
const fill: Reply = { kind: "success", blocks: [{ type: "table", rows: [["Paid", "10 USDC"], ["Got", "0.05 SOL"]] }], private: true };

async function notifier(notifyChannelId?: string): Promise<Notifier> {
  dc = await startDiscordFake();
  cleanups.push(() => dc.close());
  const app = await makeTestApp({ env: { DISCORD_TOKEN: dc.token, DISCORD_APPLICATION_ID: dc.applicationId, DISCORD_API_ROOT: dc.apiRoot } });
  cleanups.push(() => app.close());
  const adapter = createDiscord(app, notifyChannelId ? { notifyChannelId } : {});
  cleanups.push(() => adapter.stop());
  return adapter.notifier();
}

describe("Discord notifier", () => {
  it("a 429 on the DM route is waited out by discord.js and the message arrives once", async () => {
    const n = await notifier();
    dc.rateLimitOnce("POST", /^\/channels\/\d+\/messages$/, 1);
    const t0 = Date.now();
    const r = await n.send(ANN, alert);
    expect(r).toMatchObject({ ok: true });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    const sends = dc.calls.filter((c) => c.method === "POST" && /^\/channels\/\d+\/messages$/.test(c.path));
    expect(sends.map((c) => c.status)).toEqual([429, 200]);
    const dms = dc.posts.filter((p) => p.kind === "channel");
    expect(dms).toHaveLength(1);
    expect(dms[0]!.text).toBe("**SOL** crossed above $200");
    expect(dms[0]!.message.id).toBe((r as { messageIds: string[] }).messageIds[0]);
    // The DM channel is created once and remembered.
    await n.send(ANN, alert);
    expect(dc.calls.filter((c) => c.path === "/users/@me/channels")).toHaveLength(1);
  });

  it("a user who cannot be messaged (50007) is permanent; a server error is retryable", async () => {
    const n = await notifier();
    dc.closedDms.add(ANN);
    expect(await n.send(ANN, alert)).toMatchObject({ ok: false, permanent: true, reason: "Cannot send messages to this user" });
    dc.closedDms.clear();
    for (let i = 0; i < 4; i++) dc.failNext("POST", /^\/channels\/\d+\/messages$/, 502, { message: "Bad Gateway", code: 0 });
    expect(await n.send(ANN, alert)).toMatchObject({ ok: false, permanent: false });
    expect(dc.posts).toEqual([]); // nothing was lost: the outbox sends it again later
    expect(await n.send(ANN, alert)).toMatchObject({ ok: true });
  });

  it("with a notify channel, alerts go there mentioning the user, while private pushes still go by DM", async () => {
    const channel = "999999999999999999";
    const n = await notifier(channel);
    expect(await n.send(ANN, alert)).toMatchObject({ ok: true });
    const posted = dc.calls.find((c) => c.path === `/channels/${channel}/messages`)!;
    expect(posted.body).toMatchObject({ content: `<@${ANN}>`, allowed_mentions: { parse: [], users: [ANN] } });
    expect(await n.send(ANN, fill)).toMatchObject({ ok: true });
    const dm = dc.calls.filter((c) => /^\/channels\/\d+\/messages$/.test(c.path) && c.path !== `/channels/${channel}/messages`);
    expect(dm).toHaveLength(1);
    expect(dc.calls.filter((c) => c.path === "/users/@me/channels")).toHaveLength(1);
    // Losing access to the channel is the operator's problem: kept for retry, not dropped as "user unreachable".
    dc.failNext("POST", new RegExp(`^/channels/${channel}/messages$`), 403, { message: "Missing Access", code: 50001 });
    expect(await n.send(ANN, alert)).toMatchObject({ ok: false, permanent: false });
  });
});
