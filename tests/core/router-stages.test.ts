import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { commands } from "../../commands/index.js";
import { choiceArg, defineCommand, type AnyCommand } from "../../core/router/command.js";
import type { Reply } from "../../core/router/message.js";
import { isLlmTool } from "../../core/router/preconditions.js";
import { plainText, reply } from "../../core/router/reply.js";
import { startJupiterFake, type JupiterFake } from "../fakes/jupiter-api.js";
import { routerFor } from "../helpers/router.js";
import { makeTestApp, type TestApp } from "../helpers/app.js";

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const token = (id: string, symbol: string, name: string, isVerified: boolean) => ({ id, name, symbol, decimals: 6, isVerified });
const MOON_A = "Moon1111111111111111111111111111111111111111";
const MOON_B = "Moon2222222222222222222222222222222222222222";
const STAR_A = "Star1111111111111111111111111111111111111111";
const STAR_B = "Star2222222222222222222222222222222222222222";

/** Names two tokens by their mints: each symbol resolved through the token registry. */
const pair = defineCommand({
  name: "pair",
  group: "Market",
  summary: "Two tokens",
  usage: "pair <a> <b>",
  scope: "public",
  args: z.object({ a: z.string().min(1).max(64), b: z.string().min(1).max(64) }),
  positional: ["a", "b"],
  needs: ["tokens"],
  run: async (ctx, { a, b }): Promise<Reply> => {
    const x = await ctx.services.tokens.resolve(a);
    const y = await ctx.services.tokens.resolve(b);
    return reply().line(`${x.mint} ${y.mint}`).build();
  },
});

/** Public to look at; opening it, and its Reveal button, only in a private chat. */
const vault = defineCommand({
  name: "vault",
  group: "Account",
  summary: "A vault",
  usage: "vault [show|open]",
  scope: "public",
  args: z.object({ action: choiceArg(["show", "open"], "Say show or open").default("show") }),
  positional: ["action"],
  subcommands: { action: { open: "private" } },
  run: async (ctx, { action }): Promise<Reply> => {
    if (action === "show") return reply().line("a vault").build();
    const buttons = await ctx.buttons([
      { label: "Reveal", action: "reveal", payload: { id: "v1" } },
      { label: "Close", action: "close" },
    ]);
    return reply().line("opened").buttons(...buttons).build();
  },
  actions: {
    reveal: { payload: z.object({ id: z.string().regex(/^v\d$/) }), scope: "private", run: async (_ctx, { id }) => reply().line(`revealed ${id}`).build() },
    close: { payload: z.object({}), run: async () => reply().line("closed").build() },
  },
});

/** Issues a button it never declared: a bug, caught before anything is stored. */
const leaky = defineCommand({
  name: "leaky",
  group: "General",
  summary: "Leaks",
  usage: "leaky",
  scope: "public",
  args: z.object({}),
  positional: [],
  run: async (ctx): Promise<Reply> => reply().buttons(...(await ctx.buttons([{ label: "Boom", action: "boom" }]))).build(),
  actions: { close: { payload: z.object({}), run: async () => reply().line("closed").build() } },
});

async function world(): Promise<{ app: TestApp; jup: JupiterFake; say: Say; press: Press; forge: Forge }> {
  const jup = await startJupiterFake();
  cleanup.push(() => jup.close());
  const app = await makeTestApp({ env: { JUPITER_API_ROOT: jup.url } });
  cleanup.push(() => app.close());
  jup.tokens = [token(MOON_A, "MOON", "Moon Token", true), token(MOON_B, "MOON", "Moon Scam", false), token(STAR_A, "STAR", "Star", true), token(STAR_B, "STAR", "Star Two", false)];
  const router = routerFor(app, [pair, vault, leaky]);
  let n = 0;
  const send = async (text: string, chat: "private" | "group", action?: string) => {
    const out: Reply[] = [];
    const msg = { platform: "telegram" as const, updateId: `r${++n}`, chat: { id: chat === "private" ? "5" : "-100", kind: chat }, sender: { id: "5", name: "eve" }, text, botUsername: "PurserBot" };
    const outcome = await router.handle(action ? { ...msg, action } : msg, async (x) => void out.push(x));
    return { outcome, out, text: out.map(plainText).join("\n") };
  };
  const say: Say = (text, chat = "private") => send(text, chat);
  const press: Press = (action, chat = "private") => send("", chat, action);
  const forge: Forge = async (command, action, payload) => {
    const u = await app.repos.users.findByIdentity("telegram", "5");
    if (!u) throw new Error("say something first");
    const t = `a1.forged${Math.random().toString(36).slice(2, 12)}`;
    await app.repos.actionTokens.insert([{ token: t, groupId: `${t}g`, userId: u.user.id, command, action, payload, expiresAt: app.clock.now() + 60_000, usedAt: null }]);
    return t;
  };
  return { app, jup, say, press, forge };
}
type Result = { outcome: string; out: Reply[]; text: string };
type Say = (text: string, chat?: "private" | "group") => Promise<Result>;
type Press = (action: string, chat?: "private" | "group") => Promise<Result>;
type Forge = (command: string, action: string, payload: unknown) => Promise<string>;

const buttons = (r: Result) => r.out.flatMap((x) => x.buttons?.flat() ?? []);
const refusals = async (app: TestApp) => (await app.services.audit.recent(20, "auth.refused")).map((e) => e.detail);

