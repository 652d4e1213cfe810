import { afterEach, describe, expect, it } from "vitest";
import { buildApp } from "../../bots/app.js";
import { BUILTIN_TOKENS } from "../../core/domain/builtin-tokens.js";
import type { Reply } from "../../core/domain/message.js";
import type { PriceTick } from "../../core/domain/price.js";
import type { Token } from "../../core/domain/token.js";
import { silentLogger } from "../../core/ports/logger.port.js";
import { AlertEngine, type AlertEngineDeps } from "../../core/services/alert-engine.service.js";
import { OutboxDispatcher } from "../../core/services/outbox-dispatcher.service.js";
import { makeTestApp, testConfig, type TestApp } from "../helpers/app.js";
import { FakeClock } from "../helpers/clock.js";
import { tempSqliteUrl } from "../helpers/databases.js";
import { StaticPrices } from "../helpers/trading-world.js";

const SOL = BUILTIN_TOKENS.find((t) => t.symbol === "SOL")!;
const JUP = BUILTIN_TOKENS.find((t) => t.symbol === "JUP")!;
const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const text = (r: Reply) => r.blocks.map((b) => (b.type === "text" ? b.spans.map((s) => (typeof s === "string" ? s : s.text)).join("") : "")).join("\n");

/** An app whose prices are fixed (SOL 150, JUP 0.5) and whose pushes are recorded. */
async function world(env: Record<string, string> = {}, db?: string, clock = new FakeClock()) {
  const prices = new StaticPrices(clock);
  const app = await makeTestApp({ clock, env: { PRICE_CACHE_TTL_MS: "0", ...(db ? { DATABASE_URL: db } : {}), ...env }, market: { live: [prices], replay: null, search: { search: async () => [] } } });
  cleanup.push(() => app.close());
  const sent: Array<{ chat: string; text: string }> = [];
  let fail: ((chat: string) => { ok: false; permanent: boolean; reason: string; retryAfterMs?: number } | undefined) | undefined;
  app.services.notifications.register({
    platform: "telegram",
    send: async (chatId, reply) => {
      const f = fail?.(chatId);
      if (f) return f;
      sent.push({ chat: chatId, text: text(reply) });
      return { ok: true, messageIds: [String(sent.length)] };
    },
  });
  await app.services.alerts.start();
  const tick = async (token: typeof SOL, usd: number, at = clock.now()) => {
    app.services.alerts.onTicks([{ mint: token.mint, symbol: token.symbol, usd, source: "static", at } satisfies PriceTick]);
    await app.services.alerts.idle();
    while ((await app.services.outbox.runOnce()) > 0);
  };
  return { app, clock, prices, sent, tick, setFail: (f: typeof fail) => (fail = f) };
}

/** A standalone engine on an app's store and price stream (as bots/app.ts wires one), with `extra` options. */
const engineOn = (app: TestApp, clock: FakeClock, extra: Partial<AlertEngineDeps> = {}) =>
  new AlertEngine({ store: app.repos.alerts, bus: app.market.bus, clock, log: silentLogger, marketNow: () => clock.now(), maxTickAgeMs: 120_000, maxPerUser: 5, ...extra });

/** Two apps (processes) on one database and clock; `a` sets an alert, `b` has synced it. */
async function twoProcesses(alertCommand: string) {
  const db = await tempSqliteUrl();
  const clock = new FakeClock();
  const a = await world({}, db, clock);
  const b = await world({}, db, clock);
  await a.app.say(alertCommand);
  await b.app.services.alerts.sync();
  return { a, b, clock };
}

