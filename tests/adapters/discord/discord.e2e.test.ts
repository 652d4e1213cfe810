import { afterEach, describe, expect, it } from "vitest";
import type { DiscordAdapter } from "../../../adapters/discord/discord-adapter.js";
import { createDiscord, type DiscordOptions } from "../../../bots/discord.js";
import { DEFAULT_GUILD, startDiscordFake, user, type DiscordFake } from "../../fakes/discord-api.js";
import { startJupiterFake, type JupiterFake } from "../../fakes/jupiter-api.js";
import { makeTestApp, type TestApp } from "../../helpers/app.js";
import { tempSqliteUrl } from "../../helpers/databases.js";

let dc: DiscordFake;
let jup: JupiterFake;
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const ann = user("111111111111111111", "ann", "Ann");
const bob = user("222222222222222222", "bob", "Bob");
const inGuild = { guildId: DEFAULT_GUILD };

async function fakes() {
  dc = await startDiscordFake();
  jup = await startJupiterFake();
  cleanups.push(() => dc.close(), () => jup.close());
}

const discordEnv = (env: Record<string, string> = {}) => ({
  DISCORD_TOKEN: dc.token,
  DISCORD_APPLICATION_ID: dc.applicationId,
  DISCORD_API_ROOT: dc.apiRoot,
  JUPITER_API_ROOT: jup.url,
  ...env,
});

async function boot(env: Record<string, string> = {}, opts: DiscordOptions = { guildId: DEFAULT_GUILD }) {
  const app = await makeTestApp({ env: discordEnv(env) });
  const adapter: DiscordAdapter = createDiscord(app, opts);
  await adapter.start();
  return { app, adapter };
}

