import { afterEach, describe, expect, it } from "vitest";
import { BUILTIN_TOKENS } from "../../../core/domain/builtin-tokens.js";
import { XWorld } from "./world.js";

const SOL = BUILTIN_TOKENS.find((t) => t.symbol === "SOL")!;
let w: XWorld | undefined;
afterEach(async () => {
  await w?.cleanup();
  w = undefined;
});

/** A Telegram user links their X account, sets an alert on Telegram, and the alert fires. */
async function linkedUserFiresAlert(dmAlerts: boolean) {
  w = await XWorld.create();
  const { app, tw } = await w.boot({ env: { TWITTER_DM_ALERTS: String(dmAlerts) }, twitter: { dmAlerts } });
  app.services.notifications.register(tw.notifier());
  const telegram: string[] = [];
  app.services.notifications.register({ platform: "telegram", send: async (chatId) => (telegram.push(chatId), { ok: true, messageIds: ["1"] }) });
  const code = /Your link code: (\S+)/.exec((await app.say("/link", { platform: "telegram", id: "4242" })).text)![1]!;
  const t = w.x.mention({ username: "judy" }, `@PurserBot link ${code}`);
  await w.x.waitFor((p) => p.inReplyTo === t.id);
  app.clock.advance(60_000); // (the link evicted this process's cached identity at once)
  expect((await app.say("/alert SOL above 200", { platform: "telegram", id: "4242" })).text).toMatch(/^Alert/);
  await app.services.alerts.start();
  app.services.alerts.onTicks([{ mint: SOL.mint, symbol: "SOL", usd: 250, source: "jupiter", at: app.services.market.now() }]);
  await app.services.alerts.idle();
  while ((await app.services.outbox.runOnce()) > 0);
  const judy = t.author_id; // the X account the link joined
  return { telegram, dms: w.x.dms, judy, rows: await app.db.db.selectFrom("outbox").select(["platform", "state"]).where("kind", "=", "alert").orderBy("platform").execute() };
}

describe("pushes as X DMs (TWITTER_DM_ALERTS)", () => {
  it("on: an alert set on Telegram by a user who linked X reaches both, once each", async () => {
    const r = await linkedUserFiresAlert(true);
    expect(r.telegram).toEqual(["4242"]);
    expect(r.dms.map((d) => d.participantId)).toEqual([r.judy]);
    expect(r.dms[0]!.text).toMatch(/SOL/);
    expect(r.rows).toEqual([
      { platform: "telegram", state: "sent" },
      { platform: "twitter", state: "sent" },
    ]);
  });

  it("off: the alert goes only where it was set", async () => {
    const r = await linkedUserFiresAlert(false);
    expect(r.telegram).toEqual(["4242"]);
    expect(r.dms).toEqual([]);
    expect(r.rows).toEqual([{ platform: "telegram", state: "sent" }]);
  });

  it("DMs are paced: one too soon is handed back to the outbox (no attempt spent) and goes out at its slot", async () => {
    w = await XWorld.create();
    const { app, tw } = await w.boot({ start: false, env: { TWITTER_DM_ALERTS: "true" }, twitter: { dmAlerts: true, dmGapMs: 400 } });
    const n = tw.notifier();
    const reply = { kind: "info" as const, blocks: [{ type: "text" as const, spans: ["SOL crossed above $200"] }] };
    // Both asked at the same moment (however slow the machine, nothing runs between the two asks):
    // the first takes the slot, the second is too soon.
    const [first, soon] = await Promise.all([n.send("777", reply), n.send("778", reply)]);
    expect(first).toMatchObject({ ok: true });
    expect(soon).toMatchObject({ ok: false, permanent: false, deferred: true });
    expect((soon as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(0);
    expect((soon as { retryAfterMs: number }).retryAfterMs).toBeLessThanOrEqual(400);
    expect(w.x.dms.map((d) => d.participantId)).toEqual(["777"]);

    // Through the outbox: three DMs queued at once all arrive, paced, each sent once, none dead.
    app.services.notifications.register(n);
    await new Promise((r) => setTimeout(r, 450)); // past the 400 ms gap (time is the subject: a late wake-up only adds to it)
    for (const id of ["801", "802", "803"]) {
      await app.repos.outbox.enqueue({ dedupeKey: `dm-${id}`, kind: "alert", target: { platform: "twitter", chatId: id }, reply }, Date.now());
    }
    const t0 = Date.now();
    while (w.x.dms.length < 4 && Date.now() - t0 < 30_000) { // a bound for a loaded machine, not a pause
      app.clock.t = Date.now(); // the outbox's clock follows real time here
      await app.services.outbox.runOnce();
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(w.x.dms.map((d) => d.participantId).slice(1).sort()).toEqual(["801", "802", "803"]);
    const at = w.x.dms.slice(1).map((d) => d.at);
    // Paced at 400 ms when each DM is let through; X stamps them when they arrive, which a loaded
    // machine can delay one more than the next. Unpaced, all three would arrive within a few ms.
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(200);
    const rows = await app.db.db.selectFrom("outbox").select(["state", "attempts"]).where("platform", "=", "twitter").execute();
    expect(rows.every((r) => r.state === "sent" && Number(r.attempts) === 0)).toBe(true);
  });
});
