import { afterEach, describe, expect, it, vi } from "vitest";
import { POLLER_LEASE } from "../../../adapters/twitter/mention-poller.js";
import { twoMoreCycles, until, XWorld } from "./world.js";

let w: XWorld;
afterEach(async () => {
  await w?.cleanup();
});

const alert = { kind: "info" as const, blocks: [{ type: "text" as const, spans: ["SOL crossed above $150"] }] };

describe("X guards: who gets an answer, and what is never posted", () => {
  it("its own tweets, bot-looking authors and small talk under our replies get no reply", async () => {
    w = await XWorld.create();
    const self = w.x.mention({ username: w.x.bot.username }, "@PurserBot price sol");
    const bot1 = w.x.mention({ username: "pricebot" }, "@PurserBot price sol");
    const bot2 = w.x.mention({ username: "Alerts_Bot" }, "@PurserBot help");
    const human = w.x.mention({ username: "grace" }, "@PurserBot help");
    const { tw } = await w.boot();
    const ours = await w.x.waitFor((p) => p.inReplyTo === human.id, 30_000); // processed oldest first: the others were seen
    // Under our own reply: small talk is left alone, a command is answered.
    const thanks = w.x.mention({ username: "grace" }, "@PurserBot thanks!", { inReplyTo: ours.id });
    const again = w.x.mention({ username: "grace" }, "@PurserBot help price", { inReplyTo: ours.id });
    expect((await w.x.waitFor((p) => p.inReplyTo === again.id, 30_000)).text).toMatch(/^\/price <token>/);
    await twoMoreCycles(tw); // everything fetched so far has been handled: no late reply can come
    for (const t of [self, bot1, bot2, thanks]) expect(w.x.repliesTo(t.id)).toEqual([]);
    expect(w.x.posted).toHaveLength(2);
  });

  it("one author gets at most 5 replies an hour; others are still answered; the next hour they are again", async () => {
    w = await XWorld.create();
    const heidi = Array.from({ length: 7 }, (_, i) => w.x.mention({ username: "heidi" }, i % 2 ? "@PurserBot help" : "@PurserBot price sol"));
    const ivan = w.x.mention({ username: "ivan" }, "@PurserBot help");
    const { app, tw } = await w.boot();
    await w.x.waitFor((p) => p.inReplyTo === ivan.id, 30_000);
    await twoMoreCycles(tw);
    expect(heidi.map((t) => w.x.repliesTo(t.id).length)).toEqual([1, 1, 1, 1, 1, 0, 0]);
    app.clock.advance(3_600_001);
    const later = w.x.mention({ username: "heidi" }, "@PurserBot help");
    await w.x.waitFor((p) => p.inReplyTo === later.id, 30_000);
    expect(w.x.posted.filter((p) => heidi.some((t) => t.id === p.inReplyTo))).toHaveLength(5);
  });

  it("'link <code>' joins the X account to the user; the public reply says only that it worked", async () => {
    w = await XWorld.create();
    const { app } = await w.boot({ start: false });
    const code = /Your link code: (\S+)/.exec((await app.say("/link", { platform: "telegram", id: "4242" })).text)![1]!;
    const t = w.x.mention({ username: "judy" }, `@PurserBot link ${code}`);
    const bare = w.x.mention({ username: "judy" }, "@PurserBot link");
    const who = w.x.mention({ username: "judy" }, "@PurserBot whoami");
    const { tw } = await w.boot({ db: app.db }); // a second instance on the same database answers
    await w.x.waitFor((p) => p.inReplyTo === who.id, 30_000);
    await tw.stop();
    expect(w.x.repliesTo(t.id).map((p) => p.text)).toEqual(["Linked your X account."]);
    expect(w.x.repliesTo(bare.id)[0]!.text).toMatch(/^To link your X account: send \/link to me in a private chat/);
    expect(w.x.repliesTo(who.id)[0]!.text).toContain("can't do that in public");
    // The link was made by the other instance: this one hears of it through the database's identity change
    // log (every process reads it once a second), not by waiting for its cache to expire.
    const linked = /Linked\s+twitter:\d+ \(@judy\)/;
    let me = "";
    for (let tries = 0; tries < 100 && !linked.test(me); tries++) {
      if (tries) await new Promise((r) => setTimeout(r, 300)); // each look is a /whoami: under the per-user rate limit
      me = (await app.say("/whoami", { platform: "telegram", id: "4242" })).text;
    }
    expect(me).toMatch(linked);
    expect(w.x.posted.some((p) => p.text.includes(code) || /telegram|4242/i.test(p.text.replace("Telegram or Discord", "")))).toBe(false);
  });

  it("two pollers on one database: only the lease holder polls; the other takes over when it stops", async () => {
    w = await XWorld.create();
    const db = await w.db();
    const a = await w.boot({ db, token: "token-a", twitter: { owner: "a" } });
    await until(() => w.x.requests.some((r) => r.path.endsWith("/mentions")), 30_000, "a poll");
    const b = await w.boot({ db, token: "token-b", twitter: { owner: "b" }, start: false });
    // b's requests for the lease, and their answers: the standby has to have asked (and been refused)
    // before "it did not poll" means anything.
    const asked: boolean[] = [];
    const acquire = b.app.leases.acquire.bind(b.app.leases);
    vi.spyOn(b.app.leases, "acquire").mockImplementation(async (name, owner, ttl) => {
      const got = await acquire(name, owner, ttl);
      if (name === POLLER_LEASE) asked.push(got);
      return got;
    });
    await b.tw.start();
    const m1 = w.x.mention({ username: "ken" }, "@PurserBot help");
    await w.x.waitFor((p) => p.inReplyTo === m1.id, 30_000);
    await until(() => asked.length >= 3, 30_000, "b to ask for the lease three times");
    expect(asked.slice(0, 3)).toEqual([false, false, false]);
    const pollers = new Set(w.x.requests.filter((r) => r.path.endsWith("/mentions")).map((r) => r.token));
    expect(pollers).toEqual(new Set(["token-a"]));
    expect(a.tw.adapter.poller.leader && !b.tw.adapter.poller.leader).toBe(true);
    await a.stop();
    const m2 = w.x.mention({ username: "ken" }, "@PurserBot help");
    const r2 = await w.x.waitFor((p) => p.inReplyTo === m2.id, 30_000);
    expect(r2.token).toBe("token-b");
    expect(w.x.repliesTo(m1.id)).toHaveLength(1); // the new holder resumed from the shared cursor
  });

  it("a 429 on posting the reply is waited out and the reply goes out once", async () => {
    w = await XWorld.create();
    // The first post gets a 429 opening a 1 s window (counted from that post, not from the test's start).
    w.x.throttleNext("tweets", 1000);
    const t = w.x.mention({ username: "lena" }, "@PurserBot help");
    const { tw } = await w.boot();
    const r = await w.x.waitFor((p) => p.inReplyTo === t.id, 30_000);
    const limited = w.x.requests.filter((q) => q.path === "/2/tweets" && q.status === 429);
    expect(limited).toHaveLength(1);
    expect(r.at - limited[0]!.at).toBeGreaterThanOrEqual(1000);
    await twoMoreCycles(tw); // the mention's handling (and any retry of its post) is over
    expect(w.x.repliesTo(t.id)).toHaveLength(1);
  });

  it("X DMs carry pushes only when enabled; disabled, the notifier refuses permanently", async () => {
    w = await XWorld.create();
    const off = await w.boot({ start: false });
    expect(await off.tw.notifier().send("777", alert)).toEqual({ ok: false, permanent: true, reason: "X pushes disabled" });
    expect(w.x.dms).toEqual([]);
    const on = await w.boot({ start: false, twitter: { dmAlerts: true, dmGapMs: 0 } });
    const long = { kind: "info" as const, blocks: [{ type: "text" as const, spans: ["word ".repeat(3000)] }] };
    expect(await on.tw.notifier().send("777", alert)).toMatchObject({ ok: true });
    expect(await on.tw.notifier().send("777", long)).toMatchObject({ ok: true });
    expect(w.x.dms.map((d) => d.participantId)).toEqual(["777", "777"]);
    expect(w.x.dms[0]!.text).toBe("SOL crossed above $150");
    expect([...w.x.dms[1]!.text].length).toBeLessThanOrEqual(10_000);
    expect(w.x.dms[1]!.text.endsWith("…")).toBe(true);
    w.x.throttle("dm", Date.now() + 2000);
    expect(await on.tw.notifier().send("777", alert)).toMatchObject({ ok: false, permanent: false });
  });
});
