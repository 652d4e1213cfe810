import { formatDuration, type Alert } from "../domain/alert.js";
import { formatAge, formatPrice, formatUsd, formatUtc } from "../domain/format.js";
import type { Reply } from "../domain/message.js";
import type { PriceTick } from "../domain/price.js";

/** One line describing an alert (/alerts, confirmations). */
export function describeAlert(a: Alert): string {
  const opts = [
    a.repeat ? `repeats, cooldown ${formatDuration(a.cooldownMs)}, re-arms ${a.hysteresisPct}% back` : "",
    a.expiresAt ? `until ${formatUtc(a.expiresAt)}` : "",
  ].filter(Boolean);
  const base =
    a.kind === "move"
      ? `${a.symbol} moves ${a.pct}% within ${formatDuration(a.windowMs)}`
      : a.kind.startsWith("value_")
        ? `portfolio ${a.kind === "value_above" ? "above" : "below"} ${formatUsd(a.level)}`
        : `${a.symbol} ${a.kind} ${formatPrice(a.level)}`;
  return opts.length ? `${base} (${opts.join("; ")})` : base;
}

export function alertReply(a: Alert, value: number, tick: PriceTick | undefined, marketNow: number): Reply {
  let head: string;
  if (a.kind === "move") {
    head = `${a.symbol} moved ${a.pct}% or more within ${formatDuration(a.windowMs)}: now ${formatPrice(value)}`;
  } else if (a.kind.startsWith("value_")) head = `Your portfolio is ${a.kind === "value_above" ? "above" : "below"} ${formatUsd(a.level)}: now ${formatUsd(value)}`;
  else head = `${a.symbol} is ${a.kind} ${formatPrice(a.level)}: now ${formatPrice(value)}`;
  const src = tick ? (tick.replay ? `replay, ${formatUtc(tick.at)}` : `${tick.source}, ${formatAge(marketNow - tick.at)}`) : "portfolio valuation";
  return {
    kind: "info",
    blocks: [
      { type: "text", spans: [{ text: "Alert: ", style: "bold" }, head] },
      { type: "text", spans: [`Source: ${src}. Alert ${a.id}${a.repeat ? `: re-arms after ${formatDuration(a.cooldownMs)} once it moves back ${a.hysteresisPct}%.` : " is done."}`] },
    ],
  };
}
