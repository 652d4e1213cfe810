export interface LlmTool {
  name: string;
  description: string;
  /** JSON Schema of the arguments object. */
  parameters: Record<string, unknown>;
}

export interface LlmMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface LlmUsage {
  promptTokens: number;
  completionTokens: number;
}

export type LlmOutcome =
  | { kind: "text"; text: string }
  | { kind: "tool"; name: string; argumentsJson: string }
  /** Partial (cut off), empty, several tool calls, or otherwise not usable: never acted on. */
  | { kind: "malformed"; reason: string };

export interface LlmResult {
  outcome: LlmOutcome;
  usage: LlmUsage;
  provider: string;
  model: string;
}

/** One OpenAI-compatible provider (OpenAI, Groq, OpenRouter, xAI, Ollama ...). Throws RemoteError on failure. */
export interface LlmClient {
  readonly provider: string;
  readonly model: string;
  complete(req: { messages: LlmMessage[]; tools?: LlmTool[]; toolChoice?: "auto" | "none"; maxTokens?: number }): Promise<LlmResult>;
}

export interface LlmUsageRow {
  at: number;
  day: string;
  userId: string | null;
  provider: string;
  model: string;
  task: "intent" | "answer";
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
}

export interface LlmUsageStore {
  record(row: LlmUsageRow): Promise<void>;
  /** Tokens used on `day` (UTC yyyy-mm-dd), by one user or by everyone. */
  tokensOn(day: string, userId?: string): Promise<number>;
  summary(sinceDay: string): Promise<Array<{ day: string; model: string; userId: string | null; tokens: number; costUsd: number; calls: number }>>;
}
