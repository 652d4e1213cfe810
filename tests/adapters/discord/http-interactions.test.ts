import { generateKeyPairSync, sign } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { createDiscord } from "../../../bots/discord.js";
import { HttpServer } from "../../../bots/http.js";
import { silentLogger } from "../../../core/ports/logger.port.js";
import { DEFAULT_GUILD, startDiscordFake, user, type DiscordFake } from "../../fakes/discord-api.js";
import { startJupiterFake, type JupiterFake } from "../../fakes/jupiter-api.js";
import { makeTestApp, type TestApp } from "../../helpers/app.js";

let dc: DiscordFake;
let jup: JupiterFake;
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const ann = user("111111111111111111", "ann", "Ann");
const PATH = "/discord/interactions";

/** An Ed25519 key pair like the Developer Portal's: the public key as 64 hex characters. */
function keyPair() {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const hex = publicKey.export({ format: "der", type: "spki" }).subarray(-32).toString("hex");
  return { hex, sign: (timestamp: string, body: string) => sign(null, Buffer.from(timestamp + body), privateKey).toString("hex") };
}

async function world(): Promise<{ app: TestApp; endpoint: string; keys: ReturnType<typeof keyPair>; ts: () => string }> {
  dc = await startDiscordFake();
  jup = await startJupiterFake();
  cleanups.push(() => dc.close(), () => jup.close());
  const keys = keyPair();
  const app = await makeTestApp({
    env: {
      DISCORD_TOKEN: dc.token,
      DISCORD_APPLICATION_ID: dc.applicationId,
      DISCORD_API_ROOT: dc.apiRoot,
      DISCORD_PUBLIC_KEY: keys.hex,
      JUPITER_API_ROOT: jup.url,
    },
  });
  cleanups.push(() => app.close());
  const http = new HttpServer(silentLogger);
  const adapter = createDiscord(app, { http, guildId: DEFAULT_GUILD, interactionsPath: PATH });
  await adapter.start();
  cleanups.push(() => adapter.stop());
  const port = await http.listen(0, "127.0.0.1");
  cleanups.push(() => http.close());
  // The signature window is checked against the app's clock.
  const ts = () => String(Math.floor(app.clock.now() / 1000));
  return { app, endpoint: `http://127.0.0.1:${port}${PATH}`, keys, ts };
}

describe("Discord HTTP interactions", () => {
  it("answers PING with type 1 and never connects to the gateway", async () => {
    const { endpoint, keys, ts } = await world();
    const res = await dc.deliverHttp(endpoint, { id: "1", type: 1, token: "t", application_id: dc.applicationId, version: 1 }, { sign: keys.sign, timestamp: ts() });
    expect(res).toEqual({ status: 200, body: { type: 1 } });
    expect(dc.gateway.identifiedSessions).toBe(0);
    expect(dc.calls.some((c) => c.path === "/gateway/bot")).toBe(false);
  });

  it("a signed /price SOL is deferred at once, then the original response is edited with the price", async () => {
    const { endpoint, keys, ts } = await world();
    const i = dc.slash({ name: "price", options: [{ name: "tokens", value: "SOL" }], user: ann, guildId: DEFAULT_GUILD });
    const res = await dc.deliverHttp(endpoint, i, { sign: keys.sign, timestamp: ts() });
    expect(res).toEqual({ status: 200, body: { type: 5 } });
    const edit = await dc.waitFor((p) => p.interactionId === i.id && p.kind === "edit");
    expect(edit.text).toMatch(/^SOL: \$147\.48/);
    expect(edit.ephemeral).toBe(false);
    const patch = dc.calls.find((c) => c.method === "PATCH")!;
    expect(patch.path).toBe(`/webhooks/${dc.applicationId}/${i.token}/messages/@original`);
  });

  it("a private command is deferred ephemerally and answered there", async () => {
    const { endpoint, keys, ts } = await world();
    const i = dc.slash({ name: "whoami", user: ann, guildId: DEFAULT_GUILD });
    const res = await dc.deliverHttp(endpoint, i, { sign: keys.sign, timestamp: ts() });
    expect(res).toEqual({ status: 200, body: { type: 5, data: { flags: 64 } } });
    const edit = await dc.waitFor((p) => p.interactionId === i.id && p.kind === "edit");
    expect(edit.ephemeral).toBe(true);
    expect(edit.text).toContain("Who you are");
  });

  it("a tampered body, an old timestamp or a missing signature gets 401 and nothing runs", async () => {
    const { app, endpoint, keys, ts } = await world();
    const tampered = dc.slash({ name: "link", user: ann, guildId: DEFAULT_GUILD });
    const r1 = await dc.deliverHttp(endpoint, tampered, { sign: keys.sign, timestamp: ts(), tamper: (b) => b.replace('"link"', '"whoami"') });
    expect(r1.status).toBe(401);
    const old = dc.slash({ name: "link", user: ann, guildId: DEFAULT_GUILD });
    const r2 = await dc.deliverHttp(endpoint, old, { sign: keys.sign, timestamp: String(Number(ts()) - 301) });
    expect(r2.status).toBe(401);
    const unsigned = dc.slash({ name: "link", user: ann, guildId: DEFAULT_GUILD });
    const r3 = await dc.deliverHttp(endpoint, unsigned, { sign: () => "", timestamp: ts() });
    expect(r3.status).toBe(401);
    const other = keyPair();
    const r4 = await dc.deliverHttp(endpoint, unsigned, { sign: other.sign, timestamp: ts() });
    expect(r4.status).toBe(401);
    await new Promise((r) => setTimeout(r, 200));
    expect(dc.posts).toEqual([]);
    expect(await app.db.db.selectFrom("link_codes").selectAll().execute()).toHaveLength(0);
    expect(await app.db.db.selectFrom("processed_updates").selectAll().execute()).toHaveLength(0);
  });
});
