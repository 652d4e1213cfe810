import { randomBytes } from "node:crypto";
import { BUILTIN_TOKENS } from "../../core/domain/builtin-tokens.js";
import type { Automation, AutomationRule } from "../../core/domain/automation.js";
import type { TokenRef } from "../../core/domain/order.js";
import type { Repositories } from "../../db/index.js";

/*
 * Automations written straight into the store, as earlier /limit, /stop ... commands and their
 * Confirm would have left them (armed): for tests and benches that need many (1,000 firing on one
 * tick, hundreds raced by two worker processes) without typing each one.
 */

const ref = (symbol: string): TokenRef => {
  const t = BUILTIN_TOKENS.find((x) => x.symbol === symbol)!;
  return { mint: t.mint, symbol: t.symbol, decimals: t.decimals };
};
export const SOL_REF = ref("SOL");
export const USDC_REF = ref("USDC");

const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
export const automationId = () => "a" + Array.from(randomBytes(8), (b) => ALPHABET[b % ALPHABET.length]).join("");

/** A limit buy of SOL: spend `usdc` (whole USDC) when SOL is at or below `level`. */
export function limitBuy(level: number, usdc: number, refUsd: number): AutomationRule {
  return { kind: "limit-buy", token: SOL_REF, pay: USDC_REF, spend: BigInt(Math.round(usdc * 1e6)), level: { usd: level, spec: { kind: "price", usd: level }, refUsd } };
}

export interface Seeded {
  users: Array<{ userId: string; chatId: string }>;
  automations: Automation[];
}

/**
 * `users` users (telegram ids from `firstChat`), each with `perUser` armed automations made by `rule(i)`.
 * Returns what was written.
 */
export async function seedAutomations(
  repos: Repositories,
  o: { users: number; perUser: number; firstChat: number; now: number; rule: (i: number) => AutomationRule },
): Promise<Seeded> {
  const out: Seeded = { users: [], automations: [] };
  for (let u = 0; u < o.users; u++) {
    const chatId = String(o.firstChat + u);
    const { user } = await repos.users.createWithIdentity({ platform: "telegram", platformUserId: chatId, displayName: `auto${u}`, now: o.now });
    out.users.push({ userId: user.id, chatId });
    for (let k = 0; k < o.perUser; k++) {
      const a: Automation = {
        id: automationId(),
        userId: user.id,
        rule: o.rule(u * o.perUser + k),
        state: "armed",
        firings: 0,
        high: null,
        createdAt: o.now,
        updatedAt: o.now,
        notify: { platform: "telegram", chatId },
      };
      await repos.automations.create(a, null);
      out.automations.push(a);
    }
  }
  return out;
}
