/** Display formatting shared by commands (renderers own markup and escaping, not numbers). */

const small = (v: number) => `$${v.toPrecision(4).replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, "")}`;

/** A USD value: $1,234.56, $20.00, and significant digits below a dollar ($0.0123). */
export function formatUsd(v: number): string {
  if (!Number.isFinite(v)) return "n/a";
  const abs = Math.abs(v);
  if (abs >= 1000) return `$${v.toLocaleString("en-US", { maximumFractionDigits: 2, minimumFractionDigits: 2 })}`;
  if (abs >= 0.01 || abs < 1e-6) return `$${(abs < 1e-6 ? 0 : v).toFixed(2)}`;
  return small(v);
}

/** A unit price: like formatUsd, with a third decimal between $1 and $100 ($2.345) and 4 significant digits for BONK-sized prices. */
export function formatPrice(v: number): string {
  if (!Number.isFinite(v)) return "n/a";
  const abs = Math.abs(v);
  if (abs >= 100 || abs === 0) return formatUsd(v);
  if (abs >= 1) return `$${v.toFixed(3).replace(/(\.\d\d)0$/, "$1")}`;
  return small(v);
}

export function formatPct(v: number | undefined, digits = 2): string {
  if (v === undefined || !Number.isFinite(v)) return "n/a";
  return `${v >= 0 ? "+" : ""}${v.toFixed(digits)}%`;
}

/** "4 s ago", "3 min ago", "2 h ago", "5 d ago". */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return `${s} s ago`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min ago`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

/** 2025-03-04 12:00 UTC */
export const formatUtc = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;
