/**
 * Token cards through the whole app (issue 18): the real card service, chain reader, Jupiter adapters and
 * trade path, on a fake Solana node holding real-shaped mints and a fake Jupiter, driven through the router
 * as a chat platform would. What a user sees is asserted exactly: flags, their words, the buttons.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { isUserError } from "../../core/errors.js";
import { SAFETY_MINTS, type SafetyMintKey } from "../fakes/solana/safety-mints.js";
import { fundSol, startCardApp, type CardApp } from "../helpers/card-app.js";
import { testDatabases, type TestDb } from "../helpers/databases.js";
import { buttonsOf, press } from "../helpers/trading-world.js";

type Said = Awaited<ReturnType<CardApp["app"]["say"]>>;
const labels = (r: Said) => buttonsOf(r).map((b) => b.label);
const lines = (r: Said) => r.text.split("\n");
const PRESETS = ["Buy 0.1 SOL", "Buy 0.5 SOL", "Buy 1 SOL", "Custom amount"];
const OWNER = { id: "1001" };
const STRANGER = { id: "2002" };

const FREEZE_LINE = "RED FLAG: Freeze authority present - the issuer can freeze your tokens so you cannot sell";

describe("token cards in a private chat, read from the chain", () => {
  let w: CardApp;
  beforeAll(async () => {
    w = await startCardApp();
  });
  afterAll(async () => w?.close());

  /** The codes of the card's flags, as the card service reports them. */
  const codes = async (k: SafetyMintKey) => (await w.app.services.tokenCards.safety(w.mint(k))).flags.map((f) => f.code);

  it("a pasted clean mint answers with its card: every check ran, no red flags, the default buy buttons", async () => {
    const r = await w.app.say(w.mint("clean"), OWNER);
    expect(r.outcome).toBe("replied");
    expect(r.replies).toHaveLength(1);
    expect(r.replies[0]!.kind).toBe("info");
    expect(lines(r)[0]).toBe(`Clean Coin (CLEAN) - ${w.mint("clean").slice(0, 4)}...${w.mint("clean").slice(-4)}`);
    expect(r.text).toContain(`Mint: ${w.mint("clean")}`);
    expect(r.text).toMatch(/Price\s+\$1\.25 \(jupiter, 0 s ago\)/);
    expect(r.text).toMatch(/Signals\s+verified on Jupiter; organic score 92 \(high\); tags: community/);
    expect(r.text).toMatch(/Program\s+SPL Token\n/);
    expect(r.text).toMatch(/Mint authority\s+revoked\n/);
    expect(r.text).toMatch(/Freeze authority\s+revoked\n/);
    expect(r.text).toMatch(/Transfer fee\s+none\n/);
    expect(r.text).toMatch(new RegExp(`Top 10 holders\\s+${w.fakes.world.cases.clean.top10Pct.toFixed(1)}% of supply \\(pools and burns excluded\\)`));
    expect(r.text).toMatch(/Age\s+400 d \(first seen on chain\)/);
    expect(lines(r).filter((l) => /^(RED FLAG|Warning|Note): /.test(l))).toEqual([]);
    expect(lines(r).at(-1)).toBe("No red flags found by the checks that ran.");
    expect(r.text).not.toContain("Partial");
    expect(labels(r)).toEqual(PRESETS);
    expect(await codes("clean")).toEqual([]);
  });

  it("the freezable mint's card names the freeze authority, what it means, and who holds it", async () => {
    const r = await w.app.say(w.mint("freezable"), OWNER);
    expect(r.replies[0]!.kind).toBe("warning");
    const issuer = w.fakes.world.cases.freezable.facts.freezeAuthority!;
    expect(r.text).toMatch(new RegExp(`Freeze authority\\s+present \\(${issuer.slice(0, 4)}\\.\\.\\.${issuer.slice(-4)}\\)`));
    expect(r.text).toMatch(/Mint authority\s+revoked/);
    expect(lines(r).filter((l) => /^(RED FLAG|Warning|Note): /.test(l))).toEqual([FREEZE_LINE]);
    expect(lines(r).at(-2)).toBe("1 red flag. Read them before you buy: a buy preview shows them again.");
    expect(lines(r).at(-1)).toBe("Buying: FRZ is not a verified token; trading it is blocked.");
    expect(labels(r)).toEqual([]); // nothing to press that could only be refused
    expect(await codes("freezable")).toEqual(["freeze_authority"]);
  });

  it("the Token-2022 mint's card shows the transfer fee with its rate and cap, and the permanent delegate", async () => {
    const r = await w.app.say(w.mint("feeDelegate"), OWNER);
    expect(r.text).toMatch(/Program\s+Token-2022/);
    expect(r.text).toMatch(/Transfer fee\s+2\.5% of every transfer \(at most 5,000 TAX per transfer\)/);
    expect(lines(r).filter((l) => /^(RED FLAG|Warning|Note): /.test(l))).toEqual([
      "RED FLAG: Permanent delegate - an address can take or burn your tokens",
      "Warning: Transfer fee 2.5% - every transfer, including your sell, loses 2.5% (at most 5,000 tokens per transfer)",
    ]);
    expect(lines(r).at(-2)).toBe("1 red flag and 1 warning. Read them before you buy: a buy preview shows them again.");
    expect(lines(r).at(-1)).toBe("Buying: TAX is not a verified token; trading it is blocked.");
    expect(await codes("feeDelegate")).toEqual(["permanent_delegate", "transfer_fee"]);
  });

  it("the concentrated mint's card flags the top-10 share, pools and burns left out", async () => {
    const pct = w.fakes.world.cases.concentrated.top10Pct;
    expect(pct).toBe(91); // three whales' 90% and five minnows' 1%; the pools' and the burn's 9% excluded
    const r = await w.app.say(w.mint("concentrated"), OWNER);
    expect(r.text).toMatch(/Top 10 holders\s+91\.0% of supply \(pools and burns excluded\)/);
    expect(lines(r).filter((l) => /^(RED FLAG|Warning|Note): /.test(l))).toEqual([
      "RED FLAG: Top 10 holders own 91% - the 10 largest wallets (pools and burns excluded) hold 91% of the supply: they can crash the price by selling",
    ]);
    expect(await codes("concentrated")).toEqual(["top_holders"]);
  });

  it("a cold card asks Jupiter once per endpoint: its market info and the mint's lookup share one search", async () => {
    const mint = w.mint("hooked");
    const asked = () => w.fakes.jup.requests.filter((r) => r.query.get("query") === mint || r.query.get("ids") === mint).map((r) => r.path);
    expect(asked()).toEqual([]);
    const r = await w.app.say(mint, OWNER);
    expect(r.text).not.toContain("Partial");
    // Two searches used to go out: on the keyless bucket (1 request/s) the price came after 2 s, past the card's 1.5 s.
    expect(asked().sort()).toEqual(["/price/v3", "/tokens/v2/search"]);
    expect((await codes("hooked")).sort()).toEqual([...w.fakes.world.cases.hooked.flags].sort());
    const report = await w.app.services.tokenCards.safety(mint);
    expect(lines(r).filter((l) => /^(RED FLAG|Warning|Note): /.test(l))).toEqual(
      report.flags.map((f) => `${f.severity === "red" ? "RED FLAG" : f.severity === "warn" ? "Warning" : "Note"}: ${f.title} - ${f.meaning}`),
    );
  });

  it("the same paste in a group gets no answer, and nothing is looked up", async () => {
    const before = w.fakes.jup.requests.length;
    for (const k of ["freezable", "mintable"] as const) {
      const r = await w.app.say(w.mint(k), { ...OWNER, chat: "group" });
      expect(r.outcome).toBe("ignored");
      expect(r.replies).toEqual([]);
    }
    expect(w.fakes.jup.requests.length).toBe(before);
  });
});

