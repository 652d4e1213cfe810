import { z } from "zod";
import { PRIORITY_FEE_LEVELS, type SettingsCaps, type UserSettings } from "../core/domain/user-settings.js";
import { UserError } from "../core/errors.js";
import type { ButtonSpec } from "../core/ports/actions.port.js";
import type { SettingsPort } from "../core/ports/user-settings.port.js";
import { choiceArg, defineCommand, type CommandContext } from "../core/router/command.js";
import type { Button, Reply } from "../core/router/message.js";
import { bold, reply } from "../core/router/reply.js";
import { parseSetting, SETTING_WORDS, type SettingWord } from "./settings.parse.js";

type Settings = SettingsPort & { readonly caps: SettingsCaps };

const settingsOf = (ctx: CommandContext<"settings">): Settings => {
  const s = ctx.services.settings;
  if (!s) throw new UserError("bad_setting", "Settings are not available on this bot.");
  return s;
};

/** The patch a setting word asks for, merged where a setting has parts (one token's presets). */
async function change(s: Settings, userId: string, word: SettingWord, values: readonly string[]): Promise<UserSettings> {
  const patch = parseSetting(word, values);
  if (patch.buyPresets) patch.buyPresets = { ...(await s.get(userId)).buyPresets, ...patch.buyPresets };
  return s.update(userId, patch);
}

const amounts = (list: readonly string[], token: string) => `${list.join(" / ")} ${token}`;

/** Every setting, what it is now, and its ceiling where the operator sets one. */
function table(s: UserSettings, caps: SettingsCaps): Array<[string, string]> {
  return [
    ["Slippage", `${s.slippageBps === null ? "the bot's default" : `${s.slippageBps} bps`} (at most ${caps.maxSlippageBps} bps)`],
    ["Buy presets SOL", amounts(s.buyPresets.SOL, "SOL")],
    ["Buy presets USDC", amounts(s.buyPresets.USDC, "USDC")],
    ["Pay with", s.payToken],
    ["Quick buy", `${s.quickBuyMaxUsd === null ? "off: every buy is previewed" : `presets up to $${s.quickBuyMaxUsd} skip the preview`} (at most $${caps.maxTradeUsd})`],
    ["Alerts go to", s.pushPlatforms === null ? "all your linked platforms" : s.pushPlatforms.join(", ")],
    ["Quiet hours", s.quietHours === null ? "off" : `${s.quietHours.start}-${s.quietHours.end} ${s.quietHours.tz} (held, then one summary)`],
    ["Priority fee", `${s.priorityFee} (at most ${caps.maxPriorityFee})`],
  ];
}

/** The buttons under /settings: common choices, each bound to the requester and applied like the typed form. */
function buttonSpecs(s: UserSettings, caps: SettingsCaps): ButtonSpec[][] {
  const set = (label: string, setting: SettingWord | "reset", value: string): ButtonSpec => ({ label, action: "set", payload: { setting, value } });
  const slips = [...new Set([25, 50, 100, caps.maxSlippageBps])].filter((b) => b <= caps.maxSlippageBps).sort((a, b) => a - b);
  const fees = PRIORITY_FEE_LEVELS.slice(0, PRIORITY_FEE_LEVELS.indexOf(caps.maxPriorityFee) + 1);
  return [
    [...slips.map((b) => set(`${b} bps`, "slippage", String(b))), set("Default slippage", "slippage", "default")],
    [set(s.payToken === "SOL" ? "Pay with USDC" : "Pay with SOL", "pay", s.payToken === "SOL" ? "usdc" : "sol")],
    fees.map((f) => set(`Fee ${f}`, "fee", f)),
    [
      ...(s.quickBuyMaxUsd !== null ? [set("Quick buy off", "quickbuy", "off")] : []),
      ...(s.pushPlatforms !== null ? [set("Alerts everywhere", "alerts", "all")] : []),
      ...(s.quietHours !== null ? [set("Quiet hours off", "quiet", "off")] : []),
      set("Reset all", "reset", ""),
    ],
  ];
}

async function show(ctx: CommandContext<"settings">, s: UserSettings, caps: SettingsCaps, changed?: string): Promise<Reply> {
  const specs = buttonSpecs(s, caps);
  const issued = await ctx.buttons(specs.flat());
  const rows: Button[][] = [];
  let i = 0;
  for (const row of specs) rows.push(issued.slice(i, (i += row.length)));
  const r = reply(changed ? "success" : "info");
  if (changed) r.line(changed);
  r.line(bold("Your settings")).table(table(s, caps));
  r.line("Change one by typing it, e.g. /settings slippage 50, /settings presets sol 0.2 0.5 1, /settings quiet 22:00-07:00 Europe/Berlin, /settings reset.");
  for (const row of rows) if (row.length) r.buttons(...row);
  return r.build();
}

export default defineCommand({
  name: "settings",
  aliases: ["prefs"],
  group: "Account",
  summary: "Your own settings: slippage, buy presets, pay token, quick buy, alert platforms, quiet hours, priority fee",
  usage: "settings [slippage|presets|pay|quickbuy|alerts|quiet|fee|reset] [values]",
  examples: ["/settings", "/settings slippage 50", "/settings presets sol 0.2 0.5 1", "/settings quiet 22:00-07:00 Europe/Berlin", "/settings reset"],
  scope: "private",
  privateReply: true,
  // Settings change only by the user's own hand: never proposed by the model.
  llmTool: false,
  args: z.object({
    setting: choiceArg(["show", ...SETTING_WORDS, "reset"], `Settings are ${SETTING_WORDS.join(", ")} and reset: see /help settings`).default("show"),
    values: z.array(z.string().max(64)).max(8, "Too many values: see /help settings").default([]),
  }),
  positional: ["setting", "values"],
  variadic: true,
  needs: ["settings"],
  async run(ctx, { setting, values }) {
    const s = settingsOf(ctx);
    if (setting === "show") return show(ctx, await s.get(ctx.user.id), s.caps);
    if (setting === "reset") return show(ctx, await s.reset(ctx.user.id), s.caps, "Settings back to the defaults.");
    return show(ctx, await change(s, ctx.user.id, setting, values), s.caps, "Saved.");
  },
  actions: {
    set: {
      payload: z.object({ setting: z.enum([...SETTING_WORDS, "reset"]), value: z.string().max(64) }),
      scope: "private",
      async run(ctx, { setting, value }) {
        const s = settingsOf(ctx);
        const r =
          setting === "reset"
            ? await show(ctx, await s.reset(ctx.user.id), s.caps, "Settings back to the defaults.")
            : await show(ctx, await change(s, ctx.user.id, setting, value.split(" ")), s.caps, "Saved.");
        return { ...r, editsOriginal: true };
      },
    },
  },
});
