import { describe, expect, it } from "vitest";
import {
  DEFAULT_USER_SETTINGS,
  effectiveSettings,
  inQuietHours,
  quietHoursEnd,
  type QuietHours,
  type SettingsCaps,
  type UserSettings,
} from "../../core/domain/user-settings.js";
import { isUserError } from "../../core/errors.js";
import { silentLogger } from "../../core/ports/logger.port.js";
import type { UserSettingsStore } from "../../core/ports/user-settings.port.js";
import { SettingsService } from "../../core/services/settings.service.js";
import { FakeClock } from "../helpers/clock.js";

const CAPS: SettingsCaps = { maxSlippageBps: 100, maxTradeUsd: 1000, maxPriorityFee: "medium" };

class MemoryStore implements UserSettingsStore {
  readonly rows = new Map<string, Partial<UserSettings>>();
  async get(userId: string) {
    const r = this.rows.get(userId);
    return r ? structuredClone(r) : undefined;
  }
  async put(userId: string, s: Partial<UserSettings>) {
    this.rows.set(userId, structuredClone(s));
  }
}

function service(caps: SettingsCaps = CAPS, store = new MemoryStore()) {
  return { store, s: new SettingsService({ store, caps, clock: new FakeClock(), log: silentLogger }) };
}

/** The message of the bad_setting UserError a change is refused with. */
async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (isUserError(err) && err.code === "bad_setting") return err.message;
    throw err;
  }
  throw new Error("the change was accepted");
}

/** The defaults as read under CAPS: the default fee (high, what live swaps paid before settings) held to the cap (medium). */
const DEFAULTS_UNDER_CAPS: UserSettings = { ...DEFAULT_USER_SETTINGS, priorityFee: "medium" };

