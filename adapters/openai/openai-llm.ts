import type OpenAI from "openai";
import { RemoteError } from "../../core/errors.js";
import type { LlmClient, LlmMessage, LlmResult, LlmTool } from "../../core/ports/llm.port.js";

export interface OpenAiLlmOptions {
  /** Profile name for logs and usage rows (openai, groq, openrouter, xai, ollama, custom). */
  provider: string;
  baseURL: string;
  apiKey: string;
  model: string;
  timeoutMs: number;
}

/**
 * Any OpenAI-compatible chat-completions API through the openai SDK. `baseURL` is always set
 * explicitly, so a stray OPENAI_BASE_URL in the environment cannot redirect it; the SDK's own
 * retries are off (the intent service owns fallback). A cut-off, empty, multi-tool or non-function
 * answer comes back as "malformed" and is never acted on.
 *
 * The SDK is imported on the first call, not at start-up: a Purser without a model never loads it.
 */
export class OpenAiLlm implements LlmClient {
  private sdk: Promise<{ client: OpenAI; sdk: typeof import("openai") }> | undefined;
  readonly provider: string;
  readonly model: string;

  constructor(private readonly o: OpenAiLlmOptions) {
    this.provider = o.provider;
    this.model = o.model;
  }

  private load(): Promise<{ client: OpenAI; sdk: typeof import("openai") }> {
    this.sdk ??= import("openai").then((sdk) => {
      const o = this.o;
      return { sdk, client: new sdk.default({ apiKey: o.apiKey || "none", baseURL: o.baseURL, maxRetries: 0, timeout: o.timeoutMs }) };
    });
    this.sdk.catch(() => (this.sdk = undefined)); // a failed load is tried again on the next call
    return this.sdk;
  }

  async complete(req: { messages: LlmMessage[]; tools?: LlmTool[]; toolChoice?: "auto" | "none"; maxTokens?: number }): Promise<LlmResult> {
    const { client, sdk } = await this.load();
    const { APIConnectionTimeoutError, APIError } = sdk;
    let res: OpenAI.Chat.Completions.ChatCompletion;
    try {
      res = await client.chat.completions.create({
        model: this.model,
        messages: req.messages,
        max_tokens: req.maxTokens ?? 400,
        temperature: 0,
        ...(req.tools?.length
          ? {
              tools: req.tools.map((t) => ({ type: "function" as const, function: { name: t.name, description: t.description, parameters: t.parameters } })),
              tool_choice: req.toolChoice ?? "auto",
            }
          : {}),
      });
    } catch (err) {
      if (err instanceof APIConnectionTimeoutError) throw new RemoteError(this.provider, "LLM timed out", true);
      if (err instanceof APIError) {
        const status = err.status ?? 0;
        throw new RemoteError(this.provider, `LLM answered ${status || "an error"}`, status === 0 || status === 408 || status === 429 || status >= 500, status || undefined);
      }
      throw new RemoteError(this.provider, "LLM unreachable", true);
    }
    const usage = { promptTokens: res.usage?.prompt_tokens ?? 0, completionTokens: res.usage?.completion_tokens ?? 0 };
    const base = { usage, provider: this.provider, model: res.model || this.model };
    const choice = res.choices?.[0];
    if (!choice?.message) return { ...base, outcome: { kind: "malformed", reason: "no choice" } };
    if (choice.finish_reason === "length") return { ...base, outcome: { kind: "malformed", reason: "cut off (max tokens)" } };
    const calls = choice.message.tool_calls ?? [];
    if (calls.length > 1) return { ...base, outcome: { kind: "malformed", reason: "several tool calls" } };
    const call = calls[0];
    if (call) {
      if (call.type !== "function" || !call.function?.name) return { ...base, outcome: { kind: "malformed", reason: "not a function call" } };
      return { ...base, outcome: { kind: "tool", name: call.function.name, argumentsJson: call.function.arguments ?? "" } };
    }
    const text = (choice.message.content ?? "").trim();
    if (!text) return { ...base, outcome: { kind: "malformed", reason: "empty answer" } };
    return { ...base, outcome: { kind: "text", text } };
  }
}
