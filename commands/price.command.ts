import { z } from "zod";
import { formatAge, formatPct, formatPrice, formatUtc } from "../core/domain/format.js";
import type { PriceQuote } from "../core/domain/price.js";
import type { Token } from "../core/domain/token.js";
import { isUserError, UserError } from "../core/errors.js";
import { AmbiguousTokenError, choiceLabel } from "../core/services/token-registry.service.js";
import type { CommandContext } from "../core/router/command.js";
import { defineCommand } from "../core/router/command.js";
import { bold, reply } from "../core/router/reply.js";

/** "jupiter, 3 s ago" or, for bundled history, "replay, 2025-01-03 14:00 UTC": source and time, always. */
export function describeQuote(ctx: CommandContext<"market">, q: PriceQuote): string {
  if (q.replay) return `replay, ${formatUtc(q.at)}`;
  return `${q.source}, ${formatAge(ctx.services.market.now() - q.at)}`;
}

export const REPLAY_NOTICE = "these are real historical prices played back, not live prices.";

/** Candidates listed per ambiguous token in a multi-token answer (the one-token pick list shows all). */
const MAX_LISTED = 5;

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
    const resolved: Array<{ q: string; token?: Token; error?: string }> = [];
    const ambiguous: AmbiguousTokenError[] = [];
    for (const q of queries) {
      try {
        resolved.push({ q, token: await tokens.resolve(q) });
      } catch (err) {
        // One token: let the router show the error (or the pick-one buttons). Several: a row each,
        // and the candidates of an ambiguous one listed under the table: never guessed.
        if (queries.length === 1 || !isUserError(err)) throw err;
        if (err instanceof AmbiguousTokenError) {
          ambiguous.push(err);
          resolved.push({ q, error: `${err.candidates.length} tokens match, listed below; not priced` });
        } else resolved.push({ q, error: err.message });
      }
    }
    const found = resolved.flatMap((r) => (r.token ? [r.token] : []));
    const prices = found.length ? await market.getPrices(found) : new Map<string, PriceQuote>();
    if (found.length && !prices.size) {
      throw new UserError(
        "prices_unavailable",
        "Prices are unavailable right now: no source gave a fresh, consistent price. Try again in a minute.",
      );
    }
    const rows: Array<[string, string]> = resolved.map((r) => {
      if (!r.token) return [r.q.slice(0, 20).toUpperCase(), r.error ?? "unknown"];
      const label = r.token.verified ? r.token.symbol : `${r.token.symbol} (unverified)`;
      const p = prices.get(r.token.mint);
      if (!p) return [label, "price unavailable right now"];
      return [label, `${formatPrice(p.usd)}  ${formatPct(p.change24hPct)} 24h  (${describeQuote(ctx, p)})`];
    });
    const out = reply().table(rows, queries.length > 1 ? "Prices" : undefined);
    for (const a of ambiguous) {
      const name = a.query.slice(0, 20).toUpperCase();
      out.line(bold(`${name} matches ${a.candidates.length} tokens:`));
      for (const t of a.candidates.slice(0, MAX_LISTED)) out.line(`- ${choiceLabel(t)}`);
      if (a.candidates.length > MAX_LISTED) out.line(`- and ${a.candidates.length - MAX_LISTED} more`);
      out.line(`Use /price <mint> for the one you mean, or /price ${name} on its own to pick from a list.`);
    }
    if (market.isReplay) out.line(bold("Replay mode: "), REPLAY_NOTICE);
    return out.build();
  },
});
