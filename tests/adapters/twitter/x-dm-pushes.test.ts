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
  app.clock.advance(60_000); // past the identity cache
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
});
