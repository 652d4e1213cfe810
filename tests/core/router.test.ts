import { afterEach, describe, expect, it } from "vitest";
import { buildApp } from "../../bots/app.js";
import { silentLogger } from "../../core/ports/logger.port.js";
import { createDatabase } from "../../db/index.js";
import { makeTestApp, testConfig, type TestApp } from "../helpers/app.js";
import { tempSqliteUrl } from "../helpers/databases.js";

let app: TestApp;
afterEach(async () => app?.close());

const linkCodeCount = async (a: { db: { db: TestApp["db"]["db"] } }) =>
  (await a.db.db.selectFrom("link_codes").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n;

describe("router pipeline", () => {
  it("answers /help with the command list and /whoami with the account", async () => {
    app = await makeTestApp();
    const help = await app.say("/help");
    expect(help.outcome).toBe("replied");
    expect(help.text).toContain("/whoami");
    expect(help.text).toContain("/link [code]");
    expect(help.text).not.toContain("/audit"); // admin commands are hidden from users
    const who = await app.say("/whoami", { name: "alice" });
    expect(who.text).toContain("alice");
    expect(who.text).toMatch(/Role\s+user/);
    expect(who.replies[0]!.private).toBe(true);
  });

  it("/help <command> shows its usage, meaning, aliases and examples; an unknown one says so", async () => {
    app = await makeTestApp();
    const r = await app.say("/help price");
    expect(r.text.split("\n")).toEqual([
      "/price <token> [more tokens]",
      "Current price, 24h change, source and age of one or more tokens",
      "Also: /p",
      expect.stringMatching(/^Examples: \/price SOL, \/price SOL JUP BONK/),
    ]);
    expect((await app.say("/help xyzzy")).text).toBe("No command /xyzzy.");
  });

  it("a redelivered update id runs its command once", async () => {
    app = await makeTestApp();
    const first = await app.say("/link", { updateId: "same-1" });
    const again = await app.say("/link", { updateId: "same-1" });
    expect(first.outcome).toBe("replied");
    expect(again.outcome).toBe("duplicate");
    expect(again.replies).toHaveLength(0);
    expect(await linkCodeCount(app)).toBe(1);
    // the same id on another platform is a different update
    expect((await app.say("/link", { updateId: "same-1", platform: "discord" })).outcome).toBe("replied");
  });

  it("a redelivered update id runs once also after a restart", async () => {
    const url = await tempSqliteUrl();
    const env = { DATABASE_URL: url, LOG_LEVEL: "silent" };
    const a1 = await buildApp(testConfig(env), { log: silentLogger });
    const msg = {
      platform: "telegram" as const,
      updateId: "777",
      chat: { id: "5", kind: "private" as const },
      sender: { id: "5", name: "bob" },
      text: "/link",
    };
    const r1: unknown[] = [];
    expect(await a1.router.handle(msg, async (r) => void r1.push(r))).toBe("replied");
    await a1.close();
    const a2 = await buildApp(testConfig(env), { log: silentLogger });
    const r2: unknown[] = [];
    expect(await a2.router.handle(msg, async (r) => void r2.push(r))).toBe("duplicate");
    expect(r2).toHaveLength(0);
    expect(await linkCodeCount(a2)).toBe(1);
    await a2.close();
    const check = createDatabase(url);
    await check.close();
  });

  it("an update whose process died mid-way is taken over after the lease, once", async () => {
    app = await makeTestApp();
    // Simulate a crash: claimed but never completed.
    await app.repos.updates.claim("telegram", "crashed-1", app.clock.now(), 120_000);
    expect((await app.say("/whoami", { updateId: "crashed-1" })).outcome).toBe("duplicate");
    app.clock.advance(121_000);
    expect((await app.say("/whoami", { updateId: "crashed-1" })).outcome).toBe("replied");
    expect((await app.say("/whoami", { updateId: "crashed-1" })).outcome).toBe("duplicate");
  });

  it("refuses an admin command to a non-admin and audit-logs it; an admin from ADMIN_IDS gets it", async () => {
    app = await makeTestApp({ env: { ADMIN_IDS: "telegram:42" } });
    const refused = await app.say("/audit", { id: "7" });
    expect(refused.outcome).toBe("error");
    expect(refused.text).toBe("/audit is for admins only.");
    const ok = await app.say("/audit", { id: "42" });
    expect(ok.outcome).toBe("replied");
    expect(ok.text).toContain("auth.refused");
    // an attempt's outcome is shown (a failed 2FA code stands out), never free text from the detail
    await app.services.audit.record({ at: app.clock.now(), userId: "u1", action: "2fa.verify", detail: { purpose: "withdraw", ok: false, reason: "bad_code" } });
    await app.services.audit.record({ at: app.clock.now(), userId: "u1", action: "2fa.verify", detail: { purpose: "setup", ok: true, method: "totp" } });
    await app.services.audit.record({ at: app.clock.now(), userId: "u1", action: "2fa.verify", detail: { ok: false, reason: "<b>x</b> y" } });
    const shown = (await app.say("/audit", { id: "42" })).text;
    expect(shown).toContain("2fa.verify user u1: FAILED (bad_code, withdraw)");
    expect(shown).toContain("2fa.verify user u1: ok (setup)");
    expect(shown).toMatch(/2fa\.verify user u1: FAILED$/m);
  });

  it("unknown commands suggest the nearest one", async () => {
    app = await makeTestApp();
    expect((await app.say("/hlep")).text).toBe("I don't know /hlep. Did you mean /help?");
    expect((await app.say("/zzzzzzzz")).text).toContain("See /help");
    expect((await app.say("/WHOAMI")).text).toContain("Who you are"); // names are case-insensitive
  });

  it("bad arguments get the command's usage line", async () => {
    app = await makeTestApp({ env: { ADMIN_IDS: "telegram:1001" } });
    const r = await app.say("/audit lots");
    expect(r.text).toContain("Usage: /audit [count]");
    expect((await app.say("/whoami extra words")).text).toContain("Usage: /whoami");
  });
});

describe("bad input never crashes", () => {
  it("empty text is ignored", async () => {
    app = await makeTestApp();
    expect((await app.say("")).outcome).toBe("ignored");
    expect((await app.say("   \n\t ")).outcome).toBe("ignored");
  });

  it("100 KB of text gets a clear refusal", async () => {
    app = await makeTestApp();
    const r = await app.say("/help " + "x".repeat(100_000));
    expect(r.outcome).toBe("error");
    expect(r.text).toMatch(/too long \(100,006 characters; the limit is 4,096\)/);
    // in a group, a huge message not addressed to us is ignored silently
    expect((await app.say("y".repeat(100_000), { chat: "group" })).outcome).toBe("ignored");
  });

  it("control characters and emoji are handled", async () => {
    app = await makeTestApp();
    const r = await app.say("/help\u0000\u0007 \u202Ewhoami");
    expect(r.outcome).toBe("replied");
    expect(r.text).toContain("/whoami");
    const e = await app.say("/whoami", { id: "3003", name: "🚀 moon\u0000boy" });
    expect(e.text).toContain("🚀 moonboy");
    expect((await app.say("gm 🌞🚀")).text).toContain("/help");
    expect((await app.say("/🚀")).text).toContain("not a command I know");
  });

  it("commands for another bot are ignored; ours are handled", async () => {
    app = await makeTestApp();
    expect((await app.say("/help@SomeoneElsesBot", { chat: "group" })).outcome).toBe("ignored");
    expect((await app.say("/help@SomeoneElsesBot")).outcome).toBe("ignored");
    expect((await app.say("/help@PurserBot", { chat: "group" })).text).toContain("/whoami");
    expect((await app.say("/help@pursERbot")).outcome).toBe("replied");
  });

  it("in a group an unknown /cmd may be another bot's and is ignored; /cmd@PurserBot and a directed command get the hint", async () => {
    app = await makeTestApp();
    const group = { chat: "group" as const };
    expect(await app.say("/report", group)).toMatchObject({ outcome: "ignored", replies: [] });
    expect(await app.say("/warn spam links", group)).toMatchObject({ outcome: "ignored", replies: [] });
    expect(await app.say("/🚀", group)).toMatchObject({ outcome: "ignored", replies: [] });
    expect((await app.say("/report@PurserBot", group)).text).toBe("I don't know /report. See /help for what I can do.");
    expect((await app.say("/hlep@PurserBot", group)).text).toBe("I don't know /hlep. Did you mean /help?");
    // Known commands need no suffix; a Discord interaction is addressed to us whatever its name.
    expect((await app.say("/help", group)).text).toContain("/whoami");
    const stale = await app.send({ platform: "discord", updateId: "i-1", chat: { id: "c1", kind: "group" }, sender: { id: "d1", name: "Ann" }, text: "/prise sol", directed: true });
    expect(stale.text).toBe("I don't know /prise. Did you mean /price?");
  });

  it("unbalanced quotes get a clear reply", async () => {
    app = await makeTestApp();
    expect((await app.say('/help "price')).text).toBe('A quote is not closed: add the missing " and try again.');
    expect((await app.say("/help \u201Cprice")).text).toContain("\u201D");
  });

  it("plain text in a group is not answered; in private it points to /help", async () => {
    app = await makeTestApp();
    expect((await app.say("hello everyone", { chat: "group" })).outcome).toBe("ignored");
    expect((await app.say("hello")).text).toContain("/help");
  });

  it("a bot sender is ignored", async () => {
    app = await makeTestApp();
    const r = await app.send({
      platform: "telegram",
      updateId: "b1",
      chat: { id: "1", kind: "private" },
      sender: { id: "9", name: "other", isBot: true },
      text: "/help",
    });
    expect(r.outcome).toBe("ignored");
  });

  it("an unexpected failure gives an apology with a reference, never a stack trace", async () => {
    app = await makeTestApp();
    const orig = app.services.identity.issueLinkCode.bind(app.services.identity);
    app.services.identity.issueLinkCode = async () => {
      throw new Error("db exploded at /srv/secret/path.ts:12");
    };
    const r = await app.say("/link");
    expect(r.outcome).toBe("error");
    expect(r.text).toMatch(/^Sorry, something went wrong on our side\. Reference: [0-9a-f]{8}$/);
    app.services.identity.issueLinkCode = orig;
  });

  it("a user sending too fast is slowed down, once per minute", async () => {
    app = await makeTestApp({ env: { USER_RATE_LIMIT_PER_MIN: "3" } });
    for (let i = 0; i < 3; i++) expect((await app.say("/start")).outcome).toBe("replied");
    const limited = await app.say("/start");
    expect(limited.text).toMatch(/too fast/);
    expect((await app.say("/start")).outcome).toBe("ignored");
    expect((await app.say("/start", { id: "2002" })).outcome).toBe("replied"); // others unaffected
  });
});
