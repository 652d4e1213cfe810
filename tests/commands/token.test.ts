import { afterEach, describe, expect, it } from "vitest";
import { decideMention } from "../../adapters/twitter/mention-policy.js";
import type { UserSettings } from "../../core/domain/user-settings.js";
import { UserError } from "../../core/errors.js";
import { buttonsOf, MINTS, press, tradingWorld, type TradingWorld } from "../helpers/trading-world.js";
import { FakeSettings, FakeTokenCards, FLAGS, ISSUER, marketInfo, safetyReport } from "../helpers/token-cards.js";

let w: TradingWorld;
afterEach(async () => w?.close());

const JUP = MINTS.JUP;
const BONK = MINTS.BONK;

/** A paper trading world whose token cards and settings are the fakes: JUP is clean, BONK is flagged. */
async function cardWorld(env: Record<string, string> = {}) {
  w = await tradingWorld({ env: { TRADING_MODE: "paper", ...env } });
  const now = w.clock.now();
  const cards = new FakeTokenCards(w.app.services.tokens, w.clock)
    .set(JUP, { market: marketInfo(JUP, "JUP"), price: { usd: 0.5, source: "jupiter", ageMs: 3_000 }, safety: safetyReport(JUP, now, { flags: [FLAGS.other] }) })
    .set(BONK, {
      market: marketInfo(BONK, "BONK", { verified: false, organicScore: 12, organicLabel: "low" }),
      price: { usd: 0.00002, source: "jupiter", ageMs: 5_000 },
      safety: safetyReport(BONK, now, { feeBps: 250, freezeAuthority: ISSUER, flags: [FLAGS.fee, FLAGS.freeze] }),
    });
  const settings = new FakeSettings();
  Object.assign(w.app.services, { tokenCards: cards, settings });
  const userOf = async (id: string) => (await w.app.services.identity.resolve("telegram", id, `user${id}`)).user.id;
  const setFor = async (id: string, patch: Partial<UserSettings>) => settings.update(await userOf(id), patch);
  return { app: w.app, cards, settings, setFor, now };
}

const labels = (r: Parameters<typeof buttonsOf>[0]) => buttonsOf(r).map((b) => b.label);

