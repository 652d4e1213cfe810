import { afterEach, describe, expect, it } from "vitest";
import { startOpenAiFake, type OpenAiFake } from "../fakes/openai-api.js";
import { buttonsOf, press, tradingWorld, type TradingWorld } from "../helpers/trading-world.js";

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** A paper-trading app whose assistant is the fake model, reached through the real openai SDK. */
async function world(): Promise<{ w: TradingWorld; llm: OpenAiFake }> {
  const llm = await startOpenAiFake();
  cleanup.push(() => llm.close());
  const w = await tradingWorld({
    env: { TRADING_MODE: "paper", LLM_PROVIDER: "custom", LLM_BASE_URL: llm.url, LLM_API_KEY: "sk-test-000", LLM_MODEL: "gpt-4o-mini" },
  });
  cleanup.push(() => w.close());
  return { w, llm };
}

const ME = { id: "7" };
const STRANGER = { id: "8" };

async function activeAlerts(w: TradingWorld, who = ME): Promise<number> {
  const u = await w.app.repos.users.findByIdentity("telegram", who.id);
  if (!u) return 0;
  return (await w.app.services.alerts.list(u.user.id)).filter((a) => a.state === "armed" || a.state === "cooling").length;
}

async function threeAlerts(w: TradingWorld) {
  for (const a of ["SOL above 200", "JUP below 0.3", "BONK above 0.001"]) expect((await w.app.say(`/alert ${a}`, ME)).text).toContain("set");
  expect(await activeAlerts(w)).toBe(3);
}

const orders = (w: TradingWorld) => w.app.db.db.selectFrom("orders").select(["status"]).execute();
const refusals = async (w: TradingWorld) => (await w.app.services.audit.recent(20, "llm.refused")).map((a) => a.detail as Record<string, unknown>);

describe("a state-changing tool call from the model waits for the requester's Confirm", () => {
  it("\"thanks, that's all\" + unalert {id: all} is a preview: nothing is removed until the requester confirms, and a stranger cannot", async () => {
    const { w, llm } = await world();
    await threeAlerts(w);
    llm.enqueue({ tool: "unalert", args: JSON.stringify({ id: "all" }) });
    const r = await w.app.say("thanks, that's all", ME);
    expect(r.text).toContain("Confirm: /unalert all");
    expect(r.text).toContain("Nothing changes until you press Confirm (or type the command yourself).");
    expect(buttonsOf(r).map((b) => b.label)).toEqual(["Confirm", "Cancel"]);
    expect(await activeAlerts(w)).toBe(3);

    expect((await w.app.press(press(r, /^Confirm$/), STRANGER)).text).toBe("This is not your button.");
    expect((await w.app.press(press(r, /^Cancel$/), STRANGER)).text).toBe("This is not your button.");
    expect(await activeAlerts(w)).toBe(3);

    const done = await w.app.press(press(r, /^Confirm$/), ME);
    expect(done.text).toBe("Removed 3 alerts.");
    expect(done.replies[0]!.editsOriginal).toBe(true); // the preview becomes the outcome
    expect(await activeAlerts(w)).toBe(0);
    expect((await w.app.press(press(r, /^Confirm$/), ME)).text).toBe("Already done: that button was used.");
  });

  it("Cancel removes nothing and says so", async () => {
    const { w, llm } = await world();
    await threeAlerts(w);
    llm.enqueue({ tool: "unalert", args: JSON.stringify({ id: "all" }) });
    const r = await w.app.say("clear my stuff", ME);
    const cancelled = await w.app.press(press(r, /^Cancel$/), ME);
    expect(cancelled.text).toBe("Cancelled: /unalert all. Nothing was changed.");
    expect(await activeAlerts(w)).toBe(3);
    expect((await w.app.press(press(r, /^Confirm$/), ME)).text).toBe("Already done: that button was used.");
    expect(await activeAlerts(w)).toBe(3);
  });

  it("read-only tools run directly, and a typed /unalert still runs at once", async () => {
    const { w, llm } = await world();
    await threeAlerts(w);
    llm.enqueue({ tool: "alerts", args: "{}" });
    const listed = await w.app.say("what alerts do I have", ME);
    expect(listed.text).toContain("Your alerts (3 active)");
    expect(buttonsOf(listed)).toEqual([]);
    llm.enqueue({ tool: "price", args: JSON.stringify({ tokens: ["SOL"] }) });
    expect((await w.app.say("sol?", ME)).text).toMatch(/^SOL\s+\$150/);
    expect((await w.app.say("/unalert all", ME)).text).toBe("Removed 3 alerts.");
  });
});

