import { afterEach, describe, expect, it } from "vitest";
import { startOpenAiFake, type OpenAiFake } from "../fakes/openai-api.js";
import { tradingWorld, type TradingWorld } from "../helpers/trading-world.js";

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function world(env: Record<string, string> = {}): Promise<{ w: TradingWorld; llm: OpenAiFake }> {
  const llm = await startOpenAiFake();
  cleanup.push(() => llm.close());
  const w = await tradingWorld({
    env: { TRADING_MODE: "paper", LLM_PROVIDER: "custom", LLM_BASE_URL: llm.url, LLM_API_KEY: "sk-test-key-000", LLM_MODEL: "gpt-4o-mini", LLM_TIMEOUT_MS: "2000", ...env },
  });
  cleanup.push(() => w.close());
  return { w, llm };
}

const usageRows = (w: TradingWorld) => w.app.db.db.selectFrom("llm_usage").select(["task", "model", "cost_usd", "prompt_tokens"]).orderBy("at").execute();

/** What the real API sends back: the dated snapshot that served the request, not the alias asked for. */
function completion(model: string, text: string) {
  return JSON.stringify({
    id: "chatcmpl-dated",
    object: "chat.completion",
    created: 1,
    model,
    choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }],
    usage: { prompt_tokens: 1000, completion_tokens: 500, total_tokens: 1500 },
  });
}

describe("free-text questions take the /ask path: answer model, prices and portfolio as data", () => {
  it("a plain-text intent answer is re-asked of the answer model with <data>; both calls are recorded", async () => {
    const { w, llm } = await world({ LLM_INTENT_MODEL: "intent-model", LLM_ANSWER_MODEL: "answer-model" });
    llm.enqueue({ text: "Solana is a blockchain." }, { text: "SOL is at $150.00 and you hold a paper account." });
    const r = await w.app.say("how is solana doing today and what do I hold?");
    expect(r.text).toBe("SOL is at $150.00 and you hold a paper account.");
    expect(llm.requests.map((q) => q.model)).toEqual(["intent-model", "answer-model"]);
    const [intent, answer] = llm.requests;
    expect(intent!.tools?.length).toBeGreaterThan(0);
    expect(intent!.messages[0]!.content).not.toContain("\n<data>{"); // the intent call carries no data
    expect(answer!.tools).toBeUndefined(); // an answer never gets tools
    const sys = answer!.messages[0]!.content;
    const data = JSON.parse(/\n<data>(\{.*\})<\/data>$/s.exec(sys)![1]!) as { prices: Record<string, { usd: number }>; portfolio: unknown[] };
    expect(data.prices.SOL!.usd).toBe(150);
    expect(Array.isArray(data.portfolio)).toBe(true);
    expect(answer!.messages.at(-1)).toEqual({ role: "user", content: "how is solana doing today and what do I hold?" });
    expect((await usageRows(w)).map((u) => [u.task, u.model])).toEqual([
      ["intent", "intent-model"],
      ["answer", "answer-model"],
    ]);
  });

  it("if the answer model fails, the intent model's text is still shown", async () => {
    const { w, llm } = await world({ LLM_ANSWER_MODEL: "answer-model" });
    llm.enqueue({ text: "Solana is a blockchain." }, { status: 500 });
    expect((await w.app.say("what is solana")).text).toBe("Solana is a blockchain.");
    expect(llm.requests).toHaveLength(2);
  });

  it("a tool call is not re-asked: one request, routed as a command", async () => {
    const { w, llm } = await world();
    llm.enqueue({ tool: "price", args: JSON.stringify({ tokens: ["SOL"] }) });
    expect((await w.app.say("sol price please")).text).toMatch(/^SOL\s+\$150/);
    expect(llm.requests).toHaveLength(1);
  });
});

describe("cost is priced by the configured model when the provider returns a dated name", () => {
  it("gpt-4o-mini answered as gpt-4o-mini-2024-07-18 still costs gpt-4o-mini's price", async () => {
    const { w, llm } = await world();
    llm.enqueue({ raw: completion("gpt-4o-mini-2024-07-18", "Solana is a blockchain.") }, { raw: completion("gpt-4o-mini-2024-07-18", "SOL is at $150.") });
    expect((await w.app.say("what is solana")).text).toBe("SOL is at $150.");
    const rows = await usageRows(w);
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row.model).toBe("gpt-4o-mini-2024-07-18"); // the row says what actually served it
      expect(Number(row.cost_usd)).toBeGreaterThan(0);
      expect(Number(row.cost_usd)).toBeCloseTo((1000 * 0.15 + 500 * 0.6) / 1e6, 12);
    }
  });

  it("a configured name missing from the table is priced by the longest key the returned name starts with", async () => {
    const { w, llm } = await world({ LLM_MODEL: "my-deployment" });
    // gpt-4o and gpt-4o-mini are both in the table: a gpt-4o snapshot takes gpt-4o's price, not the mini's
    llm.enqueue({ raw: completion("gpt-4o-2024-08-06", "Solana is a blockchain.") }, { raw: completion("gpt-4o-2024-08-06", "SOL is at $150.") });
    await w.app.say("what is solana");
    const rows = await usageRows(w);
    expect(rows.map((r) => Number(r.cost_usd))).toEqual([(1000 * 2.5 + 500 * 10) / 1e6, (1000 * 2.5 + 500 * 10) / 1e6]);
  });
});