describe("per-user settings: bounds and the operator's ceilings", () => {
  it("a new user has the defaults", async () => {
    const { s } = service();
    expect(await s.get("u1")).toEqual(DEFAULTS_UNDER_CAPS);
  });

  it("a change is stored and read back; only the changed setting differs", async () => {
    const { s } = service();
    await s.update("u1", { slippageBps: 75 });
    await s.update("u1", { payToken: "USDC", quickBuyMaxUsd: 25 });
    expect(await s.get("u1")).toEqual({ ...DEFAULTS_UNDER_CAPS, slippageBps: 75, payToken: "USDC", quickBuyMaxUsd: 25 });
    expect(await s.get("u2")).toEqual(DEFAULTS_UNDER_CAPS);
  });

  it("a user cannot exceed the operator's caps: each refusal names the cap", async () => {
    const { s } = service();
    expect(await refusal(s.update("u1", { slippageBps: 101 }))).toBe("Slippage can be at most 100 bps: the operator's cap (MAX_SLIPPAGE_BPS).");
    expect(await refusal(s.update("u1", { quickBuyMaxUsd: 1000.01 }))).toBe("The quick-buy limit can be at most $1000: the operator's cap (MAX_TRADE_USD).");
    expect(await refusal(s.update("u1", { priorityFee: "high" }))).toBe("The priority fee can be at most medium: the operator's cap (MAX_PRIORITY_FEE_LEVEL).");
    expect(await s.get("u1")).toEqual(DEFAULTS_UNDER_CAPS);
    // Exactly at the cap is allowed.
    await s.update("u1", { slippageBps: 100, quickBuyMaxUsd: 1000, priorityFee: "medium" });
    expect(await s.get("u1")).toMatchObject({ slippageBps: 100, quickBuyMaxUsd: 1000, priorityFee: "medium" });
  });

  it("every setting's own bounds are enforced with a clear message", async () => {
    const { s } = service({ maxSlippageBps: 5000, maxTradeUsd: 1e6, maxPriorityFee: "high" });
    const presets = (SOL: string[]) => ({ buyPresets: { SOL, USDC: ["10"] } });
    const cases: Array<[Partial<UserSettings>, RegExp]> = [
      [{ slippageBps: 0 }, /at least 1 bps/],
      [{ slippageBps: 5001 }, /at most 5000 bps/],
      [{ slippageBps: 12.5 }, /whole number/],
      [presets([]), /at least one SOL preset/],
      [presets(["0.1", "0.2", "0.3", "0.4", "0.5"]), /At most 4 SOL presets/],
      [presets(["0"]), /more than 0/],
      [presets(["-1"]), /plain amounts/],
      [presets(["1e3"]), /plain amounts/],
      [presets(["0.0000000001"]), /at most 9 decimals/],
      [presets(["10001"]), /at most 10000/],
      [{ buyPresets: { SOL: ["1"], USDC: ["1.0000001"] } }, /at most 6 decimals/],
      [{ quickBuyMaxUsd: 0 }, /more than \$0/],
      [{ pushPlatforms: [] }, /at least one platform/],
      [{ pushPlatforms: ["telegram", "telegram"] }, /each platform once/],
      [{ pushPlatforms: ["myspace" as never] }, /Platforms are telegram, discord, twitter, console/],
      [{ quietHours: { start: "24:00", end: "07:00", tz: "UTC" } }, /HH:MM-HH:MM/],
      [{ quietHours: { start: "22:00", end: "7:00", tz: "UTC" } }, /HH:MM-HH:MM/],
      [{ quietHours: { start: "22:00", end: "22:00", tz: "UTC" } }, /different times/],
      [{ quietHours: { start: "22:00", end: "07:00", tz: "Mars/Olympus" } }, /not a time zone I know/],
      [{ priorityFee: "turbo" as never }, /none, low, medium or high/],
      [{ payToken: "BONK" as never }, /SOL or USDC/],
    ];
    for (const [patch, msg] of cases) expect(await refusal(s.update("u1", patch)), JSON.stringify(patch)).toMatch(msg);
    expect(await s.get("u1")).toEqual(DEFAULT_USER_SETTINGS);
  });

  it("a setting that does not exist is refused, not stored", async () => {
    const { s, store } = service();
    expect(await refusal(s.update("u1", { maxTradeUsd: 1e9 } as never))).toMatch(/not valid|Unrecognized/i);
    expect(store.rows.get("u1")).toBeUndefined();
  });

  it("stored values are clamped on read when the operator lowers a cap later", async () => {
    const store = new MemoryStore();
    await service({ maxSlippageBps: 500, maxTradeUsd: 5000, maxPriorityFee: "high" }, store).s.update("u1", { slippageBps: 400, quickBuyMaxUsd: 3000, priorityFee: "high" });
    const lowered = service({ maxSlippageBps: 100, maxTradeUsd: 1000, maxPriorityFee: "low" }, store).s;
    expect(await lowered.get("u1")).toMatchObject({ slippageBps: 100, quickBuyMaxUsd: 1000, priorityFee: "low" });
    // What the user chose is kept: raising the cap again gives it back.
    expect(await service({ maxSlippageBps: 5000, maxTradeUsd: 1e4, maxPriorityFee: "high" }, store).s.get("u1")).toMatchObject({ slippageBps: 400, quickBuyMaxUsd: 3000 });
  });

  it("a stored value that no longer reads is the default, the rest still apply", () => {
    const stored = { slippageBps: "lots", payToken: "USDC", quietHours: { start: "x" } } as unknown as Partial<UserSettings>;
    expect(effectiveSettings(stored, CAPS)).toEqual({ ...DEFAULTS_UNDER_CAPS, payToken: "USDC" });
  });

  it("reset brings back every default", async () => {
    const { s } = service();
    await s.update("u1", { slippageBps: 80, payToken: "USDC", quietHours: { start: "22:00", end: "07:00", tz: "Europe/Berlin" } });
    expect(await s.reset("u1")).toEqual(DEFAULTS_UNDER_CAPS);
    expect(await s.get("u1")).toEqual(DEFAULTS_UNDER_CAPS);
  });

  it("the defaults are never changed by a user's settings", async () => {
    const { s } = service();
    const mine = await s.update("u1", { buyPresets: { SOL: ["2"], USDC: ["20"] } });
    mine.buyPresets.SOL.push("3");
    expect(DEFAULT_USER_SETTINGS.buyPresets.SOL).toEqual(["0.1", "0.5", "1"]);
  });
});