describe("inherited names in the model's arguments are refused and audit-logged, never previewed", () => {
  const cases: Array<[string, string, string]> = [
    ["constructor beside valid args", "buy", JSON.stringify({ token: "SOL", amount: "1", constructor: "x" })],
    ["__proto__ carrying the args", "buy", '{"__proto__": {"token": "SOL", "amount": "999"}}'],
    ["__proto__ beside valid args", "buy", '{"token": "SOL", "amount": "1", "__proto__": {"pay": "SOL"}}'],
    ["toString", "sell", JSON.stringify({ token: "SOL", amount: "1", toString: "all" })],
    ["hasOwnProperty", "swap", JSON.stringify({ amount: "1", from: "USDC", to: "SOL", hasOwnProperty: "x" })],
    ["valueOf", "unalert", JSON.stringify({ id: "all", valueOf: 1 })],
    ["isPrototypeOf", "price", JSON.stringify({ tokens: ["SOL"], isPrototypeOf: "x" })],
  ];
  it.each(cases)("%s", async (_label, tool, args) => {
    const { w, llm } = await world();
    llm.enqueue({ tool, args });
    const r = await w.app.say("do the thing", ME);
    expect(r.text).toMatch(new RegExp(`^I couldn't turn that into a valid /${tool}\\. Usage: /${tool}`));
    expect(r.text).not.toMatch(/preview|Confirm/i);
    expect(buttonsOf(r)).toEqual([]);
    expect(await orders(w)).toEqual([]);
    expect(await refusals(w)).toEqual([expect.objectContaining({ reason: "off_schema", tool, issue: "unexpected argument" })]);
  });
});

describe("a button's stored payload is read by its schema, own keys only", () => {
  async function forged(w: TradingWorld, command: string, action: string, payload: unknown): Promise<string> {
    const u = (await w.app.repos.users.findByIdentity("telegram", ME.id))!;
    const token = `a1.forged${Math.random().toString(36).slice(2, 12)}`;
    const at = w.clock.now();
    await w.app.repos.actionTokens.insert([{ token, groupId: `${token}g`, userId: u.user.id, command, action, payload, expiresAt: at + 60_000, usedAt: null }]);
    return token;
  }

  it("a trade Confirm whose payload carries an undeclared key (constructor) is refused and the order stays a preview", async () => {
    const { w } = await world();
    const preview = await w.app.say("/buy SOL 10", ME);
    const { id } = (await w.app.db.db.selectFrom("orders").select("id").executeTakeFirst())!;
    const r = await w.app.press(await forged(w, "buy", "confirm", { orderId: id, constructor: { name: "x" } }), ME);
    expect(r.text).toBe("That button is not valid.");
    expect(await orders(w)).toEqual([{ status: "previewed" }]);
    expect((await w.app.press(press(preview, /^Confirm/), ME)).text).toMatch(/^Filled \(paper\)/); // the real button still works
  });

  it("a proposal whose stored arguments carry an inherited name is refused at Confirm and changes nothing", async () => {
    const { w } = await world();
    await threeAlerts(w);
    const token = await forged(w, "__proposal", "confirm", JSON.parse('{"command": "unalert", "args": {"id": "k3x9pq", "__proto__": {"id": "all"}}}'));
    expect((await w.app.press(token, ME)).text).toBe("Unexpected argument. Usage: /unalert <id|all>");
    expect(await activeAlerts(w)).toBe(3);
  });
});
