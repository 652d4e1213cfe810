import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseCandleCsv, parseCandleCsvGeneral } from "../../../adapters/replay/replay-data.js";

const REPLAY_DIR = fileURLToPath(new URL("../../../data/replay", import.meta.url));
const HEADER = "timestamp_utc,open,high,low,close,volume";

/** Both paths' answer: the report, or the error message. */
function outcome(parse: (text: string) => unknown, text: string): unknown {
  try {
    return parse(text);
  } catch (e) {
    return { error: (e as Error).message };
  }
}

const same = (text: string) => expect(outcome(parseCandleCsv, text), JSON.stringify(text)).toEqual(outcome(parseCandleCsvGeneral, text));

describe("fast candle CSV path", () => {
  it("gives exactly the csv-parse result on every bundled file", () => {
    const files = readdirSync(REPLAY_DIR).filter((f) => f.endsWith(".csv"));
    expect(files).toHaveLength(7);
    for (const f of files) {
      const text = readFileSync(join(REPLAY_DIR, f), "utf8");
      const fast = parseCandleCsv(text);
      expect(fast.candles, f).toHaveLength(4040);
      expect(fast, f).toEqual(parseCandleCsvGeneral(text));
      // The same file with CRLF endings and a BOM reads the same.
      expect(parseCandleCsv(`\ufeff${text.replaceAll("\n", "\r\n")}`), f).toEqual(fast);
    }
  });

  it("treats a header, blank lines, CRLF, missing and odd values as csv-parse does", () => {
    const quirky = [
      `${HEADER}\n2025-01-01T00:00:00Z,1,2,0.5,1.5,10\n`,
      `\n\n  \n${HEADER}\r\n\r\n2025-01-01T00:00:00Z,1,2,0.5,1.5,10\r\n \t \r\n2025-01-01T01:00:00Z,1,2,0.5,1.6,10\r\n`,
      `${HEADER}\n2025-01-01T00:00:00Z,,2,0.5,1.5,10\n2025-01-01T01:00:00Z,1,2\n2025-01-01T02:00:00Z\n,,,,\n2025-01-01T03:00:00Z,1,2,0.5,,\n`,
      `${HEADER}\n2025-01-01T00:00:00Z,abc,2,0.5,1.5\n2025-01-01T01:00:00Z,-1,2,0.5,1.5\n2025-01-01T02:00:00Z,0,2,0.5,1.5\n2025-01-01T03:00:00Z,Infinity,2,1,1\n2025-01-01T04:00:00Z,1e400,2,1,1\n`,
      `${HEADER}\n2025-02-30T00:00:00Z,1,2,0.5,1.5\n2025-13-01T00:00:00Z,1,1,1,1\n2025-01-01T24:00:00Z,1,1,1,1\n2025-01-01T00:60:00Z,1,1,1,1\n2025-01-01T00:00:61Z,1,1,1,1\n2025-0a-01T00:00:00Z,1,1,1,1\n`,
      `${HEADER}\n2025-01-01t05:00:00z,1,1,1,1\n2025-01-01 06:00:00,1,1,1,1\n2025-01-01T07:00:00+02:00,1,1,1,1\n2025-01-01,1,1,1,1\n1735689600,1,1,1,1\n1735693200000,1,1,1,1\n0025-01-01T00:00:00Z,1,1,1,1\n`,
      `${HEADER}\n 2025-01-01T00:00:00Z , 1 ,\t2\t, 0.5 , 1.5 \n2025-01-01T00:00:00Z,9,9,9,9\n2024-12-31T23:00:00Z,1,1,1,1\n2025-01-01T00:00:00.250Z,1,1,1,1\n`,
      ` Close , OPEN,low ,High, Timestamp \n1,2,3,4,2025-01-01 00:00:00\n`,
      `timestamp,open,high,low,close\n"2025-01-01",1,1,1,1\n`,
      `${HEADER}\n2025-01-01T00:00:00Z,1,1,1,1\r2025-01-01T01:00:00Z,1,1,1,1\r`,
      `${HEADER}\r\n2025-01-01T00:00:00Z,1,1,1,1\n2025-01-01T01:00:00Z,1,1,1,1\r\n`,
      `${HEADER}\n2025-01-01T00:00:00Z,1,1,1,1\r\n2025-01-01T01:00:00Z,1,1,1,1\n`,
      `${HEADER}\n2025-01-01T00:00:00Z,\u00a01\u00a0,1,1,1\n`,
      `${HEADER}\n2025-01-01T00:00:00Z,1,1,1,1`,
      `${HEADER}`,
      "",
      "\n \n",
      "when,open,high,low,close\n2025-01-01,1,1,1,1\n",
      "timestamp,open,high,low\n2025-01-01,1,1,1\n",
      `${HEADER},\n2025-01-01T00:00:00Z,1,1,1,1,,,\n`,
    ];
    for (const text of quirky) same(text);
  });

  it("matches csv-parse on random rows built from CSV's awkward characters", () => {
    const parts = ["2025-01-01T0", "1:00:00Z", "2025-02-2", "9 12:00:00", "1", "0.5", "1e-5", "-", ",", ",", ",", "\n", "\r\n", " ", "\t", "Z", ".", ":", "\r"];
    let seed = 20;
    const rand = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 400; i++) {
      let body = "";
      for (let j = rand(60); j > 0; j--) body += parts[rand(parts.length)]!;
      same(`${HEADER}\n${body}`);
      same(`${HEADER}\n2025-01-01T00:00:00Z,1,1,1,1\n${body.replaceAll("\r", "")}`);
    }
  });
});