describe("/alert commands", () => {
  it("sets, lists and removes alerts, with clear errors for bad input", async () => {
    const { app } = await world({ MAX_ALERTS_PER_USER: "3" });
    const set = await app.say("/alert SOL above 200");
    expect(set.text).toMatch(/^Alert ([a-z2-9]{6}) set: SOL above \$200\.00\nNow: \$150\.00\. Remove it with \/unalert \1\.$/);
    const id = /Alert (\w{6})/.exec(set.text)![1]!;
    expect((await app.say("/alert JUP move 5% 1h")).text).toContain("JUP moves 5% within 1h");
    expect((await app.say("/alert SOL below 120 repeat 30m back 2% for 7d")).text).toContain("repeats, cooldown 30m, re-arms 2% back; until");
    expect((await app.say("/alert SOL below 100")).text).toBe("You have 3 active alerts, the most allowed. Remove some with /unalert.");
    const list = await app.say("/alerts");
    expect(list.text).toContain("Your alerts (3 active)");
    expect(list.text).toContain(`${id}  SOL above $200.00 - armed`);
    expect((await app.say(`/unalert ${id}`)).text).toBe(`Alert ${id} removed.`);
    expect((await app.say("/unalert all")).text).toBe("Removed 2 alerts.");
    expect((await app.say("/unalert zzzzzz")).text).toBe("You have no alert zzzzzz. See /alerts.");
  });

  it.each([
    ["/alert SOL above -5", "The price must be a positive number, e.g. 200."],
    ["/alert SOL above abc", "The price must be a positive number, e.g. 200."],
    ["/alert SOL above 100", "SOL is already above $100.00 (now $150.00). Pick a level it has not reached yet."],
    ["/alert SOL sideways 5", "Say above, below or move. Usage: /" + "alert <token> above|below <price> [repeat [1h]] [back 2%] [for 7d] | alert <token> move <N%> <window> | alert portfolio above|below <usd>"],
    ["/alert JUP move 5%", "Give the window, e.g. /alert JUP move 5% 1h."],
    ["/alert JUP move 500% 1h", "Give the move as a percentage, e.g. 5%."],
    ["/alert JUP move 5% 1y", "Give the window, e.g. /alert JUP move 5% 1h."],
    ["/alert SOL above 200 sometimes", 'I don\'t understand "sometimes". Options: repeat [1h], back 2%, for 7d.'],
    ["/alert NOPE above 1", "I don't know a token called NOPE. Check the symbol or use its mint address."],
    ["/unalert ../etc", "Give an alert id from /alerts, or all. Usage: /unalert <id|all>"],
  ])("%s -> %s", async (cmd, msg) => {
    const { app } = await world();
    expect((await app.say(cmd)).text).toBe(msg);
  });
});

