export const REDACTED = "[REDACTED]";

/** Shorter values are too likely to be ordinary text to scrub by value. */
const MIN_SECRET_LENGTH = 6;

export type Scrub = (text: string) => string;

/**
 * Replaces every configured secret value in a text, as written, URL-encoded or JSON-escaped (longest
 * first, so a secret containing another is removed whole). The one scrubber of the process: the logger
 * applies it to every line and every string field, and bots/ to everything written to stdout/stderr.
 * Scrub before any cut: a secret cut in half is no longer found.
 */
export function secretScrubber(secrets: Iterable<string>): Scrub {
  const values = [...new Set([...secrets].filter((s) => typeof s === "string" && s.length >= MIN_SECRET_LENGTH))];
  const variants = [...new Set(values.flatMap((s) => [s, encodeURIComponent(s), JSON.stringify(s).slice(1, -1)]))].sort((a, b) => b.length - a.length);
  if (!variants.length) return (text) => text;
  return (text) => {
    let s = text;
    for (const v of variants) if (s.includes(v)) s = s.split(v).join(REDACTED);
    return s;
  };
}

/** Scrubs, then cuts to `max` characters (never the other way round). */
export const scrubCut = (scrub: Scrub, text: string, max: number): string => {
  const s = scrub(text);
  return s.length > max ? `${s.slice(0, max - 3)}...` : s;
};

type Writable = { write: (...args: never[]) => boolean };

/**
 * Every write to this stream (process.stdout, process.stderr) goes through the scrubber first, whoever
 * writes it: our own lines, a library's console.error, the console chat. A write is scrubbed whole, so a
 * secret split across two separate writes is not caught (console and our own writes are whole lines).
 */
export function scrubWrites(stream: Writable, scrub: Scrub): void {
  const original = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
  const wrapped = (chunk: unknown, ...rest: unknown[]): boolean => {
    if (typeof chunk === "string") return original(scrub(chunk), ...rest);
    if (chunk instanceof Uint8Array) {
      const text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString("utf8");
      const clean = scrub(text);
      return original(clean === text ? chunk : Buffer.from(clean, "utf8"), ...rest);
    }
    return original(chunk, ...rest);
  };
  (stream as { write: unknown }).write = wrapped;
}
