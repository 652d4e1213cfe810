import { getGc, measure, row, settledMemory, type BenchRow } from "./harness.js";
import type { Alert } from "../../core/domain/alert.js";
import { silentLogger } from "../../core/ports/logger.port.js";
import type { AlertStore } from "../../core/ports/alerts.port.js";
import { AlertEngine } from "../../core/services/alert-engine.service.js";
import { levelAlert } from "../helpers/alerts.js";
import { rng } from "../helpers/rng.js";

/**
 * The whole alert engine at 1,000,000 alerts (not only its index): every alert record the engine
 * keeps (to build the message when it fires), its handle maps and the typed-array index. Memory is
 * heapUsed + arrayBuffers after forced GCs, with the alerts created before the first reading, so
 * it is what the engine retains. Then a quiet tick through engine.onTicks (validation + index).
 */

const TOKENS = 50;
const PER_TOKEN = 20_000;



export async function alertEngineBench(): Promise<BenchRow[]> {
  const gc = getGc();
  const rand = rng(77);
  const n = TOKENS * PER_TOKEN;
  const mints = Array.from({ length: TOKENS }, (_, k) => `Mint${k}${"x".repeat(36)}`.slice(0, 44));
  const prices = mints.map(() => 10 ** (-5 + rand() * 7.3));
  const mem = () => { const m = settledMemory(gc); return m.heap + m.buffers; };
  const base = mem();
  let alerts: Alert[] | undefined = Array.from({ length: n }, (_, i): Alert => {
    const k = i % TOKENS;
    const below = (i / TOKENS) % 2 >= 1;
    return levelAlert({
      id: i.toString(36).padStart(6, "0"),
      userId: `00000000-0000-4000-8000-${String(i % 100_000).padStart(12, "0")}`,
      kind: below ? "below" : "above",
      mint: mints[k]!,
      symbol: `TOKEN${k}`,
      level: prices[k]! * (below ? 0.99 - 0.49 * rand() : 1.01 + 0.49 * rand()),
      refValue: prices[k]!,
      notify: { platform: "telegram", chatId: String(100_000 + (i % 100_000)) },
      at: 0,
    });
  });
  const store = {
    byState: async () => {
      const out = alerts!;
      alerts = undefined; // from here on only the engine holds them
      return out;
    },
    lastChange: async () => 0,
    changedAfter: async (seq: number) => ({ alerts: [], seq }),
  } as unknown as AlertStore;
  const now = 1_000_000;
  const engine = new AlertEngine({
    store,
    bus: { subscribe: () => () => {}, publish: async () => {} },
    clock: { now: () => now },
    log: silentLogger,
    marketNow: () => now,
    maxTickAgeMs: 60_000,
    maxPerUser: 10,
    syncMs: 3_600_000,
    valueCheckMs: 3_600_000,
  });
  await engine.start();
  const heldMB = (mem() - base) / 2 ** 20;
  if (engine.size !== n) throw new Error(`engine holds ${engine.size}, expected ${n}`);
  const ticks = Array.from({ length: 20_000 }, (_, i) => ({ mint: mints[i % TOKENS]!, symbol: "T", usd: prices[i % TOKENS]! * (0.995 + 0.01 * rand()), source: "bench", at: now }));
  const quiet = await measure(20_000, (i) => engine.onTicks([ticks[(i < 0 ? -1 - i : i) % ticks.length]!]));
  await engine.stop();
  if (engine.size !== n) throw new Error("a quiet tick fired alerts");
  return [
    row(
      `alerts: AlertEngine holding ${n.toLocaleString("en-US")} alerts (records + maps + index)`,
      quiet,
      `retained ${heldMB.toFixed(1)} MB for the whole engine; quiet tick through onTicks median ${(quiet.p50Ms * 1000).toFixed(2)} µs`,
      { id: "alerts.engine.quiet", target: (r) => ({ text: "< 500 MB, quiet tick < 50 µs median", pass: heldMB < 500 && (r.p50Ms ?? Infinity) * 1000 < 50 }) },
    ),
  ];
}
