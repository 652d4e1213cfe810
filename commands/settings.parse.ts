import { PLATFORMS, type Platform } from "../core/domain/identity.js";
import { PRIORITY_FEE_LEVELS, type PriorityFeeLevel, type UserSettings } from "../core/domain/user-settings.js";
import { UserError } from "../core/errors.js";

/** The settings /settings changes, by the word the user types. */
export const SETTING_WORDS = ["slippage", "presets", "pay", "quickbuy", "alerts", "quiet", "fee"] as const;
export type SettingWord = (typeof SETTING_WORDS)[number];

export const USAGE: Record<SettingWord, string> = {
  slippage: "/settings slippage <bps>|default, e.g. /settings slippage 50",
  presets: "/settings presets sol|usdc <up to 4 amounts>, e.g. /settings presets sol 0.2 0.5 1",
  pay: "/settings pay sol|usdc",
  quickbuy: "/settings quickbuy <usd>|off, e.g. /settings quickbuy 25",
  alerts: "/settings alerts <platforms>|all, e.g. /settings alerts telegram,discord",
  quiet: "/settings quiet <HH:MM-HH:MM> <time zone>|off, e.g. /settings quiet 22:00-07:00 Europe/Berlin",
  fee: "/settings fee none|low|medium|high",
};

const bad = (word: SettingWord, why: string) => new UserError("bad_setting", `${why} Usage: ${USAGE[word]}`);
const OFF = new Set(["off", "none", "default", "no"]);

/**
 * The change a typed (or pressed) setting asks for, as a patch of the settings. The words are only
 * read here; the values are judged by the settings' zod schema and the operator's caps in the service.
 */
export function parseSetting(word: SettingWord, values: readonly string[]): Partial<UserSettings> {
  const v = values.map((x) => x.trim()).filter(Boolean);
  const first = v[0]?.toLowerCase();
  switch (word) {
    case "slippage": {
      if (!first) throw bad(word, "Give the slippage in basis points (100 bps = 1%).");
      if (OFF.has(first)) return { slippageBps: null };
      const m = /^(\d{1,6})(bps)?$/.exec(first);
      if (!m || v.length > 1) throw bad(word, "Slippage is a whole number of basis points (100 bps = 1%).");
      return { slippageBps: Number(m[1]) };
    }
    case "presets": {
      const token = first?.toUpperCase();
      if (token !== "SOL" && token !== "USDC") throw bad(word, "Say which presets: sol or usdc.");
      const amounts = v.slice(1).flatMap((x) => x.split(",")).filter(Boolean);
      if (!amounts.length) throw bad(word, `Give up to 4 ${token} amounts.`);
      return { buyPresets: { [token]: amounts } } as Partial<UserSettings>;
    }
    case "pay": {
      const token = first?.toUpperCase();
      if ((token !== "SOL" && token !== "USDC") || v.length > 1) throw bad(word, "Pay with sol or usdc.");
      return { payToken: token };
    }
    case "quickbuy": {
      if (!first) throw bad(word, "Give the most a preset buy may be worth without a preview, in USD, or off.");
      if (OFF.has(first)) return { quickBuyMaxUsd: null };
      const m = /^\$?(\d{1,9}(\.\d{1,2})?)\$?$/.exec(first);
      if (!m || v.length > 1) throw bad(word, "The quick-buy limit is an amount in USD, e.g. 25, or off.");
      return { quickBuyMaxUsd: Number(m[1]) };
    }
    case "alerts": {
      if (!first) throw bad(word, "Name the platforms that get your alerts, or all.");
      if (first === "all" && v.length === 1) return { pushPlatforms: null };
      const names = v.flatMap((x) => x.toLowerCase().split(",")).filter(Boolean);
      const out: Platform[] = [];
      for (const n of names.map((x) => (x === "x" ? "twitter" : x))) {
        if (!(PLATFORMS as readonly string[]).includes(n)) throw bad(word, `${n} is not a platform (${PLATFORMS.join(", ")}).`);
        if (!out.includes(n as Platform)) out.push(n as Platform);
      }
      return { pushPlatforms: out };
    }
    case "quiet": {
      if (!first) throw bad(word, "Give the hours and your time zone, or off.");
      if (OFF.has(first) && v.length === 1) return { quietHours: null };
      const m = /^(\d{1,2}:\d{2})-(\d{1,2}:\d{2})$/.exec(first);
      if (!m || v.length !== 2) throw bad(word, "Give the hours as HH:MM-HH:MM and a time zone.");
      const pad = (t: string) => (t.length === 4 ? `0${t}` : t);
      return { quietHours: { start: pad(m[1]!), end: pad(m[2]!), tz: v[1]! } };
    }
    case "fee": {
      if (!first || !(PRIORITY_FEE_LEVELS as readonly string[]).includes(first) || v.length > 1) throw bad(word, "The priority fee is none, low, medium or high.");
      return { priorityFee: first as PriorityFeeLevel };
    }
  }
}
