import { z } from "zod";
import { parseDuration, type AlertKind } from "../core/domain/alert.js";
import { formatPrice, formatUsd } from "../core/domain/format.js";
import { UserError } from "../core/errors.js";
import { choiceArg, defineCommand } from "../core/router/command.js";
import { bold, reply } from "../core/router/reply.js";
import type { NewAlert } from "../core/ports/alerts.port.js";
import { describeAlert } from "../core/services/alert-engine.service.js";
import { notifyTarget } from "./trade.common.js";

const USAGE = "alert <token> above|below <price> [repeat [1h]] [back 2%] [for 7d] | alert <token> move <N%> <window> | alert portfolio above|below <usd>";

function positive(s: string, what: string): number {
  const v = Number(s.replace(/^\$/, "").replace(/,/g, ""));
  if (!/^\$?[\d,]*\.?\d+$/.test(s) || !Number.isFinite(v) || v <= 0) throw new UserError("bad_alert", `${what} must be a positive number, e.g. 200.`);
  if (v > 1e12) throw new UserError("bad_alert", `${what} is too large.`);
  return v;
}

/** repeat [cooldown] | back N% | for <duration> */
function options(words: string[]) {
  let repeat = false;
  let cooldownMs = 3_600_000;
  let hysteresisPct: number | undefined;
  let forMs: number | undefined;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!.toLowerCase();
    const next = words[i + 1];
    if (w === "repeat") {
      repeat = true;
      const d = next ? parseDuration(next) : undefined;
      if (d !== undefined) {
        cooldownMs = d;
        i++;
      }
    } else if (w === "back" && next && /^\d+(\.\d+)?%$/.test(next)) {
      hysteresisPct = Number(next.slice(0, -1));
      if (hysteresisPct > 50) throw new UserError("bad_alert", "The re-arm margin must be at most 50%.");
      i++;
    } else if (w === "for" && next && parseDuration(next) !== undefined) {
      forMs = parseDuration(next);
      i++;
    } else throw new UserError("bad_alert", `I don't understand "${words[i]!.slice(0, 20)}". Options: repeat [1h], back 2%, for 7d.`);
  }
  return { repeat, cooldownMs, hysteresisPct: hysteresisPct ?? (repeat ? 1 : 0), forMs };
}

export default defineCommand({
  name: "alert",
  group: "Alerts",
  summary: "Get pinged when a price crosses a level, moves N% within a window, or your portfolio crosses a value",
  usage: USAGE,
  examples: ["/alert SOL above 200", "/alert SOL below 120 repeat 1h", "/alert JUP move 5% 1h", "/alert portfolio above 5000"],
  scope: "public",
  args: z.object({
    token: z.string().min(1).max(64),
    op: choiceArg(["above", "below", "move"], "Say above, below or move"),
    value: z.string().min(1).max(32),
    extra: z.array(z.string().max(32)).max(8).optional(),
  }),
  positional: ["token", "op", "value", "extra"],
  variadic: true,
  needs: ["alerts", "market", "tokens", "portfolio", "clock"],
  async run(ctx, { token: q, op, value, extra = [] }) {
    const { alerts, market, tokens, portfolio } = ctx.services;
    const now = ctx.services.clock.now();
    let spec: NewAlert;
    let current: number;
    if (q.toLowerCase() === "portfolio") {
      if (op === "move") throw new UserError("bad_alert", "Portfolio alerts are above or below a value, e.g. /alert portfolio above 5000.");
      const level = positive(value, "The value");
      const o = options(extra);
      const v = await portfolio.value(ctx.user.id);
      if (v === undefined) throw new UserError("prices_unavailable", "I can't value your portfolio right now; try again in a minute.");
      current = v;
      spec = { kind: (op === "above" ? "value_above" : "value_below") as AlertKind, mint: null, symbol: "portfolio", level, pct: 0, windowMs: 0, repeat: o.repeat, cooldownMs: o.cooldownMs, hysteresisPct: o.hysteresisPct, expiresAt: o.forMs ? now + o.forMs : null };
    } else {
      const token = await tokens.resolve(q);
      current = (await market.getPrice(token)).usd;
      if (op === "move") {
        const m = /^(\d{1,3}(?:\.\d{1,2})?)%$/.exec(value);
        const pct = m ? Number(m[1]) : NaN;
        if (!(pct > 0 && pct <= 100)) throw new UserError("bad_alert", "Give the move as a percentage, e.g. 5%.");
        const [win, ...rest] = extra;
        const windowMs = win ? parseDuration(win) : undefined;
        if (windowMs === undefined) throw new UserError("bad_alert", "Give the window, e.g. /alert JUP move 5% 1h.");
        if (windowMs < 60_000 || windowMs > 7 * 86_400_000) throw new UserError("bad_alert", "The window must be between 1 minute and 7 days.");
        const o = options(rest);
        spec = { kind: "move", mint: token.mint, symbol: token.symbol, level: 0, pct, windowMs, repeat: o.repeat, cooldownMs: o.cooldownMs, hysteresisPct: 0, expiresAt: o.forMs ? now + o.forMs : null };
      } else {
        const level = positive(value, "The price");
        const o = options(extra);
        spec = { kind: op, mint: token.mint, symbol: token.symbol, level, pct: 0, windowMs: 0, repeat: o.repeat, cooldownMs: o.cooldownMs, hysteresisPct: o.hysteresisPct, expiresAt: o.forMs ? now + o.forMs : null };
      }
    }
    const a = await alerts.create(ctx.user.id, spec, current, notifyTarget(ctx));
    const now$ = a.kind.startsWith("value_") ? formatUsd(current) : formatPrice(current);
    return reply("success").line(bold(`Alert ${a.id} set: `), describeAlert(a)).line(`Now: ${now$}. Remove it with /unalert ${a.id}.`).build();
  },
});
