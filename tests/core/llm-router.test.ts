import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { MemoryRateLimiterFactory } from "../../adapters/ratelimit/rate-limiters.js";
import { silentLogger } from "../../core/ports/logger.port.js";
import { defineCommand } from "../../core/router/command.js";
import type { Reply } from "../../core/router/message.js";
import { CommandRegistry } from "../../core/router/registry.js";
import { plainText, reply } from "../../core/router/reply.js";
import { Router } from "../../core/router/router.js";
import { IntentService } from "../../core/router/llm-intent.js";
import { buildLlm } from "../../bots/llm.js";
import { startOpenAiFake, type OpenAiFake } from "../fakes/openai-api.js";
import { routerFor } from "../helpers/router.js";
import { makeTestApp, type TestApp } from "../helpers/app.js";

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function llmApp(env: Record<string, string>): Promise<{ app: TestApp; llm: OpenAiFake }> {
  const llm = await startOpenAiFake();
  cleanup.push(() => llm.close());
  const app = await makeTestApp({ env: { LLM_PROVIDER: "custom", LLM_BASE_URL: llm.url, LLM_API_KEY: "sk-test-000", LLM_MODEL: "gpt-4o-mini", ...env } });
  cleanup.push(() => app.close());
  return { app, llm };
}

describe("the per-user rate limit applies before any model call", () => {
  it("with 2 per minute, the 3rd free-text message gets the rate-limit reply and the model sees only 2 requests", async () => {
    const { app, llm } = await llmApp({ USER_RATE_LIMIT_PER_MIN: "2" });
    llm.script(() => ({ tool: "whoami", args: "{}" }));
    for (let i = 0; i < 2; i++) expect((await app.say("who am i?")).text).toContain("Who you are");
    const limited = await app.say("who am i?");
    expect(limited.outcome).toBe("error");
    expect(limited.text).toMatch(/^You're sending messages too fast\. Try again in \d+ s\.$/);
    expect((await app.say("who am i?")).outcome).toBe("ignored"); // told once a minute, then quiet
    for (let i = 0; i < 5; i++) await app.say("spam spam spam");
    expect(llm.requests).toHaveLength(2);
    expect((await app.say("/whoami")).outcome).toBe("ignored"); // commands share the same allowance
    expect((await app.say("who am i?", { id: "2002" })).text).toContain("Who you are"); // others unaffected
    expect(llm.requests).toHaveLength(3);
  });

  it("a free-text message that becomes a command counts once, not twice", async () => {
    const { app, llm } = await llmApp({ USER_RATE_LIMIT_PER_MIN: "2" });
    llm.script(() => ({ tool: "whoami", args: "{}" }));
    expect((await app.say("who am i?")).text).toContain("Who you are");
    expect((await app.say("/whoami")).text).toContain("Who you are");
    expect((await app.say("/whoami")).text).toMatch(/too fast/);
  });

  it("free text not addressed to the bot (a group) spends nothing", async () => {
    const { app, llm } = await llmApp({ USER_RATE_LIMIT_PER_MIN: "2" });
    for (let i = 0; i < 5; i++) expect((await app.say("chatting with friends", { chat: "group" })).outcome).toBe("ignored");
    expect(llm.requests).toHaveLength(0);
    expect((await app.say("/whoami")).outcome).toBe("replied");
    expect((await app.say("/whoami")).outcome).toBe("replied");
  });
});

describe("scope refusals are audit-logged", () => {
  const secret = defineCommand({
    name: "secret",
    group: "Account",
    summary: "A private-chat-only command",
    usage: "secret",
    scope: "private",
    args: z.object({}),
    positional: [],
    run: async (): Promise<Reply> => reply().line("the secret").build(),
  });
  const admin = defineCommand({ ...secret, name: "boss", scope: "admin", summary: "Admins only" });

  async function router() {
    const app = await makeTestApp();
    cleanup.push(() => app.close());
    const r = routerFor(app, [secret, admin]);
    let n = 0;
    const say = async (text: string, chat: "private" | "group") => {
      const out: Reply[] = [];
      const outcome = await r.handle(
        { platform: "telegram", updateId: `s${++n}`, chat: { id: chat === "private" ? "5" : "-100", kind: chat }, sender: { id: "5", name: "eve" }, text, botUsername: "PurserBot" },
        async (x) => void out.push(x),
      );
      return { outcome, out };
    };
    return { app, say };
  }

  it("a private-only command in a group is refused and audit-logged like an admin refusal", async () => {
    const { app, say } = await router();
    const refused = await say("/secret", "group");
    expect(refused.outcome).toBe("error");
    const entries = await app.services.audit.recent(10, "auth.refused");
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ platform: "telegram", action: "auth.refused", detail: { command: "secret", reason: "private_only", chat: "group" } });
    expect(entries[0]!.userId).toBeTruthy();
    // in private it runs, and nothing more is logged
    expect((await say("/secret", "private")).outcome).toBe("replied");
    expect(await app.services.audit.recent(10, "auth.refused")).toHaveLength(1);
  });

  it("an admin refusal says which scope refused it", async () => {
    const { app, say } = await router();
    await say("/boss", "private");
    const [entry] = await app.services.audit.recent(10, "auth.refused");
    expect(entry).toMatchObject({ action: "auth.refused", detail: { command: "boss", reason: "admin_only" } });
  });
});