describe("alert engine and delivery", () => {
  it("a crossing fires once; ticks that stay above fire nothing more", async () => {
    const { app, sent, tick } = await world();
    await app.say("/alert SOL above 200", { id: "5" });
    await tick(SOL, 199.99);
    expect(sent).toEqual([]);
    await tick(SOL, 201.5);
    await tick(SOL, 205);
    await tick(SOL, 199);
    await tick(SOL, 210);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.chat).toBe("5");
    expect(sent[0]!.text).toMatch(/^Alert: SOL is above \$200\.00: now \$201\.50\nSource: static, 0 s ago\. Alert \w{6} is done\.$/);
    expect((await app.say("/alerts", { id: "5" })).text).toMatch(/- done, fired 1x/);
  });

  it("hysteresis and cooldown: a repeating alert re-arms only after moving back and after the cooldown", async () => {
    const { app, clock, sent, tick } = await world();
    await app.say("/alert SOL above 200 repeat 1h back 2%");
    await tick(SOL, 201);
    expect(sent).toHaveLength(1);
    await tick(SOL, 199); // back, but only 0.5%: not re-armed
    await tick(SOL, 202);
    expect(sent).toHaveLength(1);
    await tick(SOL, 195); // 2.5% back, but cooldown not over
    await tick(SOL, 203);
    expect(sent).toHaveLength(1);
    clock.advance(3_600_000);
    await tick(SOL, 195); // now re-armed
    await tick(SOL, 204);
    expect(sent).toHaveLength(2);
  });

  it("stale and NaN (or zero, negative) ticks fire nothing", async () => {
    const { app, clock, sent, tick } = await world();
    await app.say("/alert SOL above 200");
    await app.say("/alert SOL below 100");
    await tick(SOL, NaN);
    await tick(SOL, 0);
    await tick(SOL, -5);
    await tick(SOL, Infinity);
    await tick(SOL, 500, clock.now() - 121_000); // older than PRICE_MAX_AGE_S
    expect(sent).toEqual([]);
    expect(app.services.alerts.rejectedTicks).toBe(5);
  });

  it("a move alert fires when the price moves N% within the window", async () => {
    const { app, clock, sent, tick } = await world();
    await app.say("/alert JUP move 5% 1h");
    await tick(JUP, 0.5);
    clock.advance(30 * 60_000);
    await tick(JUP, 0.51);
    expect(sent).toEqual([]);
    clock.advance(10 * 60_000);
    await tick(JUP, 0.53);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.text).toContain("JUP moved 5% or more within 1h: now $0.53");
  });

  it("a portfolio value alert fires when the value crosses", async () => {
    const { app, prices, sent } = await world();
    expect((await app.say("/alert portfolio above 1100")).text).toContain("portfolio above $1,100.00");
    await app.services.alerts.checkValues();
    expect(sent).toEqual([]);
    await app.press((await app.say("/buy SOL 150")).replies[0]!.buttons?.[0]?.[0]?.action ?? "none").catch(() => undefined);
    prices.usd.USDC = 1.2; // 1,000 USDC now worth $1,200
    await app.services.alerts.checkValues();
    while ((await app.services.outbox.runOnce()) > 0);
    expect(sent.map((s) => s.text).join()).toContain("Your portfolio is above $1,100.00: now $1,200.00");
  });

  it("state survives a restart: a fired alert does not fire again", async () => {
    const db = await tempSqliteUrl();
    const clock = new FakeClock();
    const first = await world({}, db, clock);
    await first.app.say("/alert SOL above 200");
    await first.tick(SOL, 210);
    expect(first.sent).toHaveLength(1);
    await first.app.close();
    const second = await world({}, db, clock);
    await second.tick(SOL, 199);
    await second.tick(SOL, 215);
    expect(second.sent).toEqual([]);
  });

  it("two processes seeing the same tick write exactly one message", async () => {
    const { a, b, clock } = await twoProcesses("/alert SOL above 200");
    const t: PriceTick = { mint: SOL.mint, symbol: "SOL", usd: 250, source: "static", at: clock.now() };
    a.app.services.alerts.onTicks([t]);
    b.app.services.alerts.onTicks([t]);
    await Promise.all([a.app.services.alerts.idle(), b.app.services.alerts.idle()]);
    const rows = await a.app.db.db.selectFrom("outbox").selectAll().where("kind", "=", "alert").execute();
    expect(rows).toHaveLength(1);
  });

  it("a firing whose database write fails is retried, and is never dropped: the next tick fires it", async () => {
    const clock = new FakeClock();
    const { app } = await world({}, undefined, clock);
    await app.services.alerts.stop();
    const store = app.repos.alerts;
    const engine = engineOn(app, clock, { fireRetryDelaysMs: [1, 1] });
    await app.say("/alert SOL above 200");
    await engine.start();
    const realFire = store.fire.bind(store);
    let failNext = 0;
    let failures = 0;
    store.fire = async (...args) => {
      if (failNext > 0) {
        failNext--;
        failures++;
        throw new Error("connection terminated unexpectedly");
      }
      return realFire(...args);
    };
    const tick = async (usd: number) => {
      engine.onTicks([{ mint: SOL.mint, symbol: "SOL", usd, source: "static", at: clock.now() }]);
      await engine.idle();
    };
    const alertRows = async () => (await app.db.db.selectFrom("outbox").select("dedupe_key").where("kind", "=", "alert").execute()).length;
    failNext = 3; // every attempt of this tick fails
    await tick(250);
    expect([failures, await alertRows()]).toEqual([3, 0]);
    await tick(251); // kept armed in memory: the next tick fires it
    expect(await alertRows()).toBe(1);
    await tick(252); // and only once
    expect(await alertRows()).toBe(1);
    await app.say("/alert SOL above 300");
    await engine.sync();
    failNext = 2; // fails twice, lands on the third attempt of the same tick
    await tick(310);
    expect([failures, await alertRows()]).toEqual([5, 2]);
    await engine.stop();
  });

  it("a crash between claiming and sending delivers once after the lease runs out", async () => {
    const db = await tempSqliteUrl();
    const clock = new FakeClock();
    const first = await world({}, db, clock);
    await first.app.say("/alert SOL above 200");
    first.app.services.alerts.onTicks([{ mint: SOL.mint, symbol: "SOL", usd: 250, source: "static", at: clock.now() }]);
    await first.app.services.alerts.idle();
    const claimed = await first.app.repos.outbox.claim("dead-process", clock.now(), 120_000, 10); // then it "dies"
    expect(claimed).toHaveLength(1);
    await first.app.close();
    const second = await world({}, db, clock);
    while ((await second.app.services.outbox.runOnce()) > 0);
    expect(second.sent).toEqual([]); // still leased to the dead process
    clock.advance(121_000);
    while ((await second.app.services.outbox.runOnce()) > 0);
    while ((await second.app.services.outbox.runOnce()) > 0);
    expect(second.sent).toHaveLength(1);
  });

  it("two dispatchers never send the same row", async () => {
    const { app, sent } = await world();
    for (let i = 0; i < 300; i++) {
      await app.repos.outbox.enqueue({ dedupeKey: `k${i}`, kind: "test", target: { platform: "telegram", chatId: `c${i}` }, reply: { kind: "info", blocks: [{ type: "text", spans: [`m${i}`] }] } }, app.clock.now());
    }
    const mk = () =>
      new OutboxDispatcher({ store: app.repos.outbox, notifications: app.services.notifications, clock: app.clock, log: silentLogger, maxAttempts: 3, admins: [], batch: 37 });
    const [d1, d2] = [mk(), mk()];
    for (;;) {
      const [x, y] = await Promise.all([d1.runOnce(), d2.runOnce()]);
      if (!x && !y) break;
    }
    expect(sent).toHaveLength(300);
    expect(new Set(sent.map((s) => s.text)).size).toBe(300);
  });

  it("a send slower than the lease keeps its lease: another dispatcher does not send it again", async () => {
    // The send is held open while the (fake) clock runs past the lease several times; after each step
    // the test waits for the heartbeat's renewal to reach the row, then lets the other dispatcher poll.
    const clock = new FakeClock(Date.now());
    const { app } = await world({}, undefined, clock);
    const sent: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let sending!: () => void;
    const started = new Promise<void>((r) => (sending = r));
    app.services.notifications.register({
      platform: "telegram",
      send: async (chatId) => {
        sending();
        await held; // a long platform queue, or a 429 being waited out
        sent.push(chatId);
        return { ok: true, messageIds: ["1"] };
      },
    });
    await app.repos.outbox.enqueue({ dedupeKey: "slow", kind: "test", target: { platform: "telegram", chatId: "7" }, reply: { kind: "info", blocks: [] } }, clock.now());
    const mk = () => new OutboxDispatcher({ store: app.repos.outbox, notifications: app.services.notifications, clock, log: silentLogger, maxAttempts: 3, admins: [], leaseMs: 200 });
    const [a, b] = [mk(), mk()];
    const first = a.runOnce();
    await started;
    const leaseUntil = async () => (await app.db.db.selectFrom("outbox").select("lease_until").where("dedupe_key", "=", "slow").executeTakeFirstOrThrow()).lease_until ?? 0;
    let claimedByB = 0;
    for (let step = 0; step < 6; step++) {
      clock.advance(150); // past the lease unless it was renewed
      const due = clock.now();
      while ((await leaseUntil()) <= due) await new Promise((r) => setTimeout(r, 5)); // the renewal has landed
      claimedByB += await b.runOnce();
    }
    release();
    expect(await first).toBe(1);
    expect(claimedByB).toBe(0);
    expect(sent).toEqual(["7"]);
    const row = await app.db.db.selectFrom("outbox").select("state").where("dedupe_key", "=", "slow").executeTakeFirstOrThrow();
    expect(row.state).toBe("sent");
  });

  it("recording 'sent' is retried when the database write fails, so the message is not sent again", async () => {
    const { app, sent } = await world();
    await app.repos.outbox.enqueue({ dedupeKey: "once", kind: "test", target: { platform: "telegram", chatId: "8" }, reply: { kind: "info", blocks: [{ type: "text", spans: ["hi"] }] } }, app.clock.now());
    const store = app.repos.outbox;
    const real = store.markSent.bind(store);
    let failures = 2;
    store.markSent = async (...args) => {
      if (failures-- > 0) throw new Error("connection reset");
      return real(...args);
    };
    const d = new OutboxDispatcher({ store, notifications: app.services.notifications, clock: app.clock, log: silentLogger, maxAttempts: 3, admins: [], settleRetryDelaysMs: [1, 1, 1] });
    expect(await d.runOnce()).toBe(1);
    expect(await d.runOnce()).toBe(0);
    expect(sent).toHaveLength(1);
    const row = await app.db.db.selectFrom("outbox").select("state").where("dedupe_key", "=", "once").executeTakeFirstOrThrow();
    expect(row.state).toBe("sent");
  });

  it("retries with back-off honouring retry_after, then dead-letters and tells the admins", async () => {
    const { app, clock, sent, setFail } = await world({ OUTBOX_MAX_ATTEMPTS: "3", ADMIN_IDS: "telegram:900" });
    setFail((chat) => (chat === "42" ? { ok: false, permanent: false, reason: "429 Too Many Requests", retryAfterMs: 30_000 } : undefined));
    await app.repos.outbox.enqueue({ dedupeKey: "x", kind: "alert", target: { platform: "telegram", chatId: "42" }, reply: { kind: "info", blocks: [] } }, clock.now());
    await app.services.outbox.runOnce();
    clock.advance(29_000);
    expect(await app.services.outbox.runOnce()).toBe(0); // retry_after not over yet
    clock.advance(2_000);
    expect(await app.services.outbox.runOnce()).toBe(1);
    clock.advance(60_000);
    await app.services.outbox.runOnce(); // third attempt: dead
    while ((await app.services.outbox.runOnce()) > 0);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.chat).toBe("900");
    expect(sent[0]!.text).toContain("Undeliverable message");
    const row = await app.db.db.selectFrom("outbox").selectAll().where("dedupe_key", "=", "x").executeTakeFirstOrThrow();
    expect([row.state, row.attempts]).toEqual(["dead", 3]);
  });

  it("a user who blocked the bot is skipped, not retried", async () => {
    const { app, clock, setFail } = await world();
    setFail(() => ({ ok: false, permanent: true, reason: "Forbidden: bot was blocked by the user" }));
    await app.repos.outbox.enqueue({ dedupeKey: "b", kind: "alert", target: { platform: "telegram", chatId: "7" }, reply: { kind: "info", blocks: [] } }, clock.now());
    await app.services.outbox.runOnce();
    clock.advance(3_600_000);
    expect(await app.services.outbox.runOnce()).toBe(0);
    const row = await app.db.db.selectFrom("outbox").selectAll().where("dedupe_key", "=", "b").executeTakeFirstOrThrow();
    expect(row.state).toBe("skipped");
  });
});

