import { afterEach, describe, expect, it } from "vitest";
import { createRegistry } from "../../commands/index.js";
import type { Reply } from "../../core/router/message.js";
import { isLlmTool } from "../../core/router/preconditions.js";
import { makeTestApp, type TestApp } from "../helpers/app.js";

const apps: TestApp[] = [];
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
});

async function app(env: Record<string, string> = {}) {
  const a = await makeTestApp({ env: { MAX_SLIPPAGE_BPS: "100", MAX_TRADE_USD: "500", MAX_PRIORITY_FEE_LEVEL: "medium", ...env } });
  apps.push(a);
  return a;
}

/** The button with this label in a reply. */
function button(r: Reply | undefined, label: string) {
  const b = r?.buttons?.flat().find((x) => x.label === label);
  if (!b) throw new Error(`no button "${label}" in ${JSON.stringify(r?.buttons?.flat().map((x) => x.label))}`);
  return b.action;
}

describe("/settings", () => {
  it("shows every setting with its ceiling, and buttons", async () => {
    const a = await app();
    const r = await a.say("/settings");
    expect(r.text).toContain("Your settings");
    expect(r.text).toMatch(/Slippage\s+the bot's default \(at most 100 bps\)/);
    expect(r.text).toMatch(/Buy presets SOL\s+0\.1 \/ 0\.5 \/ 1 SOL/);
    expect(r.text).toMatch(/Buy presets USDC\s+10 \/ 50 \/ 100 USDC/);
    expect(r.text).toMatch(/Pay with\s+SOL/);
    expect(r.text).toMatch(/Quick buy\s+off: every buy is previewed \(at most \$500\)/);
    expect(r.text).toMatch(/Alerts go to\s+all your linked platforms/);
    expect(r.text).toMatch(/Quiet hours\s+off/);
    // the default fee (high, what live swaps paid before settings) within this operator's cap (medium)
    expect(r.text).toMatch(/Priority fee\s+medium \(at most medium\)/);
    const labels = r.replies[0]!.buttons!.flat().map((b) => b.label);
    expect(labels).toEqual(["25 bps", "50 bps", "100 bps", "Default slippage", "Pay with USDC", "Fee none", "Fee low", "Fee medium", "Reset all"]);
  });

  it("text forms change each setting and the reply shows the result", async () => {
    const a = await app();
    const said = async (t: string) => (await a.say(t)).text;
    expect(await said("/settings slippage 50")).toMatch(/Saved\.[\s\S]*Slippage\s+50 bps/);
    expect(await said("/settings presets sol 0.2 0.5 1")).toMatch(/Buy presets SOL\s+0\.2 \/ 0\.5 \/ 1 SOL/);
    const usdc = await said("/settings presets usdc 20 50 100");
    expect(usdc).toMatch(/Buy presets USDC\s+20 \/ 50 \/ 100 USDC/);
    expect(usdc).toMatch(/Buy presets SOL\s+0\.2 \/ 0\.5 \/ 1 SOL/); // the other token's presets stay
    expect(await said("/settings pay usdc")).toMatch(/Pay with\s+USDC/);
    expect(await said("/settings quickbuy 25")).toMatch(/Quick buy\s+presets up to \$25 skip the preview/);
    expect(await said("/settings alerts telegram,discord")).toMatch(/Alerts go to\s+telegram, discord/);
    expect(await said("/settings quiet 22:00-07:00 Europe/Berlin")).toMatch(/Quiet hours\s+22:00-07:00 Europe\/Berlin/);
    expect(await said("/settings fee medium")).toMatch(/Priority fee\s+medium/);
    // Off again.
    expect(await said("/settings quickbuy off")).toMatch(/Quick buy\s+off/);
    expect(await said("/settings alerts all")).toMatch(/Alerts go to\s+all your linked platforms/);
    expect(await said("/settings quiet off")).toMatch(/Quiet hours\s+off/);
    const shown = await said("/settings");
    expect(shown).toMatch(/Slippage\s+50 bps/);
    expect(shown).toMatch(/Pay with\s+USDC/);
    const reset = await said("/settings reset");
    expect(reset).toContain("Settings back to the defaults.");
    expect(reset).toMatch(/Slippage\s+the bot's default/);
    expect(reset).toMatch(/Pay with\s+SOL/);
  });

  it("bad values get clear messages, and a value over the operator's cap names the cap", async () => {
    const a = await app();
    const said = async (t: string) => (await a.say(t)).text;
    expect(await said("/settings slippage 150")).toContain("Slippage can be at most 100 bps: the operator's cap (MAX_SLIPPAGE_BPS).");
    expect(await said("/settings slippage 9000")).toContain("Slippage can be at most 100 bps: the operator's cap (MAX_SLIPPAGE_BPS).");
    expect(await said("/settings quickbuy 501")).toContain("The quick-buy limit can be at most $500: the operator's cap (MAX_TRADE_USD).");
    expect(await said("/settings fee high")).toContain("The priority fee can be at most medium: the operator's cap (MAX_PRIORITY_FEE_LEVEL).");
    expect(await said("/settings slippage lots")).toContain("Slippage is a whole number of basis points");
    expect(await said("/settings presets sol 1 2 3 4 5")).toContain("At most 4 SOL presets");
    expect(await said("/settings presets sol 20000")).toContain("Each SOL preset can be at most 10000 SOL.");
    expect(await said("/settings presets btc 1")).toContain("Say which presets: sol or usdc.");
    expect(await said("/settings presets sol -1")).toContain("SOL presets are plain amounts");
    expect(await said("/settings pay bonk")).toContain("Pay with sol or usdc.");
    expect(await said("/settings alerts myspace")).toContain("myspace is not a platform");
    expect(await said("/settings quiet 22-7 Europe/Berlin")).toContain("HH:MM-HH:MM");
    expect(await said("/settings quiet 22:00-07:00 Mars/Base")).toContain("not a time zone I know");
    expect(await said("/settings fee turbo")).toContain("none, low, medium or high");
    expect(await said("/settings colour blue")).toMatch(/Settings are slippage, presets, pay, quickbuy, alerts, quiet, fee and reset/);
    // Nothing was changed by any of it.
    const shown = await said("/settings");
    expect(shown).toMatch(/Slippage\s+the bot's default/);
    expect(shown).toMatch(/Priority fee\s+medium/);
  });

  it("buttons apply the setting for the requester only, once", async () => {
    const a = await app();
    const r = await a.say("/settings", { id: "1001" });
    const fee = button(r.replies[0], "Fee low");
    // Another user cannot press it.
    const stranger = await a.press(fee, { id: "2002" });
    expect(stranger.text).toBe("This is not your button.");
    expect((await a.say("/settings", { id: "2002" })).text).toMatch(/Priority fee\s+medium/);
    // The requester can.
    const pressed = await a.press(fee, { id: "1001" });
    expect(pressed.text).toMatch(/Saved\.[\s\S]*Priority fee\s+low/);
    expect(pressed.replies[0]!.editsOriginal).toBe(true);
    // Used once.
    expect((await a.press(fee, { id: "1001" })).text).toBe("Already done: that button was used.");
    // The new message's buttons work in turn.
    const usd = button(pressed.replies[0], "Pay with USDC");
    expect((await a.press(usd, { id: "1001" })).text).toMatch(/Pay with\s+USDC/);
    const again = await a.say("/settings", { id: "1001" });
    expect((await a.press(button(again.replies[0], "Reset all"), { id: "1001" })).text).toMatch(/Settings back to the defaults\.[\s\S]*Pay with\s+SOL/);
  });

  it("in a group it asks to go private and shows nothing", async () => {
    const a = await app();
    const r = await a.say("/settings@PurserBot slippage 50", { chat: "group" });
    expect(r.text).toBe("/settings only works in a private chat with me.");
    expect((await a.say("/settings")).text).toMatch(/Slippage\s+the bot's default/);
  });

  it("is listed in /help and never offered to the assistant as a tool", async () => {
    const a = await app();
    expect((await a.say("/help")).text).toContain("/settings");
    const tools = createRegistry().all().filter(isLlmTool).map((c) => c.name);
    expect(tools).toContain("price"); // the assistant does get tools
    expect(tools).not.toContain("settings");
  });
});