describe("an ambiguous symbol in a typed command is picked, never guessed", () => {
  it("each pick re-runs the command with the chosen mint in place of the symbol, one ambiguous word at a time", async () => {
    const { say, press } = await world();
    const first = await say("/pair $moon star");
    expect(first.outcome).toBe("error");
    expect(first.text).toBe('"moon" matches 2 tokens. Which one do you mean?');
    const moons = buttons(first);
    expect(moons.map((b) => b.label)).toEqual(["MOON - Moon Token (Moon...1111) verified", "MOON - Moon Scam (Moon...2222) UNVERIFIED"]);
    const second = await press(moons[1]?.action ?? "");
    expect(second.text).toBe('"star" matches 2 tokens. Which one do you mean?');
    const done = await press(buttons(second)[0]?.action ?? "");
    expect(done.text).toBe(`${MOON_B} ${STAR_A}`);
    expect(done.out[0]?.editsOriginal).toBe(true); // the answer replaces the list of choices
  });

  it("a pick's stored arguments are validated again; a pick for words the command no longer has does nothing", async () => {
    const { say, press, forge } = await world();
    await say("/pair SOL USDC");
    const extra = await forge("__pick", "pick", { command: "pair", args: { a: "moon", b: "SOL", c: "x" }, query: "moon", mint: MOON_A });
    expect((await press(extra)).text).toBe("Unexpected argument. Usage: /pair <a> <b>");
    const elsewhere = await forge("__pick", "pick", { command: "pair", args: { a: "SOL", b: "USDC" }, query: "moon", mint: MOON_A });
    expect((await press(elsewhere)).text).toBe("That button no longer does anything.");
    const inherited = await forge("__pick", "pick", JSON.parse(`{"command": "pair", "args": {"a": "moon", "__proto__": {"b": "SOL"}}, "query": "moon", "mint": "${MOON_A}"}`));
    expect((await press(inherited)).text).toBe("Unexpected argument. Usage: /pair <a> <b>");
  });
});

describe("preconditions of subcommands and buttons are judged and audit-logged in one place", () => {
  it("a private-only subcommand is refused in a group and audit-logged; the rest of the command runs there", async () => {
    const { app, say } = await world();
    expect((await say("/vault", "group")).text).toBe("a vault");
    const refused = await say("/vault OPEN", "group");
    expect(refused.outcome).toBe("error");
    expect(refused.text).toBe("/vault open only works in a private chat with me.");
    expect(await refusals(app)).toEqual([{ command: "vault", reason: "private_only", chat: "group", subcommand: "open" }]);
    expect((await say("/vault open")).text).toBe("opened");
    expect(await refusals(app)).toHaveLength(1);
  });

  it("a private-only button pressed in a group is refused and audit-logged; in private its handler gets the typed payload", async () => {
    const { app, say, press } = await world();
    const reveal = buttons(await say("/vault open")).find((b) => b.label === "Reveal")?.action ?? "";
    expect((await press(reveal, "group")).text).toBe("/vault only works in a private chat with me.");
    expect(await refusals(app)).toEqual([{ command: "vault", reason: "private_only", chat: "group", action: "reveal" }]);
    const again = buttons(await say("/vault open")).find((b) => b.label === "Reveal")?.action ?? "";
    expect((await press(again)).text).toBe("revealed v1");
    const close = buttons(await say("/vault open")).find((b) => b.label === "Close")?.action ?? "";
    expect((await press(close, "group")).text).toBe("closed"); // a button without a scope works anywhere
  });

  it("a button is read by the schema its action declares: an undeclared action, key or value is not valid", async () => {
    const { say, press, forge } = await world();
    await say("/vault");
    for (const [action, payload] of [
      ["explode", {}],
      ["reveal", { id: "v1", extra: true }],
      ["reveal", { id: "../etc" }],
      ["reveal", null],
      ["constructor", {}],
    ] as const) {
      expect((await press(await forge("vault", action, payload))).text).toBe("That button is not valid.");
    }
    expect((await press(await forge("vault", "reveal", { id: "v7" }))).text).toBe("revealed v7");
  });

  it("a command may issue only the buttons it declares", async () => {
    const { app, say } = await world();
    const r = await say("/leaky");
    expect(r.text).toMatch(/^Sorry, something went wrong on our side\. Reference: [0-9a-f]{8}$/);
    expect(await app.db.db.selectFrom("action_tokens").select("token").execute()).toEqual([]);
  });
});

describe("/wallet's private-chat subcommands", () => {
  let app: TestApp | undefined;
  afterEach(async () => app?.close());

  it("/wallet new and /wallet export in a group are refused with their own words and audit-logged; /wallet lists there", async () => {
    app = await makeTestApp();
    const group = { chat: "group" as const };
    expect((await app.say("/wallet", group)).text).toContain("Your wallets");
    expect((await app.say("/wallet new", group)).text).toBe("Create wallets in a private chat with me.");
    expect((await app.say("/wallets export", group)).text).toBe("/wallet export only works in a private chat with me.");
    const audit = (await app.services.audit.recent(10, "auth.refused")).map((e) => e.detail);
    expect(audit).toEqual(
      expect.arrayContaining([
        { command: "wallet", reason: "private_only", chat: "group", subcommand: "new" },
        { command: "wallet", reason: "private_only", chat: "group", subcommand: "export" },
      ]),
    );
    expect(audit).toHaveLength(2);
  });
});

describe("tool eligibility has one source", () => {
  it("the model is offered every public command except those that say llmTool: false", () => {
    const names = (cs: readonly AnyCommand[]) => cs.filter(isLlmTool).map((c) => c.name).sort();
    expect(names(commands)).toEqual([
      "alert", "alerts", "auto", "balance", "buy", "chart", "dca", "help", "limit", "pnl", "price", "sell", "stop", "swap", "token", "tp", "trades", "trail", "unalert", "whoami",
    ]);
    // never a tool: secrets, account links, admin views, the assistant itself
    for (const never of ["wallet", "link", "audit", "usage", "start", "ask", "treasury"]) expect(names(commands)).not.toContain(never);
  });
});