for (const target of testDatabases()) {
  describe.skipIf(target.skip)(`a one-tap buy of a flagged token (TOKEN_SAFETY=warn), ${target.name}${target.skip ? ` (skipped: ${target.skip})` : ""}`, () => {
    let w: CardApp | undefined;
    let t: TestDb | undefined;
    /** The app on this test's own database. */
    const boot = async (opts: Parameters<typeof startCardApp>[0] = {}) => {
      t = target.make();
      return startCardApp({ ...opts, db: await t.open() });
    };
    afterEach(async () => {
      await w?.close();
      await t?.cleanup();
      w = t = undefined;
    });

    it("the preview shows the flag and only 'I understand the risks'; Confirm without it is refused; the owner's ack fills once", async () => {
      w = await boot({ verified: ["freezable"] });
      const { app } = w;
      await fundSol(app, OWNER);
      const card = await app.say(w.mint("freezable"), OWNER);
      const buy = press(card, /^Buy 0\.1 SOL$/);
      expect((await app.press(buy, STRANGER)).text).toBe("This is not your button.");

      const preview = await app.press(buy, OWNER);
      expect(preview.replies[0]!.kind).toBe("warning");
      expect(preview.replies[0]!.private).toBe(true);
      expect(preview.text).toMatch(/Pay\s+0\.1 SOL \(~\$15\.00\)/);
      const safety = lines(preview).slice(lines(preview).indexOf("Safety of FRZ:"));
      expect(safety).toEqual([
        "Safety of FRZ:",
        "RED Freeze authority present: the issuer can freeze your tokens so you cannot sell",
        'Confirm needs "I understand the risks".',
        'Nothing happens unless you press "I understand the risks": only if you accept these risks.',
      ]);
      expect(labels(preview)).toEqual(["I understand the risks", "Cancel"]); // no plain Confirm is offered

      // A plain Confirm (what the button would have been) is refused by the trade service itself.
      const orderId = /order (o_[0-9a-f]{16})/.exec(preview.text)![1]!;
      const userId = (await app.services.identity.resolve("telegram", OWNER.id, "user1001")).user.id;
      const plain = await app.services.trading.confirm(userId, orderId, { toldByReply: true }).catch((e: unknown) => e);
      expect(isUserError(plain) && plain.code).toBe("token_unsafe");
      expect((plain as Error).message).toBe('FRZ is risky (freeze authority present). Nothing was traded: press "I understand the risks" on the preview to go ahead anyway.');

      const ack = press(preview, /^I understand the risks$/);
      expect((await app.press(ack, STRANGER)).text).toBe("This is not your button.");
      const [a, b] = await Promise.all([app.press(ack, OWNER), app.press(ack, OWNER)]);
      const told = [a.text, b.text].sort();
      expect(told[0]).toBe("Already done: that button was used.");
      expect(told[1]).toContain("Filled (paper)");
      expect((await app.press(ack, OWNER)).text).toBe("Already done: that button was used.");
      const trades = (await app.say("/trades", OWNER)).text;
      expect(trades.match(/buy 0\.1 SOL -> [\d.,]+ FRZ/g)).toHaveLength(1);
      expect((await app.say("/balance", OWNER)).text).toMatch(/FRZ/);
    });

    it("a Token-2022 buy's preview names the permanent delegate and takes the transfer fee out of Receive", async () => {
      w = await boot({ verified: ["feeDelegate"] });
      await fundSol(w.app, OWNER);
      const preview = await w.app.press(press(await w.app.say(w.mint("feeDelegate"), OWNER), /^Buy 0\.1 SOL$/), OWNER);
      // 0.1 SOL = $15 = 4,838.709677 TAX at $0.0031; 2.5% of it (120.967742, rounded up) goes to the fee.
      expect(preview.text).toMatch(/Receive\s+~4,717\.741935 TAX/);
      expect(lines(preview).slice(lines(preview).indexOf("Safety of TAX:"))).toEqual([
        "Safety of TAX:",
        "RED Permanent delegate: an address can take or burn your tokens",
        "WARN Transfer fee 2.5%: every transfer, including your sell, loses 2.5% (at most 5,000 tokens per transfer)",
        'Transfer fee: 120.967742 TAX (2.5%) is already taken out of "Receive" and "Minimum"',
        'Confirm needs "I understand the risks".',
        'Nothing happens unless you press "I understand the risks": only if you accept these risks.',
      ]);
      expect(labels(preview)).toEqual(["I understand the risks", "Cancel"]);
    });

    it("an unverified token's card offers no buy buttons but says why, and a typed buy is refused before any quote", async () => {
      w = await boot();
      await fundSol(w.app, OWNER);
      const quotes = w.swap.requestsTo("quote").length;
      const card = await w.app.say(w.mint("freezable"), OWNER);
      expect(labels(card)).toEqual([]);
      expect(lines(card)).toContain("Buying: FRZ is not a verified token; trading it is blocked.");
      const r = await w.app.say(`/buy ${w.mint("freezable")} 0.1 SOL`, OWNER);
      expect(r.outcome).toBe("error");
      expect(r.text).toBe("FRZ is not a verified token; trading it is blocked.");
      expect(w.swap.requestsTo("quote").length).toBe(quotes);
    });
  });
}

