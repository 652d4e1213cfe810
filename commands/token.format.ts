/**
 * The token card as a platform-neutral reply (issue 18): market data beside the chain's safety checks.
 * Numbers are formatted here; markup, escaping and splitting belong to each adapter's renderer.
 */
import { formatAge, formatPct, formatPrice, formatUsd } from "../core/domain/format.js";
import { formatAmount, U64_MAX } from "../core/domain/money.js";
import type { TokenCard } from "../core/domain/token-card.js";
import type { FlagSeverity, SafetyFlag, SafetyReport } from "../core/domain/token-safety.js";
import { shortMint } from "../core/domain/token.js";
import type { Span } from "../core/router/message.js";
import { bold, code, reply, type ReplyBuilder } from "../core/router/reply.js";

/** What a flag's severity is called on the card, most serious first. */
export const SEVERITY_LABEL: Record<FlagSeverity, string> = { red: "RED FLAG", warn: "Warning", info: "Note" };
const RANK: Record<FlagSeverity, number> = { red: 0, warn: 1, info: 2 };

/** What each check that could not run leaves unknown. */
const MISSING_TEXT: Record<SafetyReport["missing"][number], string> = {
  mint: "mint and freeze authority, Token-2022 extensions",
  holders: "holder concentration",
  age: "token age",
};
const PARTIAL_TEXT: Record<TokenCard["partial"][number], string> = {
  market: "market data",
  price: "price",
  safety: "safety checks",
};

/** $1.23K, $4.5M, $1.2B: sizes at a glance (liquidity, market cap, volume). */
export function compactUsd(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "n/a";
  const abs = Math.abs(v);
  for (const [div, unit] of [[1e9, "B"], [1e6, "M"], [1e3, "K"]] as const) {
    if (abs >= div) return `$${(v / div).toFixed(abs / div >= 100 ? 0 : abs / div >= 10 ? 1 : 2).replace(/\.0+$|(\.\d*?)0+$/, "$1")}${unit}`;
  }
  return formatUsd(v);
}

/** The name a card goes by: the registry's symbol, Jupiter's, or the short mint. */
export function cardSymbol(card: TokenCard): string {
  return card.token?.symbol ?? card.market?.symbol ?? shortMint(card.mint);
}

/** Flags worth a user's pause before buying: red flags and warnings (notes are information). */
export const riskyFlags = (s: SafetyReport | null): SafetyFlag[] => (s ? s.flags.filter((f) => f.severity !== "info") : []);

/** What the card could not find out, in words; empty when every source answered. */
export function partialText(card: TokenCard): string[] {
  const out = card.partial.filter((p) => p !== "safety").map((p) => PARTIAL_TEXT[p]);
  if (!card.safety) out.push(PARTIAL_TEXT.safety);
  else out.push(...card.safety.missing.map((m) => MISSING_TEXT[m]));
  return out;
}

function signals(card: TokenCard): string {
  const m = card.market;
  const out: string[] = [];
  const verified = m?.verified ?? card.token?.verified ?? null;
  if (verified !== null) out.push(verified ? "verified on Jupiter" : "NOT verified on Jupiter");
  if (m?.organicScore !== null && m?.organicScore !== undefined) out.push(`organic score ${Math.round(m.organicScore)}${m.organicLabel ? ` (${m.organicLabel})` : ""}`);
  const tags = (m?.tags ?? []).filter((t) => t !== "verified").slice(0, 4);
  if (tags.length) out.push(`tags: ${tags.join(", ")}`);
  return out.length ? out.join("; ") : "none given";
}

function marketRows(card: TokenCard): Array<[string, string]> {
  const m = card.market;
  const p = card.price;
  const fdv = m?.fdvUsd !== null && m?.fdvUsd !== undefined && m.fdvUsd !== m.mcapUsd ? ` / FDV ${compactUsd(m.fdvUsd)}` : "";
  return [
    ["Price", p ? `${formatPrice(p.usd)} (${p.source}, ${formatAge(p.ageMs)})` : "unavailable right now"],
    ["24h change", formatPct(m?.priceChange24hPct ?? undefined)],
    ["Liquidity", compactUsd(m?.liquidityUsd)],
    ["Market cap", `${compactUsd(m?.mcapUsd)}${fdv}`],
    ["24h volume", compactUsd(m?.volume24hUsd)],
    ["Holders", m?.holderCount !== null && m?.holderCount !== undefined ? m.holderCount.toLocaleString("en-US") : "n/a"],
    ["Signals", signals(card)],
  ];
}

const authority = (a: string | null) => (a === null ? "revoked" : `present (${shortMint(a)})`);

/** `unit`: what the transfer fee's cap is counted in (the token's symbol, or "tokens"). */
function safetyRows(s: SafetyReport, now: number, unit: string): Array<[string, string]> {
  const rows: Array<[string, string]> = [];
  const mint = s.facts.mint;
  if (mint) {
    rows.push(["Program", mint.program === "token-2022" ? "Token-2022" : "SPL Token"]);
    rows.push(["Mint authority", authority(mint.mintAuthority)]);
    rows.push(["Freeze authority", authority(mint.freezeAuthority)]);
    const fee = mint.extensions.transferFee;
    rows.push([
      "Transfer fee",
      fee && fee.bps > 0
        ? `${Number((fee.bps / 100).toFixed(2))}% of every transfer${fee.maxFee < U64_MAX ? ` (at most ${formatAmount(fee.maxFee, mint.decimals)} ${unit} per transfer)` : ""}`
        : "none",
    ]);
  }
  if (s.top10Pct !== null) rows.push(["Top 10 holders", `${s.top10Pct.toFixed(1)}% of supply (pools and burns excluded)`]);
  const age = s.facts.age;
  if (age?.firstSeenAt !== null && age?.firstSeenAt !== undefined) {
    rows.push(["Age", `${age.atLeast ? "at least " : ""}${formatAge(now - age.firstSeenAt).replace(/ ago$/, "")} (first seen on chain)`]);
  }
  return rows;
}

