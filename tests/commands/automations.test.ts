import { describe, expect, it } from "vitest";
import { decideMention } from "../../adapters/twitter/mention-policy.js";
import auto from "../../commands/auto.command.js";
import dca from "../../commands/dca.command.js";
import { commands, createRegistry } from "../../commands/index.js";
import limit from "../../commands/limit.command.js";
import stop from "../../commands/stop.command.js";
import tp from "../../commands/tp.command.js";
import trail from "../../commands/trail.command.js";
import { slashCommands } from "../../adapters/discord/commands.js";
import { isLlmTool } from "../../core/router/preconditions.js";
import { plainText } from "../../core/router/reply.js";
import { orderLine } from "../../core/services/trade-format.js";
import type { Order } from "../../core/domain/order.js";
import { FakeAutomations } from "../helpers/automations.js";
import { FakeClock } from "../helpers/clock.js";
import { MemoryAudit } from "../helpers/audit.js";
import { commandContext, pressCommand, runCommand } from "../helpers/command-context.js";

function world(opts: ConstructorParameters<typeof FakeAutomations>[1] = {}) {
  const clock = new FakeClock();
  const automations = new FakeAutomations(clock, opts);
  return { clock, automations, services: { automations, clock, audit: new MemoryAudit() } };
}

/** The draft id a preview names ("... - automation a00000001"). */
const draftId = (text: string) => /automation (a[a-z0-9]{8})/.exec(text)![1]!;

describe("creating an automation shows a preview and arms nothing", () => {
  it("/stop: what, when, how much and the worst case, with Confirm and Cancel bound to the requester", async () => {
    const w = world();
    const ctx = commandContext(w.services);
    const r = await stop.run(ctx, stop.args.parse({ token: "SOL", level: ["at", "205"] }));
    const text = plainText(r);
    expect(text).toContain("Stop-loss preview - automation a00000001");
    expect(text).toMatch(/What\s+sell all of your SOL for USDC/);
    expect(text).toMatch(/Fires\s+when SOL is at or below \$205\.00/);
    expect(text).toMatch(/How much\s+all of your SOL at the time it fires; never more than you hold/);
    expect(text).toMatch(/SOL now\s+\$227\.50/);
    expect(text).toMatch(/Max slippage\s+1\.00%/);
    expect(text).toMatch(/Max price impact\s+2\.00%/);
    expect(text).toMatch(/Per firing\s+at most \$1,000\.00 \(MAX_TRADE_USD\)/);
    expect(text).toMatch(/Confirmation\s+a stop fires only on a price confirmed by the next good tick/);
    expect(text).toMatch(/Confirm within\s+10 min \(00:10 UTC\); after that this draft expires/);
    expect(text).toMatch(/Mode\s+paper \(simulated\)/);
    expect(text).toContain("Nothing is armed until you press Confirm.");
    expect(r.private).toBe(true);
    expect(r.buttons?.[0]?.map((b) => b.label)).toEqual(["Confirm", "Cancel"]);
    expect(ctx.issued.specs.map((s) => [s.action, s.payload])).toEqual([
      ["confirm", { automationId: "a00000001" }],
      ["cancel", { automationId: "a00000001" }],
    ]);
    expect(w.automations.of("u1", "proposed")).toHaveLength(1);
    expect(w.automations.of("u1", "armed")).toHaveLength(0);
  });

  it("each creation command previews its own rule", async () => {
    const w = world();
    const text = async (p: Promise<unknown>) => plainText((await p) as Parameters<typeof plainText>[0]);
    const tpText = await text(runCommand(tp, w.services, { token: "SOL", level: ["at", "25%", "50%"] }));
    expect(tpText).toContain("Take-profit preview");
    expect(tpText).toMatch(/What\s+sell 50% of your SOL for USDC/);
    expect(tpText).toMatch(/Fires\s+when SOL is at or above \$284\.38 \(25% above \$227\.50 when set\)/);
    expect(tpText).not.toContain("Confirmation");

    const trailText = await text(runCommand(trail, w.services, { token: "SOL", distance: "10%" }));
    expect(trailText).toContain("Trailing stop preview");
    expect(trailText).toMatch(/Fires\s+when SOL falls 10% from its highest price since set \(high \$227\.50: fires at \$204\.75 or below, rising with the high\)/);

    const buyText = await text(runCommand(limit, w.services, { side: "buy", token: "SOL", amount: "100", price: ["at", "200"] }));
    expect(buyText).toContain("Limit buy preview");
    expect(buyText).toMatch(/What\s+buy SOL with 100 USDC/);
    expect(buyText).toMatch(/How much\s+100 USDC \(~\$100\.00\)/);

    const sellText = await text(runCommand(limit, w.services, { side: "sell", token: "SOL", amount: "2.5", price: ["USDT", "at", "250"] }));
    expect(sellText).toMatch(/What\s+sell 2\.5 SOL for USDT/);
    expect(sellText).toMatch(/Fires\s+when SOL is at or above \$250\.00/);

    const dcaText = await text(runCommand(dca, w.services, { token: "SOL", amount: "100", schedule: ["every", "6h", "times", "3"] }));
    expect(dcaText).toContain("DCA preview");
    expect(dcaText).toMatch(/Fires\s+every 6h, the first right after Confirm, 3 times/);
    expect(dcaText).toMatch(/How much\s+100 USDC per buy \(~\$100\.00\); 3 buys: 300 USDC in all/);
    expect(w.automations.of("u1", "armed")).toHaveLength(0);
  });

  it("a live deployment's Confirm says LIVE", async () => {
    const w = world({ mode: "live" });
    const r = await runCommand(stop, w.services, { token: "SOL", level: ["at", "200"] });
    expect(r.buttons?.[0]?.map((b) => b.label)).toEqual(["Confirm (LIVE)", "Cancel"]);
    expect(plainText(r)).toMatch(/Mode\s+LIVE/);
  });

  it("words a model sent together are read one by one", async () => {
    const w = world();
    const r = await runCommand(stop, w.services, { token: "SOL", level: ["at 190 50%"] });
    expect(plainText(r)).toMatch(/What\s+sell 50% of your SOL for USDC/);
  });
});

