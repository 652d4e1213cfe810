/** Withdrawal address book rules (issue 19): labels, the per-user limit, how an address is shown. */

/** 1-32 characters of a-z, 0-9, _ and -; compared case-insensitively. */
export const LABEL_PATTERN = /^[a-z0-9_-]{1,32}$/i;
export const MAX_ADDRESSES_PER_USER = 20;

/** The key a label is unique by (per user). */
export const labelKey = (label: string) => label.toLowerCase();

export const isLabel = (s: string) => LABEL_PATTERN.test(s);

/** `7xKX…9fQa`: enough to recognise, short enough for a list. */
export const shortAddress = (a: string) => (a.length > 12 ? `${a.slice(0, 4)}…${a.slice(-4)}` : a);

/** `23h 59m`, `45m`, `under a minute`: how long until something. */
export function untilText(ms: number): string {
  const min = Math.ceil(ms / 60_000);
  if (min < 1) return "under a minute";
  const h = Math.floor(min / 60);
  const m = min % 60;
  return h ? (m ? `${h}h ${m}m` : `${h}h`) : `${m}m`;
}