/** One line per flag, most serious first: its marker, its title and what it means for the user. */
function flagLines(out: ReplyBuilder, flags: readonly SafetyFlag[]): void {
  for (const f of [...flags].sort((a, b) => RANK[a.severity] - RANK[b.severity])) {
    out.line(bold(`${SEVERITY_LABEL[f.severity]}: `), bold(f.title), ` - ${f.meaning}`);
  }
}

/** The safety section's verdict: "no red flags" only when every check ran and none raised one. */
function verdict(s: SafetyReport): Span[] {
  const red = s.flags.filter((f) => f.severity === "red").length;
  const warn = s.flags.filter((f) => f.severity === "warn").length;
  if (red || warn) {
    const parts = [red ? `${red} red flag${red > 1 ? "s" : ""}` : "", warn ? `${warn} warning${warn > 1 ? "s" : ""}` : ""].filter(Boolean);
    return [bold(`${parts.join(" and ")}.`), " Read them before you buy: a buy preview shows them again."];
  }
  if (s.missing.length >= Object.keys(MISSING_TEXT).length) {
    return [bold("Not checked."), " The Solana node did not answer, so none of the safety checks ran: treat this token as unchecked."];
  }
  if (s.missing.length) return [`No red flags in the checks that ran, but ${s.missing.map((m) => MISSING_TEXT[m]).join(", ")} could not be checked.`];
  return ["No red flags found by the checks that ran."];
}

/** "from a Raydium AMM v4 pool 58oQ...YQo2": the pasted address was a pool, the card is the token it trades. */
export function poolLine(pool: NonNullable<TokenCard["pool"]>): string {
  return `From ${/^[AEIOU]/i.test(pool.dex) ? "an" : "a"} ${pool.dex} pool ${shortMint(pool.address)}`;
}

/** The card: header, copyable mint, market table, safety section. Buttons are the command's to add. */
export function renderCard(card: TokenCard, now: number): ReplyBuilder {
  const s = card.safety;
  const red = s?.flags.some((f) => f.severity === "red") ?? false;
  const out = reply(red ? "warning" : "info");
  const sym = cardSymbol(card);
  const name = card.token?.name ?? card.market?.name;
  const known = card.token?.symbol ?? card.market?.symbol;
  if (known) out.line(bold(name && name !== sym ? `${name} (${sym})` : sym), ` - ${shortMint(card.mint)}`);
  else out.line(bold("Unlisted token"), ` - ${shortMint(card.mint)}`);
  out.line("Mint: ", code(card.mint));
  if (card.pool) out.line(poolLine(card.pool));
  const missing = partialText(card);
  if (missing.length) out.line(bold("Partial: "), `${missing.join(", ")} unavailable.`);
  // without market data the rows would all say n/a: the price alone, beside the Partial line
  out.table(card.market ? marketRows(card) : marketRows(card).slice(0, 1));
  if (!s) {
    out.line(bold("Safety: "), "the chain could not be read just now, so nothing about this token was checked. Treat it as unchecked.");
    return out;
  }
  out.table(safetyRows(s, now, known ?? "tokens"), "Safety (read from the Solana chain)");
  flagLines(out, s.flags);
  out.line(...verdict(s));
  return out;
}

/**
 * The card where text is short (X: 280 characters): the safety verdict and the flags' titles come
 * first, so a cut never drops a red flag in favour of the price.
 */
export function renderCompactCard(card: TokenCard): ReplyBuilder {
  const s = card.safety;
  const out = reply(s?.flags.some((f) => f.severity === "red") ? "warning" : "info");
  out.line(`${cardSymbol(card)} (${shortMint(card.mint)})${card.pool ? `, ${poolLine(card.pool).replace(/^F/, "f")}` : ""}`);
  const risky = riskyFlags(s).sort((a, b) => RANK[a.severity] - RANK[b.severity]);
  if (!s) out.line("Safety: not checked (chain unavailable)");
  else if (risky.length) out.line(`Safety: ${risky.map((f) => `${SEVERITY_LABEL[f.severity]} ${f.title}`).join("; ")}`);
  else if (s.missing.length) out.line(`Safety: no flags so far, partial (${s.missing.map((m) => MISSING_TEXT[m]).join(", ")} unavailable)`);
  else out.line("Safety: no red flags found by the checks that ran");
  const p = card.price;
  const m = card.market;
  out.line(
    p ? `${formatPrice(p.usd)} (${p.source}, ${formatAge(p.ageMs)})` : "price unavailable",
    m?.priceChange24hPct !== null && m?.priceChange24hPct !== undefined ? `, 24h ${formatPct(m.priceChange24hPct)}` : "",
    m?.liquidityUsd !== null && m?.liquidityUsd !== undefined ? `, liq ${compactUsd(m.liquidityUsd)}` : "",
    m?.mcapUsd !== null && m?.mcapUsd !== undefined ? `, mcap ${compactUsd(m.mcapUsd)}` : "",
  );
  return out;
}
