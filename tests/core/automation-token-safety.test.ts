import { describe, expect, it } from "vitest";
import type { Automation } from "../../core/domain/automation.js";
import { BUILTIN_TOKENS } from "../../core/domain/builtin-tokens.js";
import type { Token } from "../../core/domain/token.js";
import { UserError } from "../../core/errors.js";
import { silentLogger } from "../../core/ports/logger.port.js";
import { FiringAttempt } from "../../core/services/automations/attempt.js";
import type { AutomationDeps } from "../../core/services/automations/types.js";

const USDC = BUILTIN_TOKENS.find((t) => t.symbol === "USDC")!;
const FRZ: Token = { symbol: "FRZ", name: "Frosty", mint: "FREEZEmint111111111111111111111111111111111", decimals: 6, verified: true };

/** An automation's attempt over a trade path whose preview refuses with `err` (as TOKEN_SAFETY does). */
function attemptRefusedWith(err: UserError) {
  const trading = {
    mode: "paper" as const,
    findOrder: async () => undefined,
    book: async () => ({ book: "paper", wallet: null }),
    previewIn: async () => {
      throw err;
    },
  };
  const tokens = { resolve: async (m: string) => [USDC, FRZ].find((t) => t.mint === m)! };
  const deps = { trading, tokens, log: silentLogger } as unknown as AutomationDeps;
  const a = {
    id: "a12345678",
    userId: "u1",
    rule: { kind: "limit-buy", token: { mint: FRZ.mint, symbol: "FRZ", decimals: 6 }, pay: { mint: USDC.mint, symbol: "USDC", decimals: 6 }, spend: 10_000_000n },
    notify: { platform: "console", chatId: "local" },
  } as unknown as Automation;
  return new FiringAttempt(deps).run(a, 1, 1);
}

describe("an automation firing on a token TOKEN_SAFETY flags", () => {
  it("is skipped with the reason (nothing traded, not retried)", async () => {
    const r = await attemptRefusedWith(new UserError("token_unsafe", "not traded: FRZ is risky (freeze authority present)", { retryable: false }));
    expect(r).toEqual({ kind: "skipped", reason: "not traded: FRZ is risky (freeze authority present)" });
  });

  it("is tried again when the check only could not run", async () => {
    const r = await attemptRefusedWith(new UserError("token_unsafe", "not traded: its safety could not be checked right now", { retryable: true }));
    expect(r).toMatchObject({ kind: "failed", retryable: true });
  });
});
