import { OpenAiLlm } from "../adapters/openai/openai-llm.js";
import type { LlmClient } from "../core/ports/llm.port.js";
import type { Config } from "./config.js";

type Provider = Config["LLM_PROVIDER"];

/** Named provider profiles: just a base URL and a default model each. */
export const LLM_PROFILES: Record<Provider, { baseURL: string; model: string }> = {
  openai: { baseURL: "https://api.openai.com/v1", model: "gpt-4o-mini" },
  groq: { baseURL: "https://api.groq.com/openai/v1", model: "llama-3.1-8b-instant" },
  openrouter: { baseURL: "https://openrouter.ai/api/v1", model: "openai/gpt-4o-mini" },
  xai: { baseURL: "https://api.x.ai/v1", model: "grok-3-mini" },
  ollama: { baseURL: "http://127.0.0.1:11434/v1", model: "llama3.1" },
  custom: { baseURL: "http://127.0.0.1:8000/v1", model: "default" },
};

/** USD per 1M tokens [prompt, completion]; LLM_PRICES adds or overrides. */
export const LLM_PRICES: Record<string, [number, number]> = {
  "gpt-4o-mini": [0.15, 0.6],
  "gpt-4o": [2.5, 10],
  "gpt-4.1-mini": [0.4, 1.6],
  "llama-3.1-8b-instant": [0.05, 0.08],
  "grok-3-mini": [0.3, 0.5],
  "openai/gpt-4o-mini": [0.15, 0.6],
};

/** Intent and answer provider chains (primary, then fallback); empty when no model is configured. */
export function buildLlm(config: Config): { intent: LlmClient[]; answer: LlmClient[]; prices: Record<string, [number, number]> } {
  const prices = { ...LLM_PRICES, ...config.LLM_PRICES };
  const configured = Boolean(config.LLM_API_KEY || config.LLM_PROVIDER === "ollama" || config.LLM_BASE_URL);
  if (!configured) return { intent: [], answer: [], prices };
  const profile = LLM_PROFILES[config.LLM_PROVIDER];
  const make = (provider: string, baseURL: string, apiKey: string, model: string) =>
    new OpenAiLlm({ provider, baseURL, apiKey, model, timeoutMs: config.LLM_TIMEOUT_MS });
  const baseURL = config.LLM_BASE_URL ?? profile.baseURL;
  const model = config.LLM_MODEL ?? profile.model;
  const key = config.LLM_API_KEY ?? "";
  const fallback: LlmClient[] = [];
  if (config.LLM_FALLBACK_PROVIDER) {
    const fp = LLM_PROFILES[config.LLM_FALLBACK_PROVIDER];
    fallback.push(make(`${config.LLM_FALLBACK_PROVIDER} (fallback)`, config.LLM_FALLBACK_BASE_URL ?? fp.baseURL, config.LLM_FALLBACK_API_KEY ?? "", config.LLM_FALLBACK_MODEL ?? fp.model));
  }
  return {
    intent: [make(config.LLM_PROVIDER, baseURL, key, config.LLM_INTENT_MODEL ?? model), ...fallback],
    answer: [make(config.LLM_PROVIDER, baseURL, key, config.LLM_ANSWER_MODEL ?? model), ...fallback],
    prices,
  };
}
