import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { LlmUsageRow, LlmUsageStore } from "../../core/ports/llm.port.js";
import type { Database } from "../schema.js";

export class KyselyLlmUsage implements LlmUsageStore {
  constructor(private readonly db: Kysely<Database>) {}

  async record(r: LlmUsageRow): Promise<void> {
    await this.db
      .insertInto("llm_usage")
      .values({
        id: randomUUID(),
        at: r.at,
        day: r.day,
        user_id: r.userId,
        provider: r.provider,
        model: r.model,
        task: r.task,
        prompt_tokens: r.promptTokens,
        completion_tokens: r.completionTokens,
        cost_usd: r.costUsd,
      })
      .execute();
  }

  async tokensOn(day: string, userId?: string): Promise<number> {
    let q = this.db
      .selectFrom("llm_usage")
      .select((eb) => [eb.fn.sum<number>("prompt_tokens").as("p"), eb.fn.sum<number>("completion_tokens").as("c")])
      .where("day", "=", day);
    if (userId !== undefined) q = q.where("user_id", "=", userId);
    const r = await q.executeTakeFirst();
    return Number(r?.p ?? 0) + Number(r?.c ?? 0);
  }

  async summary(sinceDay: string) {
    const rows = await this.db
      .selectFrom("llm_usage")
      .select((eb) => [
        "day",
        "model",
        "user_id",
        eb.fn.sum<number>("prompt_tokens").as("p"),
        eb.fn.sum<number>("completion_tokens").as("c"),
        eb.fn.sum<number>("cost_usd").as("cost"),
        eb.fn.countAll<number>().as("n"),
      ])
      .where("day", ">=", sinceDay)
      .groupBy(["day", "model", "user_id"])
      .orderBy("day", "desc")
      .execute();
    return rows.map((r) => ({
      day: r.day,
      model: r.model,
      userId: r.user_id,
      tokens: Number(r.p ?? 0) + Number(r.c ?? 0),
      costUsd: Number(r.cost ?? 0),
      calls: Number(r.n),
    }));
  }
}