describe("/token: the card", () => {
  it("a clean token's card shows its market data, every check and no red flags, with the default buy buttons", async () => {
    const { app } = await cardWorld();
    const r = await app.say("/token JUP");
    expect(r.outcome).toBe("replied");
    expect(r.text).toContain("Jupiter (JUP) - JUPy...DvCN");
    expect(r.text).toContain(`Mint: ${JUP}`);
    expect(r.text).toMatch(/Price\s+\$0\.5 \(jupiter, 3 s ago\)/);
    expect(r.text).toMatch(/24h change\s+\+3\.25%/);
    expect(r.text).toMatch(/Liquidity\s+\$12\.3M/);
    expect(r.text).toMatch(/Market cap\s+\$1\.5B \/ FDV \$2B/);
    expect(r.text).toMatch(/24h volume\s+\$45\.6M/);
    expect(r.text).toMatch(/Holders\s+812,345/);
    expect(r.text).toMatch(/Signals\s+verified on Jupiter; organic score 92 \(high\); tags: strict/);
    expect(r.text).toMatch(/Mint authority\s+revoked/);
    expect(r.text).toMatch(/Freeze authority\s+revoked/);
    expect(r.text).toMatch(/Transfer fee\s+none/);
    expect(r.text).toMatch(/Top 10 holders\s+12\.0% of supply \(pools and burns excluded\)/);
    expect(r.text).toMatch(/Age\s+40 d \(first seen on chain\)/);
    expect(r.text).toContain("Note: Other extensions: metadata pointer - these change nothing for a holder");
    expect(r.text).toContain("No red flags found by the checks that ran.");
    expect(r.text).not.toContain("Partial");
    expect(r.replies[0]!.private).toBeFalsy();
    expect(labels(r)).toEqual(["Buy 0.1 SOL", "Buy 0.5 SOL", "Buy 1 SOL", "Custom amount"]);
  });

  it("a flagged token shows each flag with its marker and meaning, and the transfer fee's rate", async () => {
    const { app } = await cardWorld();
    const r = await app.say("/token BONK");
    expect(r.replies[0]!.kind).toBe("warning");
    expect(r.text).toMatch(/Signals\s+NOT verified on Jupiter; organic score 12 \(low\)/);
    expect(r.text).toMatch(/Program\s+Token-2022/);
    expect(r.text).toMatch(/Freeze authority\s+present \(Cr6j\.\.\.pQTb\)/);
    expect(r.text).toMatch(/Transfer fee\s+2\.5% of every transfer \(at most 5 BONK per transfer\)/);
    const lines = r.text.split("\n");
    const red = lines.findIndex((l) => l === "RED FLAG: Freeze authority present - the issuer can freeze your tokens so you cannot sell them");
    const warn = lines.findIndex((l) => l === "Warning: Transfer fee 2.50% - every transfer, your buy and your sell included, pays this fee");
    expect(red).toBeGreaterThan(-1);
    expect(warn).toBeGreaterThan(red); // most serious first
    expect(r.text).toContain("1 red flag and 1 warning. Read them before you buy: a buy preview shows them again.");
    expect(r.text).not.toContain("No red flags");
  });

  it("a partial card says what is unavailable and never calls the token clean", async () => {
    const { app, cards, now } = await cardWorld();
    cards.set(JUP, { market: marketInfo(JUP, "JUP"), price: { usd: 0.5, source: "jupiter", ageMs: 1_000 }, safety: safetyReport(JUP, now, { top10Pct: null, missing: ["holders", "age"] }) });
    const some = await app.say("/token JUP");
    expect(some.text).toContain("Partial: holder concentration, token age unavailable.");
    expect(some.text).toContain("No red flags in the checks that ran, but holder concentration, token age could not be checked.");
    expect(some.text).not.toContain("No red flags found by the checks that ran");

    // no chain check ran at all (the node did not answer): "not checked", never a reassurance
    cards.set(JUP, { market: marketInfo(JUP, "JUP"), price: { usd: 0.5, source: "jupiter", ageMs: 1_000 }, safety: safetyReport(JUP, now, { top10Pct: null, missing: ["mint", "holders", "age"] }) });
    const unchecked = await app.say("/token JUP");
    expect(unchecked.text).toContain("Not checked. The Solana node did not answer, so none of the safety checks ran: treat this token as unchecked");
    expect(unchecked.text).not.toContain("No red flags");

    cards.set(JUP, { market: null, price: null, safety: null });
    const none = await app.say("/token JUP");
    expect(none.text).toContain("Partial: market data, price, safety checks unavailable.");
    expect(none.text).toMatch(/Price\s+unavailable right now/);
    expect(none.text).not.toContain("Liquidity"); // no rows of n/a

    const unlisted = "9BB6NFEcjBCtnNLFko2FqVQBq8HHM13kCyYcdQbgpump";
    cards.set(unlisted, { market: null, price: null, safety: safetyReport(unlisted, now) });
    const r = await app.say(unlisted);
    expect(r.text.split("\n")[0]).toBe("Unlisted token - 9BB6...pump");
    expect(r.text).toContain("Partial: market data, price unavailable.");
    expect(r.text).toContain("No red flags found by the checks that ran."); // every chain check ran
    expect(none.text).toContain("Safety: the chain could not be read just now, so nothing about this token was checked. Treat it as unchecked.");
    expect(none.text).not.toContain("No red flags");
  });

  it("an unknown token gets the card service's error; a deployment without cards says so", async () => {
    const { app } = await cardWorld();
    expect((await app.say(`/token ${MINTS.WIF}`)).text).toMatch(/^I don't know a token called/);
    Object.assign(app.services, { tokenCards: undefined });
    const off = await app.say("/token JUP");
    expect(off.outcome).toBe("error");
    expect(off.text).toBe("Token cards are not enabled on this deployment; /price still works.");
  });
});

describe("/help", () => {
  it("lists /token under Market and says a paste shows a card", async () => {
    const { app } = await cardWorld();
    const help = await app.say("/help");
    expect(help.text).toContain("/token <symbol|mint> - Token card: price, liquidity, market cap, holders and safety checks, with buy buttons");
    expect(help.text).toContain("Paste a mint address or a token link in a private chat with me to see its card (/token).");
    expect((await app.say("/help token")).text).toContain("/token BONK");
  });
});

describe("paste to look", () => {
  it("in a private chat a bare mint or a token link answers with the card, without a model", async () => {
    const { app, cards } = await cardWorld();
    expect((await app.say(JUP)).text).toContain("Jupiter (JUP)");
    expect((await app.say(`https://jup.ag/swap/SOL-${BONK}`)).text).toContain("Bonk (BONK)");
    expect((await app.say(`/token https://solscan.io/token/${JUP}`)).text).toContain("Jupiter (JUP)");
    expect(cards.calls).toEqual([JUP, BONK, JUP]);
  });

  it("a DexScreener pair link names a pool: the card is the token it trades, saying which pool", async () => {
    const { app, cards } = await cardWorld();
    const pool = "58oQChx4yWmvKdwLLZzBi4ChoCc2fqCUWBkwMihLYQo2";
    cards.pools.set(pool, { mint: BONK, dex: "Raydium AMM v4" });
    const r = await app.say(`https://dexscreener.com/solana/${pool}`);
    expect(cards.calls).toEqual([pool]);
    const lines = r.text.split("\n");
    expect(lines[0]).toBe("Bonk (BONK) - DezX...B263");
    expect(lines[1]).toBe(`Mint: ${BONK}`);
    expect(lines[2]).toBe("From a Raydium AMM v4 pool 58oQ...YQo2");
    expect(labels(r)).toEqual(["Buy 0.1 SOL", "Buy 0.5 SOL", "Buy 1 SOL", "Custom amount"]);
    // the buttons buy the token, never the pool's address
    expect((await app.press(press(r, /^Custom amount$/))).text).toContain(`/buy ${BONK} 0.25 SOL`);
    cards.pools.set(pool, { mint: BONK, dex: "Orca Whirlpool" });
    expect((await app.say(`/token ${pool}`)).text).toContain("From an Orca Whirlpool pool 58oQ...YQo2");
  });

  it("a redelivered paste is answered once", async () => {
    const { app, cards } = await cardWorld();
    expect((await app.say(JUP, { updateId: "paste-1" })).outcome).toBe("replied");
    const again = await app.say(JUP, { updateId: "paste-1" });
    expect(again.outcome).toBe("duplicate");
    expect(again.replies).toEqual([]);
    expect(cards.calls).toHaveLength(1);
  });

  it("in a group a paste gets no answer at all", async () => {
    const { app, cards } = await cardWorld();
    for (const text of [JUP, `https://pump.fun/coin/${JUP}`]) {
      const r = await app.say(text, { chat: "group" });
      expect(r.outcome).toBe("ignored");
      expect(r.replies).toEqual([]);
    }
    expect(cards.calls).toEqual([]);
  });

  it("base58 inside a sentence is an ordinary message, not a card", async () => {
    const { app, cards } = await cardWorld();
    const r = await app.say(`my friend says ${JUP} will pump`);
    expect(r.text).not.toContain("Safety");
    expect(cards.calls).toEqual([]);
  });
});

describe("the card's buy buttons", () => {
  it("a preset goes to the usual preview, privately; a stranger's press is refused; the owner confirms once", async () => {
    const { app, setFor } = await cardWorld();
    await setFor("1", { payToken: "USDC" });
    const card = await app.say("/token JUP", { id: "1" });
    expect(labels(card)).toEqual(["Buy 10 USDC", "Buy 50 USDC", "Buy 100 USDC", "Custom amount"]);
    const buy10 = press(card, /^Buy 10 USDC$/);
    expect((await app.press(buy10, { id: "2" })).text).toBe("This is not your button.");
    const preview = await app.press(buy10, { id: "1" });
    expect(preview.text).toContain("Buy preview");
    expect(preview.text).toMatch(/Pay\s+10 USDC \(~\$10\.00\)/);
    expect(preview.text).toMatch(/Receive\s+~20 JUP/);
    expect(preview.replies[0]!.private).toBe(true);
    expect((await app.press(buy10, { id: "1" })).text).toBe("Already done: that button was used.");
    const filled = await app.press(press(preview, /^Confirm/), { id: "1" });
    expect(filled.text).toContain("Filled (paper)");
    expect((await app.say("/trades", { id: "1" })).text.match(/buy 10 USDC -> 20 JUP/g)).toHaveLength(1);
  });

  it("in a group the card is public, its buttons answer only the requester, and the preview is private", async () => {
    const { app, setFor } = await cardWorld();
    await setFor("1", { payToken: "USDC" });
    const card = await app.say("/token JUP", { id: "1", chat: "group" });
    expect(card.replies[0]!.private).toBeFalsy();
    const buy = press(card, /^Buy 10 USDC$/);
    expect((await app.press(buy, { id: "2", chat: "group" })).text).toBe("This is not your button.");
    const preview = await app.press(buy, { id: "1", chat: "group" });
    expect(preview.text).toContain("Buy preview");
    expect(preview.replies[0]!.private).toBe(true);
  });

  it("default SOL presets spend SOL", async () => {
    const { app } = await cardWorld();
    await app.press(press(await app.say("/buy SOL 150"), /^Confirm/));
    const preview = await app.press(press(await app.say("/token JUP"), /^Buy 0\.1 SOL$/));
    expect(preview.text).toMatch(/Pay\s+0\.1 SOL \(~\$15\.00\)/);
    expect(preview.text).toMatch(/Receive\s+~30 JUP/);
  });

  it("a preset refused before any order (no SOL in a new paper account) says how to pay with USDC and gives the buttons again", async () => {
    const { app } = await cardWorld();
    const refused = await app.press(press(await app.say("/token JUP"), /^Buy 0\.1 SOL$/));
    expect(refused.text).toContain("You have 0 SOL in your paper account; that trade needs 0.1.");
    expect(refused.text).toContain("Nothing was bought. To pay with USDC instead: /settings pay usdc");
    expect(labels(refused)).toEqual(["Buy 0.1 SOL", "Buy 0.5 SOL", "Buy 1 SOL", "Custom amount"]);
    // the buttons it gave back work: with SOL bought, the same preset previews
    await app.press(press(await app.say("/buy SOL 150"), /^Confirm/));
    const preview = await app.press(press(refused, /^Buy 0\.1 SOL$/));
    expect(preview.text).toMatch(/Pay\s+0\.1 SOL \(~\$15\.00\)/);
  });

  it("Custom answers with the /buy line to send, the mint filled in", async () => {
    const { app } = await cardWorld();
    const r = await app.press(press(await app.say("/token BONK"), /^Custom amount$/));
    expect(r.text).toContain(`/buy ${BONK} 0.25 SOL`);
    expect(r.replies[0]!.private).toBe(true);
  });

  it("no buy buttons on the card of the token one pays with", async () => {
    const { app, cards, now } = await cardWorld();
    cards.set(MINTS.SOL, { market: marketInfo(MINTS.SOL, "SOL"), price: { usd: 150, source: "jupiter", ageMs: 0 }, safety: safetyReport(MINTS.SOL, now) });
    const r = await app.say("/token SOL");
    expect(labels(r)).toEqual([]);
    expect(r.text).toContain("The buy buttons pay with SOL, so its own card has none: buy it with /buy SOL <amount> USDC, or pay with USDC (/settings pay usdc).");
  });

  it("a token the trade policy refuses (deny list) gets no buy buttons, and the card says why", async () => {
    const { app } = await cardWorld({ TOKEN_DENYLIST: "JUP" });
    const r = await app.say("/token JUP");
    expect(labels(r)).toEqual([]);
    expect(r.text).toContain("Buying: Trading JUP is not allowed here.");
    expect(labels(await app.say("/token BONK"))).toEqual(["Buy 0.1 SOL", "Buy 0.5 SOL", "Buy 1 SOL", "Custom amount"]);
  });
});

describe("quick buy", () => {
  it("a preset at or under the user's limit executes at once, once, even pressed twice", async () => {
    const { app, setFor } = await cardWorld();
    await setFor("1", { payToken: "USDC", quickBuyMaxUsd: 10, buyPresets: { SOL: ["0.1"], USDC: ["10", "50"] } });
    const card = await app.say("/token JUP", { id: "1" });
    const buy = press(card, /^Buy 10 USDC$/);
    const [first, second] = await Promise.all([app.press(buy, { id: "1" }), app.press(buy, { id: "1" })]);
    const texts = [first.text, second.text].sort();
    expect(texts[0]).toBe("Already done: that button was used.");
    expect(texts[1]).toContain("Quick buy ($10.00, your limit $10.00; change it in /settings)");
    expect(texts[1]).toContain("Filled (paper)");
    expect(texts[1]).not.toContain("Buy preview");
    expect((await app.say("/trades", { id: "1" })).text.match(/buy 10 USDC -> 20 JUP/g)).toHaveLength(1);
  });

  it("over the limit, or a token with flags or unfinished checks, gets the preview", async () => {
    const { app, setFor, cards, now } = await cardWorld();
    await setFor("1", { payToken: "USDC", quickBuyMaxUsd: 20, buyPresets: { SOL: ["0.1"], USDC: ["10", "50"] } });
    const over = await app.press(press(await app.say("/token JUP", { id: "1" }), /^Buy 50 USDC$/), { id: "1" });
    expect(over.text).toContain("Buy preview");
    expect(over.text).not.toContain("Quick buy");

    const flagged = await app.press(press(await app.say("/token BONK", { id: "1" }), /^Buy 10 USDC$/), { id: "1" });
    expect(flagged.text).toContain("Buy preview");
    expect(flagged.text).toContain("Quick buy skipped: this token has safety flags, so you confirm this one yourself.");

    cards.set(JUP, { market: marketInfo(JUP, "JUP"), price: { usd: 0.5, source: "jupiter", ageMs: 0 }, safety: safetyReport(JUP, now, { missing: ["holders"] }) });
    const partial = await app.press(press(await app.say("/token JUP", { id: "1" }), /^Buy 10 USDC$/), { id: "1" });
    expect(partial.text).toContain("Quick buy skipped: not every safety check could run, so you confirm this one yourself.");
    expect((await app.say("/trades", { id: "1" })).text).not.toContain("filled");
  });

  it("when the trade policy still wants the risks acknowledged, the quick buy falls back to the preview", async () => {
    const { app, setFor } = await cardWorld();
    await setFor("1", { payToken: "USDC", quickBuyMaxUsd: 10 });
    const trading = app.services.trading;
    trading.confirm = async () => {
      throw new UserError("token_unsafe", 'JUP is risky. Nothing was traded: press "I understand the risks" on the preview to go ahead anyway.');
    };
    const r = await app.press(press(await app.say("/token JUP", { id: "1" }), /^Buy 10 USDC$/), { id: "1" });
    expect(r.text).toContain("Buy preview");
    expect(r.text).toContain("Quick buy skipped: this trade needs your explicit acknowledgement of the risks.");
  });

  it("without a limit (the default) every preset is previewed", async () => {
    const { app, setFor } = await cardWorld();
    await setFor("1", { payToken: "USDC" });
    const r = await app.press(press(await app.say("/token JUP", { id: "1" }), /^Buy 10 USDC$/), { id: "1" });
    expect(r.text).toContain("Nothing happens until you press Confirm.");
  });
});

describe("/token on X", () => {
  it("is public data: a mention routes it, a trade word in it is refused", () => {
    const me = { id: "99", username: "PurserBot" };
    const known = new Set(["price", "token", "buy"]);
    expect(decideMention({ text: "@PurserBot token BONK" }, me, known)).toEqual({ kind: "route", command: "token", text: "/token BONK", direct: true });
    expect(decideMention({ text: "@PurserBot token BONK then buy 5" }, me, known)).toEqual({ kind: "refuse" });
  });

  it("answers with a compact card, flags first, and no buttons", async () => {
    const { app } = await cardWorld();
    const r = await app.send({
      platform: "twitter",
      updateId: "x-1",
      chat: { id: "tweet-1", kind: "group" },
      sender: { id: "42", name: "alice" },
      text: "/token BONK",
      directed: true,
      mentionsBot: true,
    });
    expect(r.text.split("\n")).toEqual([
      "BONK (DezX...B263)",
      "Safety: RED FLAG Freeze authority present; Warning Transfer fee 2.50%",
      "$0.00002 (jupiter, 5 s ago), 24h +3.25%, liq $12.3M, mcap $1.5B",
    ]);
    expect(buttonsOf(r)).toEqual([]);
  });
});