describe("Confirm and Cancel", () => {
  async function drafted() {
    const w = world();
    const r = await runCommand(stop, w.services, { token: "SOL", level: ["at", "205"] });
    const id = draftId(plainText(r));
    return { ...w, id, press: (action: "confirm" | "cancel") => pressCommand(stop, w.services, { action, payload: { automationId: id } }) };
  }

  it("Confirm arms the draft once; a second press answers already armed", async () => {
    const d = await drafted();
    const armed = await d.press("confirm");
    expect(plainText(armed)).toBe(
      "Armed. Stop-loss a00000001: sell all of your SOL for USDC when SOL is at or below $205.00.\n" +
        "I'll tell you here when it fires. See it with /auto; remove it with /auto cancel a00000001.",
    );
    expect(armed.editsOriginal).toBe(true);
    expect(d.automations.of("u1", "armed").map((a) => a.id)).toEqual([d.id]);
    expect(plainText(await d.press("confirm"))).toBe("Already armed: automation a00000001 is armed.");
    expect(d.automations.of("u1", "armed")).toHaveLength(1);
  });

  it("Cancel discards the draft; a later Confirm arms nothing", async () => {
    const d = await drafted();
    expect(plainText(await d.press("cancel"))).toBe("Cancelled. Nothing was armed.");
    expect(plainText(await d.press("confirm"))).toBe("That draft was cancelled, so nothing was armed. Send the command again to set it up.");
    expect(d.automations.of("u1", "armed")).toHaveLength(0);
    expect(await d.automations.list("u1")).toEqual([]);
  });

  it("Cancel after Confirm leaves it armed and says how to remove it", async () => {
    const d = await drafted();
    await d.press("confirm");
    expect(plainText(await d.press("cancel"))).toBe("Not cancelled: automation a00000001 is already armed. Remove it with /auto cancel a00000001.");
  });

  it("a payload that is not an automation id is refused before the port sees it", async () => {
    const d = await drafted();
    const pressed = (payload: unknown) => Promise.resolve().then(() => pressCommand(stop, d.services, { action: "confirm", payload }));
    await expect(pressed({ automationId: "o_0123456789abcdef" })).rejects.toMatchObject({ code: "action_unknown" });
    await expect(pressed({ automationId: d.id, extra: 1 })).rejects.toMatchObject({ code: "action_unknown" });
    expect(d.automations.calls.filter((c) => c.op === "confirm")).toEqual([]);
  });
});