describe("quiet hours", () => {
  const at = (iso: string) => Date.parse(iso);
  const night: QuietHours = { start: "22:00", end: "07:00", tz: "Europe/Berlin" };

  it("wrap around midnight in the user's zone: 22:00 to 07:00 local", () => {
    // Berlin is UTC+1 in January.
    expect(inQuietHours(night, at("2026-01-10T20:59:00Z"))).toBe(false); // 21:59
    expect(inQuietHours(night, at("2026-01-10T21:00:00Z"))).toBe(true); // 22:00
    expect(inQuietHours(night, at("2026-01-10T23:30:00Z"))).toBe(true); // 00:30
    expect(inQuietHours(night, at("2026-01-11T05:59:00Z"))).toBe(true); // 06:59
    expect(inQuietHours(night, at("2026-01-11T06:00:00Z"))).toBe(false); // 07:00
    expect(quietHoursEnd(night, at("2026-01-10T23:30:00Z"))).toBe(at("2026-01-11T06:00:00Z"));
    expect(quietHoursEnd(night, at("2026-01-11T12:00:00Z"))).toBeUndefined();
  });

  it("hours inside one day: 13:00 to 14:30", () => {
    const lunch: QuietHours = { start: "13:00", end: "14:30", tz: "UTC" };
    expect(inQuietHours(lunch, at("2026-03-01T12:59:59Z"))).toBe(false);
    expect(inQuietHours(lunch, at("2026-03-01T13:00:00Z"))).toBe(true);
    expect(inQuietHours(lunch, at("2026-03-01T14:29:59Z"))).toBe(true);
    expect(inQuietHours(lunch, at("2026-03-01T14:30:00Z"))).toBe(false);
    expect(inQuietHours(lunch, at("2026-03-01T23:00:00Z"))).toBe(false);
  });

  it("on the night clocks go forward (Berlin, 29 March 2026) the hours follow local time", () => {
    // 22:00 local on the 28th is 21:00Z (UTC+1); 07:00 local on the 29th is 05:00Z (UTC+2): an 8-hour night.
    expect(inQuietHours(night, at("2026-03-28T20:59:00Z"))).toBe(false);
    expect(inQuietHours(night, at("2026-03-28T21:00:00Z"))).toBe(true);
    expect(inQuietHours(night, at("2026-03-29T04:59:00Z"))).toBe(true);
    expect(inQuietHours(night, at("2026-03-29T05:00:00Z"))).toBe(false);
    expect(quietHoursEnd(night, at("2026-03-28T21:00:00Z"))).toBe(at("2026-03-29T05:00:00Z"));
  });

  it("on the night clocks go back (New York, 1 November 2026) the hours end at 07:00 local, 10 hours later", () => {
    const ny: QuietHours = { start: "22:00", end: "07:00", tz: "America/New_York" };
    // 22:00 EDT on 31 Oct is 02:00Z; 07:00 EST on 1 Nov is 12:00Z.
    expect(inQuietHours(ny, at("2026-11-01T01:59:00Z"))).toBe(false);
    expect(inQuietHours(ny, at("2026-11-01T02:00:00Z"))).toBe(true);
    expect(inQuietHours(ny, at("2026-11-01T11:59:00Z"))).toBe(true);
    expect(quietHoursEnd(ny, at("2026-11-01T03:00:00Z"))).toBe(at("2026-11-01T12:00:00Z"));
  });

  it("quiet hours that start in the hour a DST change skips still hold from the first minute they exist", () => {
    const skip: QuietHours = { start: "02:30", end: "04:00", tz: "Europe/Berlin" };
    // 29 March 2026: 02:00 local jumps to 03:00 (01:00Z). 02:30 never happens; 03:00 local (01:00Z) is inside.
    expect(inQuietHours(skip, at("2026-03-29T00:59:00Z"))).toBe(false); // 01:59 CET
    expect(inQuietHours(skip, at("2026-03-29T01:00:00Z"))).toBe(true); // 03:00 CEST
    expect(quietHoursEnd(skip, at("2026-03-29T01:00:00Z"))).toBe(at("2026-03-29T02:00:00Z"));
  });

  it("the user's effective quiet hours gate pushes", async () => {
    const { s } = service();
    await s.update("u1", { quietHours: night });
    expect(await s.holdUntil("u1", at("2026-01-10T23:30:00Z"))).toBe(at("2026-01-11T06:00:00Z"));
    expect(await s.holdUntil("u1", at("2026-01-10T12:00:00Z"))).toBeNull();
    expect(await s.holdUntil("u2", at("2026-01-10T23:30:00Z"))).toBeNull();
  });
});
