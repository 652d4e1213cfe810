import { measure, row, type BenchRow } from "./harness.js";
import { startOpenAiFake } from "../fakes/openai-api.js";
import { tradingWorld } from "../helpers/trading-world.js";

/** Intent round trips: free text -> router -> openai SDK -> fake model (tool call) -> /price reply. */
export async function intentBench(n = 2000): Promise<BenchRow[]> {
  const llm = await startOpenAiFake();
  llm.script(() => ({ tool: "price", args: JSON.stringify({ tokens: ["SOL"] }) }));
  const w = await tradingWorld({
    env: {
      LLM_PROVIDER: "custom",
      LLM_BASE_URL: llm.url,
      LLM_API_KEY: "sk-bench",
      USER_RATE_LIMIT_PER_MIN: "100000",
      LLM_USER_DAILY_TOKENS: "1000000000",
      LLM_GLOBAL_DAILY_TOKENS: "1000000000000",
      PRICE_CACHE_TTL_MS: "600000",
    },
  });
  let ok = 0;
  const m = await measure(n, async (i) => {
    const r = await w.app.say("how is sol doing", { id: String(1 + (Math.abs(i) % 100)) });
    if (r.text.startsWith("SOL")) ok++;
  }, 100);
  await w.close();
  await llm.close();
  if (ok < n) throw new Error(`only ${ok}/${n} intent round trips answered`);
  return [row("intent: text -> openai SDK -> fake model -> /price", m, "router + SDK + HTTP to a local fake model (no model latency)", { id: "intent.price" })];
}
