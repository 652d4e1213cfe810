import { z } from "zod";
import { formatAge, formatPct, formatPrice, formatUtc } from "../core/domain/format.js";
import type { PriceQuote } from "../core/domain/price.js";
import { UserError } from "../core/errors.js";
import type { CommandContext } from "../core/router/command.js";
import { defineCommand } from "../core/router/command.js";
import { listCandidates, resolveEach, unresolvedText } from "../core/router/disambiguation.js";
import { bold, reply } from "../core/router/reply.js";

/** "jupiter, 3 s ago" or, for bundled history, "replay, 2025-01-03 14:00 UTC": source and time, always. */
export function describeQuote(ctx: CommandContext<"market">, q: PriceQuote): string {
  if (q.replay) return `replay, ${formatUtc(q.at)}`;
  return `${q.source}, ${formatAge(ctx.services.market.now() - q.at)}`;
}

export const REPLAY_NOTICE = "these are real historical prices played back, not live prices.";

export default defineCommand({
  name: "price",
  aliases: ["p"],
  group: "Market",
  summary: "Current price, 24h change, source and age of one or more tokens",
  usage: "price <token> [more tokens]",
  examples: ["/price SOL", "/price SOL JUP BONK", "/price JUPyiwrYJFskUPiHa7hkeR8VUtAeFoSYbKedZNsDvCN"],
  scope: "public",
  args: z.object({
    tokens: z
      .array(z.string().min(1).max(64))
      .min(1, "Name a token, e.g. SOL")
      .max(10, "At most 10 tokens at once"),
  }),
  positional: ["tokens"],
  variadic: true,
  needs: ["tokens", "market"],
  async run(ctx, { tokens: queries }) {
    const { tokens, market } = ctx.services;
    // One token: the router shows its error (or the pick-one buttons). Several: a row each, and the
    // candidates of an ambiguous one listed under the table: never guessed.
    const resolved = await resolveEach(queries, (q) => tokens.resolve(q));
    const found = resolved.flatMap((r) => ("token" in r ? [r.token] : []));
    const prices = found.length ? await market.getPrices(found) : new Map<string, PriceQuote>();
    if (found.length && !prices.size) {
      throw new UserError(
        "prices_unavailable",
        "Prices are unavailable right now: no source gave a fresh, consistent price. Try again in a minute.",
      );
    }
    const rows: Array<[string, string]> = resolved.map((r) => {
      if (!("token" in r)) return [r.query.slice(0, 20).toUpperCase(), unresolvedText(r)];
      const label = r.token.verified ? r.token.symbol : `${r.token.symbol} (unverified)`;
      const p = prices.get(r.token.mint);
      if (!p) return [label, "price unavailable right now"];
      return [label, `${formatPrice(p.usd)}  ${formatPct(p.change24hPct)} 24h  (${describeQuote(ctx, p)})`];
    });
    const out = reply().table(rows, queries.length > 1 ? "Prices" : undefined);
    listCandidates(out, resolved, "price");
    if (market.isReplay) out.line(bold("Replay mode: "), REPLAY_NOTICE);
    return out.build();
  },
});
