/**
 * Token cards on Discord (issue 18): real discord.js against the fake Discord (REST + gateway), the whole
 * app behind it with the real card service on the fake Solana node and fake Jupiter (tests/helpers/card-app.ts).
 */
import { afterEach, describe, expect, it } from "vitest";
import { createDiscord } from "../../../bots/discord.js";
import { DEFAULT_GUILD, startDiscordFake, user, type DiscordFake, type Post } from "../../fakes/discord-api.js";
import { fundSol, startCardApp, type CardApp } from "../../helpers/card-app.js";

let dc: DiscordFake;
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const ann = user("111111111111111111", "ann", "Ann");
const bob = user("222222222222222222", "bob", "Bob");
const inGuild = { guildId: DEFAULT_GUILD };
const WAIT = 20_000;

async function world(): Promise<CardApp> {
  dc = await startDiscordFake();
  cleanups.push(() => dc.close());
  const w = await startCardApp({
    verified: ["freezable"],
    env: { DISCORD_TOKEN: dc.token, DISCORD_APPLICATION_ID: dc.applicationId, DISCORD_API_ROOT: dc.apiRoot },
  });
  cleanups.push(() => w.close());
  const adapter = createDiscord(w.app, { guildId: DEFAULT_GUILD });
  await adapter.start();
  cleanups.push(() => adapter.stop());
  return w;
}

type Row = { type: number; components: Array<{ type: number; custom_id?: string; label: string; style: number }> };
const rows = (p: Post) => (p.message.components ?? []) as Row[];
const labelsOf = (p: Post) => rows(p).map((r) => r.components.map((c) => c.label));
const button = (p: Post, label: string) => {
  const b = rows(p).flatMap((r) => r.components).find((c) => c.label === label);
  if (!b?.custom_id) throw new Error(`no button "${label}" on: ${p.text}`);
  return b.custom_id;
};
/** The interaction's own answer: its reply, or the deferred reply's edit. */
const answerTo = (id: string) => (p: Post) => p.interactionId === id && p.kind !== "deferred";

describe("token cards on Discord (real discord.js against a fake Discord)", () => {
  it("/token answers with the card and its buttons within Discord's limits; a stranger's press is refused privately; the owner's press previews", async () => {
    const w = await world();
    const mint = w.mint("freezable");
    const ask = dc.slash({ name: "token", options: [{ name: "query", value: mint }], user: ann, ...inGuild });
    dc.dispatchInteraction(ask);
    const card = await dc.waitFor(answerTo(ask.id), WAIT);
    expect(card.ephemeral).toBe(false); // the card is public data
    expect(card.text).toContain("Frosty (FRZ)");
    expect(card.text).toContain(mint);
    // Discord markdown as sent: one bold run (no "****" shown as stray asterisks), the dash escaped
    expect(card.text.split("\n")).toContain("**RED FLAG: Freeze authority present** \\- the issuer can freeze your tokens so you cannot sell");
    expect(card.text).toMatch(/Freeze authority: present \(/);
    expect(card.text).not.toContain("****");
    expect(labelsOf(card)).toEqual([["Buy 0.1 SOL", "Buy 0.5 SOL", "Buy 1 SOL"], ["Custom amount"]]);
    for (const r of rows(card)) {
      expect(r.type).toBe(1);
      expect(r.components.length).toBeLessThanOrEqual(5);
      for (const c of r.components) {
        expect(c.type).toBe(2);
        expect(c.custom_id!.length).toBeLessThanOrEqual(100);
        expect(c.custom_id).not.toContain(mint.slice(0, 8)); // opaque: the mint never travels in the button
        expect(c.label.length).toBeLessThanOrEqual(80);
      }
    }
    expect(rows(card).length).toBeLessThanOrEqual(5);

    await fundSol(w.app, { platform: "discord", id: ann.id });
    const stranger = dc.button({ customId: button(card, "Buy 0.1 SOL"), message: card.message, user: bob, ...inGuild });
    dc.dispatchInteraction(stranger);
    const refusal = await dc.waitFor(answerTo(stranger.id), WAIT);
    expect(refusal.kind).toBe("reply");
    expect(refusal.ephemeral).toBe(true);
    expect(refusal.text).toBe("This is not your button.");

    const owner = dc.button({ customId: button(card, "Buy 0.1 SOL"), message: card.message, user: ann, ...inGuild });
    dc.dispatchInteraction(owner);
    const preview = await dc.waitFor(answerTo(owner.id), WAIT);
    expect(preview.ephemeral).toBe(true); // a trade is the user's own business
    expect(preview.text).toContain("Buy preview");
    expect(preview.text.split("\n")).toContain("RED Freeze authority present: the issuer can freeze your tokens so you cannot sell");
    expect(labelsOf(preview)).toEqual([["I understand the risks", "Cancel"]]);
    expect(dc.messages.get(card.message.id)!.components).toEqual(card.message.components); // the public card is untouched

    const ack = dc.button({ customId: button(preview, "I understand the risks"), message: preview.message, user: ann, ...inGuild });
    dc.dispatchInteraction(ack);
    const filled = await dc.waitFor((p) => p.interactionId === ack.id && p.text.includes("Filled (paper)"), WAIT);
    expect(filled.ephemeral).toBe(true);
    expect(dc.calls.filter((c) => c.status >= 400)).toEqual([]);
  });

  it("/settings in a DM shows the user's settings with buttons; in a guild channel it only says to use a private chat", async () => {
    await world();
    const i = dc.slash({ name: "settings", user: ann, channelId: "1300000000000000001" });
    dc.dispatchInteraction(i);
    const post = await dc.waitFor(answerTo(i.id), WAIT);
    expect(post.ephemeral).toBe(true);
    expect(post.text).toContain("Your settings");
    const all = rows(post).flatMap((r) => r.components);
    expect(all.map((c) => c.label)).toEqual(expect.arrayContaining(["50 bps", "Pay with USDC", "Reset all"]));
    for (const r of rows(post)) expect(r.components.length).toBeLessThanOrEqual(5);
    for (const c of all) expect(c.custom_id!.length).toBeLessThanOrEqual(100);

    const there = dc.slash({ name: "settings", user: ann, ...inGuild });
    dc.dispatchInteraction(there);
    const told = await dc.waitFor(answerTo(there.id), WAIT);
    expect(told.text).toBe("/settings only works in a private chat with me.");
    expect(told.text).not.toContain("Your settings");
    expect(rows(told)).toEqual([]);
  });
});
