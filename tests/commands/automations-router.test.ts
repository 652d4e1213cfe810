import { afterEach, describe, expect, it } from "vitest";
import { MemoryRateLimiterFactory } from "../../adapters/ratelimit/rate-limiters.js";
import { createRegistry } from "../../commands/index.js";
import { silentLogger } from "../../core/ports/logger.port.js";
import type { IntentResult } from "../../core/router/intent.js";
import type { InboundMessage, Reply } from "../../core/router/message.js";
import { plainText } from "../../core/router/reply.js";
import { Router } from "../../core/router/router.js";
import { makeTestApp, type TestApp } from "../helpers/app.js";
import { FakeAutomations } from "../helpers/automations.js";
import { buttonsOf, press } from "../helpers/trading-world.js";

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const ME = { id: "7" };
const STRANGER = { id: "8" };
const ADMIN = { id: "1" };

/** The whole app (router, buttons, audit) with the fake automations as its port. */
async function world(): Promise<{ app: TestApp; automations: FakeAutomations }> {
  const app = await makeTestApp({ env: { ADMIN_IDS: "telegram:1" } });
  cleanup.push(() => app.close());
  const automations = new FakeAutomations(app.clock);
  Object.assign(app.services, { automations });
  return { app, automations };
}

const userOf = async (app: TestApp, who: { id: string }) => (await app.repos.users.findByIdentity("telegram", who.id))!.user.id;

describe("through the router", () => {
  it("the requester's Confirm arms it; a stranger's press is refused; a second press arms nothing more", async () => {
    const { app, automations } = await world();
    const preview = await app.say("/sl SOL at 205", ME);
    expect(preview.text).toContain("Stop-loss preview - automation a00000001");
    expect(buttonsOf(preview).map((b) => b.label)).toEqual(["Confirm", "Cancel"]);

    expect((await app.press(press(preview, /^Confirm$/), STRANGER)).text).toBe("This is not your button.");
    expect((await app.press(press(preview, /^Cancel$/), STRANGER)).text).toBe("This is not your button.");
    expect(automations.of(await userOf(app, ME), "armed")).toHaveLength(0);

    const armed = await app.press(press(preview, /^Confirm$/), ME);
    expect(armed.text).toMatch(/^Armed\. Stop-loss a00000001/);
    expect(armed.replies[0]!.editsOriginal).toBe(true);
    expect((await app.press(press(preview, /^Confirm$/), ME)).text).toBe("Already done: that button was used.");
    expect((await app.press(press(preview, /^Cancel$/), ME)).text).toBe("Already done: that button was used.");
    expect(automations.calls.filter((c) => c.op === "confirm")).toHaveLength(1);
    expect(automations.of(await userOf(app, ME), "armed")).toHaveLength(1);
  });

  it("Cancel on the preview discards the draft", async () => {
    const { app, automations } = await world();
    const preview = await app.say("/trailing SOL 10%", ME);
    expect((await app.press(press(preview, /^Cancel$/), ME)).text).toBe("Cancelled. Nothing was armed.");
    expect(automations.calls.map((c) => c.op)).toEqual(["propose", "discard"]);
    expect((await app.say("/automations", ME)).text).toContain("No automations yet.");
  });

  it("errors reach the user as their message", async () => {
    const { app } = await world();
    const r = await app.say("/tp SOL at 100", ME);
    expect(r.outcome).toBe("error");
    expect(r.text).toBe(
      "SOL is at $227.50 now, so a take-profit at $100.00 would fire at once. Set a level above the price, or use /sell to trade now.",
    );
    expect((await app.say("/dca SOL 10 every 5m", ME)).text).toBe("A DCA runs at most once an hour: use an interval of 1h or more.");
    expect((await app.say("/auto cancel nope", ME)).text).toBe("Give an automation id from /auto, or all. Usage: /auto [cancel <id|all> | pause | resume]");
  });

  it("in a group the preview and the list go to the requester alone", async () => {
    const { app } = await world();
    const group = { ...ME, chat: "group" as const, chatId: "-100" };
    expect((await app.say("/stop SOL at 200", group)).replies[0]!.private).toBe(true);
    expect((await app.say("/auto", group)).replies[0]!.private).toBe(true);
  });

  it("/auto pause all is for admins only (audit-logged); /auto pause is anyone's own", async () => {
    const { app, automations } = await world();
    expect((await app.say("/auto pause all", ME)).text).toBe("/auto pause all is for admins only.");
    expect((await app.say("/auto resume ALL", ME)).text).toBe("/auto resume all is for admins only.");
    expect(await automations.globallyPaused()).toBe(false);
    const audit = (await app.services.audit.recent(10, "auth.refused")).map((e) => e.detail);
    expect(audit).toEqual(expect.arrayContaining([{ command: "auto", reason: "admin_only", subcommand: "pause all" }, { command: "auto", reason: "admin_only", subcommand: "resume all" }]));
    expect((await app.say("/auto pause", ME)).text).toBe("Nothing was armed, so nothing to pause.");
    expect((await app.say("/auto cancel all", ME)).text).toBe("You had no active automations.");
    expect((await app.say("/auto pause all", ADMIN)).text).toBe("Global pause ON: no automation fires for anyone until /auto resume all.");
    expect(await automations.globallyPaused()).toBe(true);
  });

  it("/help lists the Automations group", async () => {
    const { app } = await world();
    const help = (await app.say("/help", ME)).text;
    const group = help.slice(help.indexOf("Automations"), help.indexOf("Alerts"));
    for (const c of ["/limit", "/stop", "/tp", "/trail", "/dca", "/auto"]) expect(group).toContain(c);
    expect((await app.say("/help sl", ME)).text).toContain("Also: /sl, /stoploss, /stop_loss");
  });
});