describe("TOKEN_SAFETY=block and the allowlist", () => {
  let w: CardApp | undefined;
  afterEach(async () => {
    await w?.close();
    w = undefined;
  });

  it("with block, a preset buy of a flagged token is refused with every flag named, and nothing is ordered", async () => {
    w = await startCardApp({ verified: ["freezable", "feeDelegate"], env: { TOKEN_SAFETY: "block" } });
    await fundSol(w.app, OWNER);
    // the card says so up front, with no buy buttons to press
    const frzCard = await w.app.say(w.mint("freezable"), OWNER);
    expect(labels(frzCard)).toEqual([]);
    expect(lines(frzCard)).toEqual(expect.arrayContaining(["Buying FRZ is blocked on this bot (TOKEN_SAFETY=block):", "- Freeze authority present: the issuer can freeze your tokens so you cannot sell"]));
    const frz = await w.app.say(`/buy ${w.mint("freezable")} 0.5 SOL`, OWNER);
    expect(frz.outcome).toBe("error");
    expect(frz.text).toBe("Buying FRZ is blocked on this bot (TOKEN_SAFETY=block):\n- Freeze authority present: the issuer can freeze your tokens so you cannot sell");
    expect(buttonsOf(frz)).toEqual([]);
    expect(labels(await w.app.say(w.mint("feeDelegate"), OWNER))).toEqual([]);
    const tax = await w.app.say(`/buy ${w.mint("feeDelegate")} 0.1 SOL`, OWNER);
    expect(tax.text).toBe("Buying TAX is blocked on this bot (TOKEN_SAFETY=block):\n- Permanent delegate: an address can take or burn your tokens");
    // a clean token is still bought as usual
    const clean = await w.app.press(press(await w.app.say(w.mint("clean"), OWNER), /^Buy 0\.1 SOL$/), OWNER);
    expect(labels(clean)).toEqual(["Confirm", "Cancel"]);
    const trades = (await w.app.say("/trades", OWNER)).text;
    expect(trades).not.toMatch(/FRZ|TAX/);
  });

  it("an allowlisted freezable token needs no acknowledgement (the allowlist wins), though its card still flags it", async () => {
    // even under block: the allowlist (symbols or mints) is the operator's own judgement
    w = await startCardApp({ env: { TOKEN_ALLOWLIST: `SOL,USDC,${SAFETY_MINTS.freezable.mint}`, TOKEN_SAFETY: "block" } });
    await fundSol(w.app, OWNER);
    const card = await w.app.say(w.mint("freezable"), OWNER);
    expect(lines(card)).toContain(FREEZE_LINE);
    const preview = await w.app.press(press(card, /^Buy 0\.1 SOL$/), OWNER);
    expect(preview.text).toContain("Buy preview");
    expect(preview.text).not.toContain("Safety of");
    expect(labels(preview)).toEqual(["Confirm", "Cancel"]);
    expect((await w.app.press(press(preview, /^Confirm$/), OWNER)).text).toContain("Filled (paper)");
    // a token off the list cannot be bought at all
    const offCard = await w.app.say(w.mint("clean"), OWNER);
    expect(labels(offCard)).toEqual([]);
    expect(lines(offCard)).toContain("Buying: CLEAN is not on this bot's list of tradable tokens.");
    const off = await w.app.say(`/buy ${w.mint("clean")} 0.1 SOL`, OWNER);
    expect(off.text).toBe("CLEAN is not on this bot's list of tradable tokens.");
  });
});