describe("errors are clear messages with the next step", () => {
  it("a stop the price already crossed, a bad level, a bad schedule, an unknown token", async () => {
    const w = world();
    await expect(runCommand(stop, w.services, { token: "SOL", level: ["at", "250"] })).rejects.toMatchObject({
      code: "level_crossed",
      message: "SOL is at $227.50 now, so a stop at $250.00 would fire at once. Set a level below the price, or use /sell to trade now.",
    });
    await expect(runCommand(stop, w.services, { token: "SOL", level: ["at", "-5"] })).rejects.toMatchObject({ code: "bad_level" });
    await expect(runCommand(dca, w.services, { token: "SOL", amount: "10", schedule: ["every", "5m"] })).rejects.toMatchObject({ code: "bad_schedule" });
    await expect(runCommand(stop, w.services, { token: "at", level: ["200"] })).rejects.toMatchObject({ code: "bad_token" });
    await expect(runCommand(stop, w.services, { token: "SOL", level: ["200"] })).rejects.toMatchObject({ code: "bad_automation", message: expect.stringContaining("Usage: /stop <token> at <price|N%>") });
  });

  it("too large, over the limit and an expired draft say what to do next", async () => {
    const w = world({ maxPerUser: 1, maxTradeUsd: 500 });
    await expect(runCommand(limit, w.services, { side: "buy", token: "SOL", amount: "600", price: ["at", "200"] })).rejects.toMatchObject({
      code: "automation_too_large",
      message: "Each firing would trade about $600.00; the limit is $500 per trade. Use a smaller amount, or split it into several automations.",
    });
    const press = (id: string) => pressCommand(stop, w.services, { action: "confirm", payload: { automationId: id } });
    const first = draftId(plainText(await runCommand(stop, w.services, { token: "SOL", level: ["at", "205"] })));
    const second = draftId(plainText(await runCommand(tp, w.services, { token: "SOL", level: ["at", "300"] })));
    await press(first);
    await expect(press(second)).rejects.toMatchObject({
      code: "automation_limit",
      message: "You have 1 automations, the most allowed. See yours with /auto and remove one with /auto cancel <id>.",
    });
    const late = draftId(plainText(await runCommand(trail, w.services, { token: "SOL", distance: "10%" })));
    w.clock.advance(10 * 60_000);
    await expect(press(late)).rejects.toMatchObject({ code: "automation_expired", message: "That preview expired. Nothing was armed: send the command again for a fresh preview." });
    await expect(press("a99999999")).rejects.toMatchObject({ code: "automation_unknown", message: "You have no automation a99999999. See yours with /auto." });
  });

  it("without an automation engine the commands say automations are off", async () => {
    const clock = new FakeClock();
    await expect(runCommand(stop, { clock, audit: new MemoryAudit() }, { token: "SOL", level: ["at", "200"] })).rejects.toMatchObject({ message: "Automations are not enabled on this deployment." });
  });
});

describe("/auto", () => {
  async function withTwo() {
    const w = world();
    for (const args of [{ token: "SOL", level: ["at", "205"] }, { token: "JUP", level: ["at", "0.5", "50%"] }]) {
      const id = draftId(plainText(await runCommand(stop, w.services, args)));
      await pressCommand(stop, w.services, { action: "confirm", payload: { automationId: id } });
    }
    w.clock.advance(1);
    return { ...w, run: async (args: { action?: string; target?: string }) => plainText(await runCommand(auto, w.services, args)) };
  }

  it("lists mine with ids, what, level, state and firings, privately", async () => {
    const w = await withTwo();
    const r = await runCommand(auto, w.services, {});
    expect(r.private).toBeUndefined(); // the router makes it private: privateReply
    expect(auto.privateReply).toBe(true);
    expect(plainText(r)).toBe(
      [
        "Your automations (2)",
        "a00000001  Stop-loss: sell all of your SOL for USDC when SOL is at or below $205.00 - armed, 0 firings",
        "a00000002  Stop-loss: sell 50% of your JUP for USDC when JUP is at or below $0.5 - armed, 0 firings",
        "Remove one with /auto cancel <id> (or all); stop them all at once with /auto pause.",
      ].join("\n"),
    );
    expect(await runCommand(auto, world().services, {}).then(plainText)).toBe("No automations yet. Try /stop SOL at 10% or /dca SOL 20 every 1d times 7.");
  });

  it("cancel one, cancel all, and a stranger's id is unknown", async () => {
    const w = await withTwo();
    expect(await w.run({ action: "cancel", target: "A00000001" })).toBe("Automation a00000001 cancelled.");
    expect(await w.run({ action: "cancel", target: "a00000001" })).toBe("Automation a00000001 was not active (see /auto).");
    expect(await w.run({ action: "cancel", target: "all" })).toBe("Cancelled 1 automation. Nothing else will fire.");
    expect(await w.run({ action: "cancel", target: "all" })).toBe("You had no active automations.");
    const other = commandContext(w.services, { user: { id: "u2", displayName: "bob", role: "user", createdAt: 0 } });
    await expect(auto.run(other, auto.args.parse({ action: "cancel", target: "a00000002" }))).rejects.toMatchObject({ code: "automation_unknown" });
    await expect(w.run({ action: "cancel" })).rejects.toMatchObject({ code: "bad_args", message: "Say which: /auto cancel <id|all>. Ids are in /auto." });
    expect(() => auto.args.parse({ action: "cancel", target: "o_1" })).toThrow(/Give an automation id from \/auto, or all/);
  });

  it("pause and resume all of mine", async () => {
    const w = await withTwo();
    expect(await w.run({ action: "pause" })).toBe("Paused 2 automations: none fires until /auto resume.");
    expect(w.automations.of("u1", "paused")).toHaveLength(2);
    expect(await w.run({ action: "pause" })).toBe("Nothing was armed, so nothing to pause.");
    expect(await w.run({ action: "resume" })).toBe("Resumed 2 automations: they watch prices again.");
    expect(await w.run({ action: "resume" })).toBe("Nothing was paused.");
    await expect(w.run({ action: "pause", target: "a00000001" })).rejects.toMatchObject({ code: "bad_args" });
  });

  it("pause all and resume all are the global kill switch, and /auto shows it is on", async () => {
    const w = await withTwo();
    const admin = { isAdmin: true };
    expect(plainText(await runCommand(auto, w.services, { action: "pause", target: "all" }, admin))).toBe("Global pause ON: no automation fires for anyone until /auto resume all.");
    expect(await w.automations.globallyPaused()).toBe(true);
    expect(await w.run({})).toMatch(/^All automations are paused by an admin: nothing fires until they resume\.\nYour automations \(2\)/);
    expect(plainText(await runCommand(auto, w.services, { action: "resume", target: "all" }, admin))).toBe("Global pause OFF: automations fire again.");
    expect(w.automations.calls.filter((c) => c.op.endsWith("All") && c.op !== "cancelAll")).toEqual([
      { op: "pauseAll", userId: "u1" },
      { op: "resumeAll", userId: "u1" },
    ]);
  });
});

