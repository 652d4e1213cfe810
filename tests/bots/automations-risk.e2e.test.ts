import { Keypair } from "@solana/web3.js";
import { afterEach, describe, expect, it } from "vitest";
import { RISK_ACK_LABEL } from "../../core/domain/trade-risk.js";
import type { Token } from "../../core/domain/token.js";
import { buttonsOf, press, tradingWorld, type TradingWorld } from "../helpers/trading-world.js";

/*
 * Issue 18 on automations, through the whole app (router, button binding, wiring, the chain read by
 * the real token-safety reader from the LiteSVM fake): a limit buy of a token whose mint authority is
 * still held is previewed with its flags and armed only by "I understand the risks", pressed by its owner.
 */

let w: TradingWorld | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

describe("an automation on a flagged token, whole app", () => {
  it("previews the flags, refuses a stranger's press, arms on the owner's acknowledgement, and /auto marks it", async () => {
    const mint = Keypair.generate().publicKey;
    const RUG: Token = { symbol: "RUG", name: "Rug", mint: mint.toBase58(), decimals: 6, verified: true };
    w = await tradingWorld({ env: { TRADING_MODE: "paper", TOKEN_SAFETY: "warn" }, listed: [RUG] });
    // A fresh mint whose mint authority is still held: a red flag.
    w.world.sol.createMint(6, undefined, { address: mint });
    w.world.jup.setPrice(RUG.mint, 1);
    w.prices.usd.RUG = 1;
    const { app } = w;

    const preview = await app.say("/limit buy RUG 10 at 0.9", { id: "1" });
    expect(preview.text).toContain("Limit buy preview");
    expect(preview.text).toContain("Safety of RUG:");
    expect(preview.text).toContain("RED Mint authority present: more tokens can be minted at any time, diluting you");
    expect(buttonsOf(preview).map((b) => b.label)).toEqual([RISK_ACK_LABEL, "Cancel"]);
    const id = /automation (a[a-z0-9]{8})/.exec(preview.text)![1]!;
    const ack = press(preview, new RegExp(`^${RISK_ACK_LABEL}`));

    const stranger = await app.press(ack, { id: "2" });
    expect(stranger.text).toContain("This is not your button.");
    expect((await app.say("/auto", { id: "1" })).text).not.toContain(id);

    const armed = await app.press(ack, { id: "1" });
    expect(armed.text).toContain(`Armed. Limit buy ${id}: buy RUG with 10 USDC`);
    expect(armed.text).toMatch(/Risk acknowledged \(mint authority/);
    const list = await app.say("/auto", { id: "1" });
    expect(list.text).toContain(id);
    expect(list.text).toMatch(/\[risk acknowledged: mint authority/);
  });
});
