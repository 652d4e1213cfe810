import type { LlmUsageRow } from "../../core/ports/llm.port.js";

/** Every LLM call: tokens and estimated cost, for budgets and /usage. */
export interface LlmUsageTable {
  id: string;
  at: number;
  day: string;
  user_id: string | null;
  provider: string;
  model: string;
  task: LlmUsageRow["task"];
  prompt_tokens: number;
  completion_tokens: number;
  cost_usd: number;
}
