import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import type { FakeTweet, XUser } from "../../fakes/x-api.js";
import { until, XWorld } from "./world.js";

let w: XWorld;
afterEach(async () => {
  await w?.cleanup();
});

/** A page of mentions shaped like X API v2's GET /2/users/:id/mentions (see the file's _source). */
const page = JSON.parse(readFileSync(new URL("../../fixtures/x/mentions_busy_account.x-api-v2.json", import.meta.url), "utf8")) as {
  bot: XUser;
  expected: Record<string, "none" | "help" | "price" | "refusal">;
  response: { data: FakeTweet[]; includes: { users: XUser[] } };
};

const HELP = /^Hi! On X I answer: price <token>/;
const REFUSAL = /^Sorry, I can't do that in public/;
const HOUR = 3_600_000;

describe("on X, Purser speaks only when spoken to", () => {
  it("ten mentions of a busy account: the direct question, the two commands and one trade request are answered, nothing else", async () => {
    w = await XWorld.create({ bot: page.bot });
    w.x.seed(page.response.data, page.response.includes.users);
    const { tw } = await w.boot({ twitter: { firstRunLookbackMs: 10 * 365 * 24 * HOUR } });
    await until(() => tw.adapter.poller.cycles >= 1, 30_000, "one full poll");
    const texts = (id: string) => w.x.repliesTo(id).map((p) => p.text);
    for (const [id, want] of Object.entries(page.expected)) {
      const tweet = page.response.data.find((t) => t.id === id)!.text;
      if (want === "none") expect(texts(id), tweet).toEqual([]);
      else expect(texts(id), tweet).toHaveLength(1);
      if (want === "help") expect(texts(id)[0], tweet).toMatch(HELP);
      if (want === "refusal") expect(texts(id)[0], tweet).toMatch(REFUSAL);
      if (want === "price") expect(texts(id)[0], tweet).toMatch(/^(SOL \$147\.48|JUP \$0\.4056)/);
    }
    expect(w.x.posted).toHaveLength(4);
    const asked = w.x.requests.find((r) => r.path.endsWith("/mentions"))!.query.get("tweet.fields")!.split(",");
    expect(asked).toEqual(expect.arrayContaining(["entities", "in_reply_to_user_id", "referenced_tweets", "conversation_id", "edit_history_tweet_ids"]));
  });

  it("the short help reaches an author once a day and the refusal once an hour, across a restart", async () => {
    w = await XWorld.create();
    const db = await w.db();
    const first = await w.boot({ db });
    const wtf = w.x.mention({ username: "mk_trades" }, "@PurserBot what the f***???");
    const buy = w.x.mention({ username: "mk_trades" }, "@PurserBot buy 2 sol for me");
    expect((await w.x.waitFor((p) => p.inReplyTo === wtf.id)).text).toMatch(HELP);
    expect((await w.x.waitFor((p) => p.inReplyTo === buy.id)).text).toMatch(REFUSAL);
    await first.stop();

    const { app } = await w.boot({ db }); // another process on the same database
    const again = w.x.mention({ username: "mk_trades" }, "@PurserBot hello??? anyone?");
    const swap = w.x.mention({ username: "mk_trades" }, "@PurserBot ok then swap 50 usdc to bonk");
    const other = w.x.mention({ username: "ana_onchain" }, "@PurserBot what can you do");
    await w.x.waitFor((p) => p.inReplyTo === other.id); // answered oldest first: mk's two were seen before
    expect(w.x.repliesTo(again.id)).toEqual([]);
    expect(w.x.repliesTo(swap.id)).toEqual([]);

    app.clock.advance(HOUR + 1);
    const stillToday = w.x.mention({ username: "mk_trades" }, "@PurserBot ???");
    const sell = w.x.mention({ username: "mk_trades" }, "@PurserBot sell everything");
    expect((await w.x.waitFor((p) => p.inReplyTo === sell.id)).text).toMatch(REFUSAL); // a new hour
    expect(w.x.repliesTo(stillToday.id)).toEqual([]); // the same day

    app.clock.advance(24 * HOUR);
    const tomorrow = w.x.mention({ username: "mk_trades" }, "@PurserBot good morning");
    expect((await w.x.waitFor((p) => p.inReplyTo === tomorrow.id)).text).toMatch(HELP);
  });

  it("in a thread, small talk under our reply and a reply that only carries our handle get nothing; a command does", async () => {
    w = await XWorld.create();
    const ask = w.x.mention({ username: "alice" }, "@PurserBot price sol");
    await w.boot();
    const ours = await w.x.waitFor((p) => p.inReplyTo === ask.id);
    const thanks = w.x.mention({ username: "alice" }, "@PurserBot thanks!", { inReplyTo: ours.id });
    // Replying to alice, X puts the thread's handles in front: hers first, then ours carried along.
    const chain = w.x.mention({ username: "bob" }, "@alice @PurserBot lol it was 140 an hour ago", { inReplyTo: ask.id });
    const cmd = w.x.mention({ username: "bob" }, "@alice @PurserBot price jup", { inReplyTo: ask.id });
    expect((await w.x.waitFor((p) => p.inReplyTo === cmd.id)).text).toMatch(/^JUP \$0\.4056/);
    expect(w.x.repliesTo(thanks.id)).toEqual([]);
    expect(w.x.repliesTo(chain.id)).toEqual([]);
  });

  it("an edited mention is one request: its new version is not answered again", async () => {
    w = await XWorld.create();
    const t = w.x.mention({ username: "carol" }, "@PurserBot price sol");
    const { tw } = await w.boot();
    await w.x.waitFor((p) => p.inReplyTo === t.id);
    const edited = w.x.edit(t.id, "@PurserBot price sol jup");
    const seen = tw.adapter.poller.cycles;
    await until(() => tw.adapter.poller.cycles >= seen + 3, 30_000, "polls after the edit");
    expect(w.x.repliesTo(edited.id)).toEqual([]);
    expect(w.x.posted).toHaveLength(1);
  });
});