describe("any command that declares confirmFromModel waits for the requester's Confirm when the model proposes it", () => {
  it("a later command that pauses something gets the preview by declaring it; typed, it runs at once", async () => {
    const { app, llm } = await llmApp({});
    const runs: string[] = [];
    const pause = defineCommand({
      name: "pause",
      group: "Alerts",
      summary: "Pause your alerts for a while",
      usage: "pause <duration>",
      scope: "public",
      confirmFromModel: true,
      args: z.object({ duration: z.string().regex(/^\d+[hd]$/) }),
      positional: ["duration"],
      run: async (_ctx, { duration }): Promise<Reply> => {
        runs.push(duration);
        return reply().line(`Paused for ${duration}.`).build();
      },
    });
    const status = defineCommand({ ...pause, name: "status", summary: "Your status", usage: "status", confirmFromModel: false, args: z.object({}), positional: [], run: async () => reply().line("All good.").build() });
    const registry = new CommandRegistry([pause, status]);
    const intent = new IntentService({
      commands: () => registry.all(),
      intent: buildLlm(app.config).intent,
      answer: [],
      usage: app.repos.llmUsage,
      audit: app.repos.audit,
      clock: app.clock,
      log: silentLogger,
      prices: {},
      userDailyTokens: 1e9,
      globalDailyTokens: 1e9,
      memoryTurns: 0,
      memory: app.market.cache,
    });
    const r = new Router({
      registry,
      services: app.services,
      updates: app.repos.updates,
      limiters: new MemoryRateLimiterFactory(),
      log: silentLogger,
      clock: app.clock,
      intent: { resolve: (ctx) => intent.resolve({ userId: ctx.resolved!.user.id, identity: `telegram:${ctx.msg.sender.id}`, platform: "telegram", text: ctx.text }) },
    });
    let n = 0;
    const send = async (who: string, text: string, action?: string) => {
      const out: Reply[] = [];
      await r.handle(
        { platform: "telegram", updateId: `p${++n}`, chat: { id: who, kind: "private" }, sender: { id: who, name: who }, text, botUsername: "PurserBot", ...(action ? { action } : {}) },
        async (x) => void out.push(x),
      );
      return { out, text: out.map(plainText).join("\n") };
    };
    llm.enqueue({ tool: "pause", args: JSON.stringify({ duration: "2h" }) });
    const proposed = await send("5", "I'm going on holiday");
    expect(proposed.text).toContain("Confirm: /pause 2h");
    const [confirm, cancel] = proposed.out[0]!.buttons!.flat();
    expect([confirm!.label, cancel!.label]).toEqual(["Confirm", "Cancel"]);
    expect(runs).toEqual([]);
    expect((await send("6", "", confirm!.action)).text).toBe("This is not your button.");
    expect(runs).toEqual([]);
    expect((await send("5", "", confirm!.action)).text).toBe("Paused for 2h.");
    expect(runs).toEqual(["2h"]);
    // a read-only command proposed by the model runs directly; the typed state-changing one too
    llm.enqueue({ tool: "status", args: "{}" });
    expect((await send("5", "how am I doing")).text).toBe("All good.");
    expect((await send("5", "/pause 1d")).text).toBe("Paused for 1d.");
    expect(runs).toEqual(["2h", "1d"]);
  });
});
