import type { Reply } from "../domain/message.js";

export interface AssistantInput {
  userId: string;
  /** `platform:platformUserId`: memory is per user and per platform identity. */
  identity: string;
  platform: string;
  text: string;
}

/** What commands may ask of the assistant (/ask, /usage). */
export interface Assistant {
  answer(input: AssistantInput): Promise<Reply>;
  usageSummary(sinceDay: string): Promise<Array<{ day: string; model: string; userId: string | null; tokens: number; costUsd: number; calls: number }>>;
}
