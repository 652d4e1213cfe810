import { BUILTIN_TOKENS, SYMBOL_ALIASES } from "../../core/domain/builtin-tokens.js";
import { TOKEN_OPTIONS } from "./commands.js";

export interface Choice {
  name: string;
  value: string;
}

const MAX = 25;
const clip = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);

/**
 * Token suggestions from the built-in registry (no I/O, so always inside Discord's 3 s): prefix match on
 * symbol, alias or name, symbols first. For a space-separated option (`tokens`) the last word is
 * completed and the earlier words are kept.
 */
export function suggestTokens(optionName: string, typed: string): Choice[] {
  if (!TOKEN_OPTIONS.has(optionName)) return [];
  const multi = optionName === "tokens";
  const words = typed.trimStart().split(/\s+/);
  const endsWithSpace = /\s$/.test(typed);
  const query = multi ? (endsWithSpace ? "" : (words.pop() ?? "")) : typed.trim();
  const before = multi ? words.filter(Boolean) : [];
  const q = query.replace(/^\$/, "").toLowerCase();
  const aliasTargets = new Set(Object.entries(SYMBOL_ALIASES).filter(([a]) => a.toLowerCase().startsWith(q)).map(([, s]) => s));
  const ranked = BUILTIN_TOKENS.map((t) => {
    const sym = t.symbol.toLowerCase();
    const rank = sym.startsWith(q) ? 0 : aliasTargets.has(t.symbol) ? 1 : t.name.toLowerCase().startsWith(q) ? 2 : -1;
    return { t, rank };
  })
    .filter((x) => x.rank >= 0)
    .sort((a, b) => a.rank - b.rank || a.t.symbol.localeCompare(b.t.symbol));
  return ranked.slice(0, MAX).map(({ t }) => {
    const value = [...before, t.symbol].join(" ");
    return { name: clip(`${value} (${t.name})`, 100), value: clip(value, 100) };
  });
}