describe("alerts on tokens that are not built in", () => {
  const PURR: Token = { symbol: "PURR", name: "Purr Test", mint: "PurrTestMint1111111111111111111111111111pump", decimals: 6, verified: false };
  const spec = (level: number) => ({ kind: "above" as const, mint: PURR.mint, symbol: PURR.symbol, level, pct: 0, windowMs: 0, repeat: false, cooldownMs: 0, hysteresisPct: 0, expiresAt: null });

  /** An app that knows PURR (token search) and prices it (static source), with an engine of our own that tracks. */
  async function purrWorld(tokenOf?: (mint: string) => Promise<Token | undefined>) {
    const clock = new FakeClock();
    const prices = new StaticPrices(clock);
    prices.usd.PURR = 1;
    const app = await makeTestApp({
      clock,
      env: { PRICE_CACHE_TTL_MS: "0" },
      market: { live: [prices], replay: null, search: { search: async (q) => (q === PURR.mint || q.toUpperCase() === "PURR" ? [PURR] : []) } },
    });
    cleanup.push(() => app.close());
    /** An engine wired as bots/app.ts should wire it; `tracked` records what it handed to the market. */
    const mkEngine = (tracked: string[][]) => {
      const engine = engineOn(app, clock, {
        track: (ts) => {
          tracked.push(ts.map((t) => t.mint));
          app.market.market.track(ts);
        },
        tokenOf: tokenOf ?? ((mint) => app.market.tokens.resolve(mint)),
      });
      cleanup.push(() => engine.stop());
      return engine;
    };
    const tracked: string[][] = [];
    const engine = mkEngine(tracked);
    const alertRows = async () => (await app.db.db.selectFrom("outbox").select("dedupe_key").where("kind", "=", "alert").execute()).length;
    return { app, clock, prices, engine, tracked, mkEngine, alertRows };
  }

  it("creating an alert on a non-builtin mint has the market track it, so a poll's tick fires it", async () => {
    const { app, prices, engine, tracked, alertRows } = await purrWorld();
    await engine.start();
    expect(tracked).toEqual([]);
    await engine.create("u1", spec(2), 1, { platform: "telegram", chatId: "5" });
    expect(tracked).toEqual([[PURR.mint]]);
    await engine.create("u1", spec(3), 1, { platform: "telegram", chatId: "5" });
    expect(tracked).toHaveLength(1); // handed over once
    await app.market.market.pollOnce();
    await engine.idle();
    expect(await alertRows()).toBe(0);
    prices.usd.PURR = 2.5;
    expect((await app.market.market.pollOnce()).map((t) => t.mint)).toContain(PURR.mint);
    await engine.idle();
    expect(await alertRows()).toBe(1);
  });

  it("alerts created elsewhere (another process, or before a restart) are tracked on sync and on start", async () => {
    const { app, engine, tracked, mkEngine } = await purrWorld();
    await engine.start();
    expect((await app.say(`/alert ${PURR.mint} above 2`)).text).toContain("PURR above $2.00"); // through the app's own engine
    expect(tracked).toEqual([]);
    await engine.sync();
    expect(tracked).toEqual([[PURR.mint]]);
    // A restarted process: start() loads the stored alerts and tracks their tokens.
    const again: string[][] = [];
    await mkEngine(again).start();
    expect(again).toEqual([[PURR.mint]]);
  });

  it("a token lookup that fails is tried again later, not on every sync", async () => {
    let lookups = 0;
    let answer: Token | undefined;
    const { clock, engine, tracked } = await purrWorld(async () => {
      lookups++;
      if (!answer) throw new Error("token search down");
      return answer;
    });
    await engine.start();
    await engine.create("u1", spec(2), 1, { platform: "telegram", chatId: "5" }); // the alert is still created
    expect([lookups, tracked]).toEqual([1, []]);
    await engine.sync();
    expect(lookups).toBe(1);
    answer = PURR;
    clock.advance(61_000);
    await engine.sync();
    expect([lookups, tracked]).toEqual([2, [[PURR.mint]]]);
  });
});