describe("where the commands live", () => {
  it("aliases reach the same commands", () => {
    const reg = createRegistry();
    for (const [alias, name] of [["sl", "stop"], ["stoploss", "stop"], ["stop_loss", "stop"], ["takeprofit", "tp"], ["take_profit", "tp"], ["trailing", "trail"], ["tsl", "trail"], ["trailing_stop", "trail"], ["automations", "auto"]]) {
      expect(reg.get(alias!)?.name, alias).toBe(name);
    }
  });

  it("creation commands are proposals the model may make; /auto changes from the model wait for Confirm, a list does not", () => {
    for (const c of [limit, stop, tp, trail, dca]) {
      expect(isLlmTool(c), c.name).toBe(true);
      expect(c.scope).toBe("public");
      expect(c.privateReply).toBe(true);
    }
    const rule = auto.confirmFromModel as (args: Record<string, unknown>) => boolean;
    expect(["list", "cancel", "pause", "resume"].map((action) => rule({ action }))).toEqual([false, true, true, true]);
    expect(auto.subcommands).toEqual({ action: { "pause all": "admin", "resume all": "admin" } });
  });

  it("never on X: automation commands and words are refused in public", () => {
    const known = new Set(commands.flatMap((c) => [c.name, ...(c.aliases ?? [])]));
    const me = { id: "1", username: "PurserBot" };
    for (const t of ["@PurserBot stop SOL at 190", "@PurserBot /limit buy SOL 100 at 200", "@PurserBot /auto", "@PurserBot auto cancel all", "@PurserBot tsl SOL 10%", "@PurserBot dca SOL 10 every 1d", "@PurserBot price SOL then stop-loss at 100"]) {
      expect(decideMention({ text: t }, me, known), t).toEqual({ kind: "refuse" });
    }
  });

  it("Discord gets one slash command each, within its limits", () => {
    const defs = slashCommands(commands, "guild");
    const names = ["limit", "stop", "tp", "trail", "dca", "auto"];
    for (const n of names) {
      const d = defs.find((x) => x.name === n)!;
      expect(d.description.length).toBeLessThanOrEqual(100);
      expect(d.options.length).toBeLessThanOrEqual(25);
      for (const o of d.options) expect(o.description.length).toBeLessThanOrEqual(100);
    }
    expect(defs.find((d) => d.name === "limit")!.options.map((o) => [o.name, o.required ?? false])).toEqual([["side", true], ["token", true], ["amount", true], ["price", true]]);
    expect(defs.find((d) => d.name === "auto")!.options[0]!.choices?.map((c) => c.value)).toEqual(["list", "cancel", "pause", "resume"]);
  });

  it("/trades names the automation and firing behind an order", () => {
    const o = { id: "o_0123456789abcdef", side: "sell", status: "filled", mode: "paper", createdAt: Date.UTC(2026, 0, 7), inAmount: 10n ** 9n, quotedOut: 205_000_000n, filledIn: 10n ** 9n, filledOut: 205_000_000n, usdValue: 205, input: { mint: "m1", symbol: "SOL", decimals: 9 }, output: { mint: "m2", symbol: "USDC", decimals: 6 }, automation: { id: "a00000001", firing: 1 } } as unknown as Order;
    expect(orderLine(o)[1]).toBe("sell 1 SOL -> 205 USDC (paper, filled, ~$205.00, auto a00000001 #1)");
    expect(orderLine({ ...o, automation: null })[1]).toBe("sell 1 SOL -> 205 USDC (paper, filled, ~$205.00)");
  });
});