describe("what the model may do", () => {
  /** A router over the same app whose intent resolver proposes `next` for any free text. */
  function modelRouter(app: TestApp, next: () => IntentResult) {
    const router = new Router({
      registry: createRegistry(),
      services: app.services,
      updates: app.repos.updates,
      limiters: new MemoryRateLimiterFactory(),
      log: silentLogger,
      clock: app.clock,
      intent: { resolve: async () => next() },
    });
    let n = 0;
    return async (text: string, who: { id: string }) => {
      const msg: InboundMessage = { platform: "telegram", updateId: `m${++n}`, chat: { id: who.id, kind: "private" }, sender: { id: who.id, name: "u" }, text };
      const replies: Reply[] = [];
      await router.handle(msg, async (r) => void replies.push(r));
      return { replies, text: replies.map(plainText).join("\n") };
    };
  }

  it("a proposed stop is the same preview, armed only by the requester's Confirm", async () => {
    const { app, automations } = await world();
    const say = modelRouter(app, () => ({ kind: "command", name: "stop", args: { token: "SOL", level: ["at", "10%"] } }));
    const r = await say("protect my sol with a 10% stop", ME);
    expect(r.text).toContain("Stop-loss preview");
    expect(r.text).toContain("Nothing is armed until you press Confirm.");
    expect(automations.of(await userOf(app, ME), "armed")).toHaveLength(0);
    expect((await app.press(press(r, /^Confirm$/), ME)).text).toMatch(/^Armed\./);
  });

  it("a proposed /auto cancel all runs nothing until the requester confirms", async () => {
    const { app, automations } = await world();
    const armed = await app.say("/stop SOL at 200", ME);
    await app.press(press(armed, /^Confirm$/), ME);
    const say = modelRouter(app, () => ({ kind: "command", name: "auto", args: { action: "cancel", target: "all" } }));
    const r = await say("cancel everything", ME);
    expect(r.text).toContain("Confirm: /auto cancel all");
    expect(automations.calls.some((c) => c.op === "cancelAll")).toBe(false);
    expect((await app.press(press(r, /^Confirm$/), STRANGER)).text).toBe("This is not your button.");
    expect((await app.press(press(r, /^Confirm$/), ME)).text).toBe("Cancelled 1 automation. Nothing else will fire.");
  });

  it("a list asked of the model answers at once: reading needs no Confirm", async () => {
    const { app, automations } = await world();
    const armed = await app.say("/stop SOL at 200", ME);
    await app.press(press(armed, /^Confirm$/), ME);
    const say = modelRouter(app, () => ({ kind: "command", name: "auto", args: {} }));
    const r = await say("what automations do I have?", ME);
    expect(r.text).toContain("Your automations (1)");
    expect(r.text).not.toContain("Confirm");
    expect(automations.calls.some((c) => c.op === "cancelAll" || c.op === "cancel")).toBe(false);
  });
});