async function world(env: Record<string, string> = {}, opts?: DiscordOptions): Promise<{ app: TestApp; adapter: DiscordAdapter }> {
  await fakes();
  const w = await boot(env, opts);
  cleanups.push(() => w.app.close(), () => w.adapter.stop());
  return w as { app: TestApp; adapter: DiscordAdapter };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("Discord end to end (real discord.js against a fake Discord)", () => {
  it("/price SOL gets a public embed with the price, source and age", async () => {
    await world();
    const i = dc.slash({ name: "price", options: [{ name: "tokens", value: "SOL" }], user: ann, ...inGuild });
    dc.dispatchInteraction(i);
    const post = await dc.waitFor((p) => p.interactionId === i.id);
    expect(post.kind).toBe("reply");
    expect(post.text).toMatch(/^SOL: \$147\.48\s+\+1\.29% 24h\s+\(jupiter, \d+ s ago\)$/);
    expect(post.ephemeral).toBe(false);
    expect(dc.callbacks.map((c) => [c.type, c.status])).toEqual([[4, 204]]);
  });

  it("a slow command is deferred within 3 s, then the deferred reply is edited with the answer", async () => {
    await world({ PRICE_TIMEOUT_MS: "6000" });
    jup.enqueue({ delayMs: 3500 });
    const i = dc.slash({ name: "price", options: [{ name: "tokens", value: "SOL" }], user: ann, ...inGuild });
    dc.dispatchInteraction(i);
    const deferred = await dc.waitForCallback((c) => c.interactionId === i.id);
    expect(deferred.type).toBe(5);
    expect(deferred.after).toBeGreaterThanOrEqual(1500);
    expect(deferred.after).toBeLessThan(3000);
    expect(deferred.status).toBe(204);
    const edit = await dc.waitFor((p) => p.interactionId === i.id && p.kind === "edit", 8000);
    expect(edit.text).toContain("SOL: $147.48");
    expect(edit.ephemeral).toBe(false);
    expect(dc.callbacks.filter((c) => c.interactionId === i.id)).toHaveLength(1);
  });

  it("a button pressed by another member gets an ephemeral refusal; the owner's press updates the message", async () => {
    await world();
    jup.tokens = [
      { id: "Moon1111111111111111111111111111111111111111", name: "Moon Token", symbol: "MOON", decimals: 6, isVerified: true },
      { id: "Moon2222222222222222222222222222222222222222", name: "Moon Scam", symbol: "MOON", decimals: 9, isVerified: false },
    ];
    jup.setUsdPrice("Moon1111111111111111111111111111111111111111", 0.25);
    const ask = dc.slash({ name: "price", options: [{ name: "tokens", value: "moon" }], user: ann, ...inGuild });
    dc.dispatchInteraction(ask);
    const choices = await dc.waitFor((p) => p.interactionId === ask.id);
    expect(choices.text).toContain("matches 2 tokens");
    const rows = choices.message.components as Array<{ components: Array<{ custom_id: string; label: string }> }>;
    const first = rows[0]!.components[0]!;
    expect(first.custom_id).toMatch(/^a1\./); // opaque token, never the mint
    expect(first.label).toContain("Moon Token");

    const stranger = dc.button({ customId: first.custom_id, message: choices.message, user: bob, ...inGuild });
    dc.dispatchInteraction(stranger);
    const refusal = await dc.waitFor((p) => p.interactionId === stranger.id);
    expect(refusal.kind).toBe("reply");
    expect(refusal.ephemeral).toBe(true);
    expect(refusal.text).toBe("This is not your button.");

    const owner = dc.button({ customId: first.custom_id, message: choices.message, user: ann, ...inGuild });
    dc.dispatchInteraction(owner);
    const answer = await dc.waitFor((p) => p.interactionId === owner.id);
    expect(answer.kind).toBe("update"); // the choices are replaced by the answer
    expect(answer.message.id).toBe(choices.message.id);
    expect(answer.text).toMatch(/^MOON: \$0\.25/);
    expect(answer.message.components).toEqual([]);
  });

  it("/chart sends the PNG as a multipart attachment that its embed shows", async () => {
    await world();
    const i = dc.slash({ name: "chart", options: [{ name: "token", value: "SOL" }, { name: "range", value: "30d" }], user: ann, ...inGuild });
    dc.dispatchInteraction(i);
    const post = await dc.waitFor((p) => p.interactionId === i.id && p.kind !== "deferred", 8000);
    expect(post.files).toHaveLength(1);
    expect(post.files[0]).toMatchObject({ field: "files[0]", name: "chart.png", type: "image/png" });
    expect(post.files[0]!.data.subarray(0, 4)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    expect(post.text).toContain("[image attachment://chart.png]");
    expect(post.text).toMatch(/Source: replay/);
    expect((post.message.attachments as Array<{ filename: string }>).map((a) => a.filename)).toEqual(["chart.png"]);
  });

  it("a private reply (/whoami) is ephemeral, in a guild channel and in a DM", async () => {
    await world();
    const i = dc.slash({ name: "whoami", user: ann, ...inGuild });
    dc.dispatchInteraction(i);
    const post = await dc.waitFor((p) => p.interactionId === i.id);
    expect(post.ephemeral).toBe(true);
    expect(post.text).toContain("Who you are");
    expect(post.text).toContain("Name: Ann");
    expect(post.text).toContain("Here: discord (group chat)");
    const dm = dc.slash({ name: "whoami", user: ann, channelId: "1300000000000000001" });
    dc.dispatchInteraction(dm);
    const inDm = await dc.waitFor((p) => p.interactionId === dm.id);
    expect(inDm.text).toContain("Here: discord (private chat)");
    expect(inDm.ephemeral).toBe(true);
  });

  it("a slash command this version no longer has (a stale registration) still gets the hint in a guild channel", async () => {
    await world();
    const i = dc.slash({ name: "prise", options: [{ name: "tokens", value: "SOL" }], user: ann, ...inGuild });
    dc.dispatchInteraction(i);
    const post = await dc.waitFor((p) => p.interactionId === i.id);
    expect(post.text).toContain("I don't know /prise. Did you mean /price?");
    expect(post.ephemeral).toBe(true);
  });

  it("a repeated interaction id is processed once", async () => {
    const { app } = await world();
    const i = dc.slash({ name: "link", user: ann, ...inGuild });
    dc.dispatchInteraction(i);
    await dc.waitFor((p) => p.interactionId === i.id);
    dc.dispatchInteraction(i);
    await sleep(400);
    expect(dc.callbacks.filter((c) => c.interactionId === i.id)).toHaveLength(1);
    expect(dc.calls.filter((c) => c.status >= 400)).toEqual([]);
    expect(await app.db.db.selectFrom("link_codes").selectAll().execute()).toHaveLength(1);
  });

  it("token options autocomplete from the built-in registry", async () => {
    await world();
    const i = dc.autocomplete({ name: "price", options: [{ name: "tokens", value: "SOL j", focused: true }], user: ann, ...inGuild });
    dc.dispatchInteraction(i);
    const cb = await dc.waitForCallback((c) => c.interactionId === i.id);
    expect(cb.type).toBe(8);
    expect((cb.data!.choices as Array<{ value: string }>).map((c) => c.value)).toEqual(["SOL JTO", "SOL JUP"]);
  });

  it("registers the slash commands once, and not again after an unchanged restart on the same database", async () => {
    await fakes();
    const url = await tempSqliteUrl();
    const first = await boot({ DATABASE_URL: url });
    await first.adapter.stop();
    await first.app.close();
    const puts = dc.commandPuts();
    expect(puts).toHaveLength(1);
    expect(puts[0]!.path).toBe(`/applications/${dc.applicationId}/guilds/${DEFAULT_GUILD}/commands`);
    const defs = puts[0]!.body as Array<Record<string, unknown> & { name: string; options: Array<Record<string, unknown>> }>;
    const names = defs.map((d) => d.name);
    expect(names).toContain("price");
    expect(names).not.toContain("p"); // aliases are not registered
    const price = defs.find((d) => d.name === "price")!;
    expect(price.options).toEqual([
      { type: 3, name: "tokens", description: "Tokens, space-separated (e.g. SOL JUP BONK)", required: true, autocomplete: true },
    ]);
    expect(defs.find((d) => d.name === "audit")).toMatchObject({
      default_member_permissions: "0",
      options: [{ type: 4, name: "count", min_value: 1, max_value: 100 }],
    });
    expect(defs.find((d) => d.name === "chart")!.options[1]).toMatchObject({ name: "range", choices: ["1d", "7d", "30d", "90d"].map((v) => ({ name: v, value: v })) });
    for (const d of defs) expect((d.description as string).length).toBeLessThanOrEqual(100);

    const again = await boot({ DATABASE_URL: url });
    cleanups.push(() => again.app.close(), () => again.adapter.stop());
    expect(dc.commandPuts()).toHaveLength(1); // unchanged: nothing sent
    const i = dc.slash({ name: "start", user: ann, ...inGuild });
    dc.dispatchInteraction(i);
    expect((await dc.waitFor((p) => p.interactionId === i.id)).text).toContain("Welcome");
  });

  it("global registration (no guild id) goes to the global route with DM contexts", async () => {
    await world({}, {});
    const puts = dc.commandPuts();
    expect(puts.map((p) => p.path)).toEqual([`/applications/${dc.applicationId}/commands`]);
    expect((puts[0]!.body as Array<Record<string, unknown>>)[0]).toMatchObject({ contexts: [0, 1], integration_types: [0] });
  });
});