describe("alert expiry", () => {
  it("an alert past its expiry stops counting and shows as expired at once; the sync sweep marks it expired and drops it", async () => {
    const { app, clock, sent, tick } = await world({ MAX_ALERTS_PER_USER: "2" });
    const id = /Alert (\w{6})/.exec((await app.say("/alert SOL above 200 for 1h")).text)![1]!;
    await app.say("/alert SOL above 300");
    expect((await app.say("/alert SOL above 400")).text).toBe("You have 2 active alerts, the most allowed. Remove some with /unalert.");
    expect(app.services.alerts.size).toBe(2);
    clock.advance(2 * 3_600_000);
    // Before the sweep: not listed as active, not counted toward the limit.
    const list = await app.say("/alerts");
    expect(list.text).toContain("Your alerts (1 active)");
    expect(list.text).toMatch(new RegExp(`${id}  SOL above \\$200\\.00 \\(until [^)]*\\) - expired`));
    // The sweep: expired in the database and out of the index.
    await app.services.alerts.sync();
    const row = await app.db.db.selectFrom("alerts").select("state").where("id", "=", id).executeTakeFirstOrThrow();
    expect(row.state).toBe("expired");
    expect(app.services.alerts.size).toBe(1);
    expect((await app.say("/alert SOL above 250")).text).toMatch(/^Alert \w{6} set: SOL above \$250\.00/);
    expect((await app.say("/alerts")).text).toContain("Your alerts (2 active)");
    await tick(SOL, 260); // fires the new alert only
    expect(sent).toHaveLength(1);
    expect(sent[0]!.text).toContain("SOL is above $250.00");
  });

  it("a cooling (repeating) alert and a portfolio alert expire too; /unalert of an expired one does not count it as removed", async () => {
    const { app, clock, tick } = await world();
    await app.say("/alert SOL above 200 repeat 1h for 1h");
    await tick(SOL, 210); // fired: cooling
    await app.say("/alert portfolio above 5000 for 1h");
    const keep = /Alert (\w{6})/.exec((await app.say("/alert SOL below 100 for 1h")).text)![1]!;
    expect(app.services.alerts.size).toBe(2); // cooling alerts are held aside
    clock.advance(3_600_000);
    expect((await app.say(`/unalert ${keep}`)).text).toBe(`Alert ${keep} was not active.`);
    expect((await app.say("/unalert all")).text).toBe("You had no active alerts.");
    await app.services.alerts.sync();
    const states = (await app.db.db.selectFrom("alerts").select("state").execute()).map((r) => r.state);
    expect(states).toEqual(["expired", "expired", "expired"]);
    expect(app.services.alerts.size).toBe(0);
  });

  it("another process's engine drops an alert once it has expired", async () => {
    const { a, b, clock } = await twoProcesses("/alert SOL above 200 for 1h");
    expect(b.app.services.alerts.size).toBe(1);
    clock.advance(3_600_000);
    await a.app.services.alerts.sync();
    await b.app.services.alerts.sync();
    expect([a.app.services.alerts.size, b.app.services.alerts.size]).toEqual([0, 0]);
  });
});

describe("delivery latency", () => {
  const msg = (key: string) => ({ dedupeKey: key, kind: "alert", target: { platform: "telegram" as const, chatId: "7" }, reply: { kind: "info" as const, blocks: [] }, sourceAt: Date.now() });

  it("runs from cause to delivered: the platform's queue counts", async () => {
    const { app, clock } = await world();
    app.services.notifications.register({
      platform: "telegram",
      send: async () => {
        await new Promise((r) => setTimeout(r, 300)); // the platform's spacing queue
        return { ok: true, messageIds: ["1"] };
      },
    });
    const latencies: number[] = [];
    const d = new OutboxDispatcher({ store: app.repos.outbox, notifications: app.services.notifications, clock, log: silentLogger, maxAttempts: 3, admins: [], onLatency: (ms) => latencies.push(ms) });
    await app.repos.outbox.enqueue(msg("slow"), clock.now());
    expect(await d.runOnce()).toBe(1);
    expect(latencies).toHaveLength(1);
    expect(latencies[0]).toBeGreaterThanOrEqual(300);
    expect(d.latency().n).toBe(1);
  });

  it("is recorded once per message, when delivered, however many attempts it took", async () => {
    const { app, clock, sent, setFail } = await world();
    let failures = 2;
    setFail(() => (failures-- > 0 ? { ok: false, permanent: false, reason: "502 Bad Gateway" } : undefined));
    const latencies: number[] = [];
    const d = new OutboxDispatcher({ store: app.repos.outbox, notifications: app.services.notifications, clock, log: silentLogger, maxAttempts: 5, admins: [], onLatency: (ms) => latencies.push(ms) });
    await app.repos.outbox.enqueue(msg("flaky"), clock.now());
    for (let i = 0; i < 3; i++) {
      expect(await d.runOnce()).toBe(1);
      clock.advance(600_000);
    }
    expect(sent).toHaveLength(1);
    expect(latencies).toHaveLength(1);
    expect(d.latency().n).toBe(1);
  });

  it("a message that is never delivered records no latency", async () => {
    const { app, clock, setFail } = await world();
    setFail(() => ({ ok: false, permanent: true, reason: "Forbidden: bot was blocked by the user" }));
    const latencies: number[] = [];
    const d = new OutboxDispatcher({ store: app.repos.outbox, notifications: app.services.notifications, clock, log: silentLogger, maxAttempts: 3, admins: [], onLatency: (ms) => latencies.push(ms) });
    await app.repos.outbox.enqueue(msg("blocked"), clock.now());
    expect(await d.runOnce()).toBe(1);
    expect(latencies).toEqual([]);
  });
});
