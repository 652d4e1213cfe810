import { performance } from "node:perf_hooks";
import { WebSocket } from "ws";
import { MemoryPriceBus } from "../../adapters/memory/memory-bus.js";
import { StreamServer } from "../../adapters/web/stream.js";
import { HttpServer } from "../../bots/http.js";
import { STREAM_PATH } from "../../bots/web-stream.js";
import { silentLogger } from "../../core/ports/logger.port.js";
import { getGc, percentile, type BenchRow } from "./harness.js";

const P99_TARGET_MS = 250;
const RSS_GROWTH_MAX = 1.1;
const MB = 2 ** 20;

export interface WebStreamBenchOptions {
  clients?: number;
  /** Ticks measured after the warm-up ticks. */
  ticks?: number;
  /** Ticks before the first memory reading (connections, buffers and JIT settled). */
  warmTicks?: number;
  /** One tick every this often (open loop: the next does not wait for the last to arrive). */
  everyMs?: number;
}

/**
 * 1,000 WebSocket clients (the real `ws` client, each its own TCP connection over loopback, signed in with
 * a Bearer token) subscribed to SOL on one process, server and clients alike; a tick is published on the
 * market's in-process bus every `everyMs`. Each client parses every frame and records the time from
 * publish to receipt. RSS is read (after full collections) once the warm-up ticks have arrived and
 * again after all ticks: it must stay flat.
 */
export async function webStreamBench(o: WebStreamBenchOptions = {}): Promise<BenchRow[]> {
  const clients = o.clients ?? 1000;
  const ticks = o.ticks ?? 150;
  const warm = o.warmTicks ?? 30;
  const everyMs = o.everyMs ?? 200;
  const total = warm + ticks;
  const gc = getGc();

  const bus = new MemoryPriceBus();
  const stream = new StreamServer({
    auth: { session: async () => undefined, token: async (t) => (t.startsWith("pst_bench_") ? { userId: t.slice(10), scope: "read" } : undefined) },
    prices: bus,
    events: { listen: () => () => undefined },
    log: silentLogger,
    origin: "http://127.0.0.1",
  });
  const http = new HttpServer(silentLogger);
  http.upgrade(STREAM_PATH, stream.upgrade, () => stream.stop());
  const url = `ws://127.0.0.1:${await http.listen(0, "127.0.0.1")}${STREAM_PATH}`;

  const sentAt = new Float64Array(total);
  /** Time the server takes to write one tick to every subscriber (the synchronous fan-out). */
  const fanOut = new Float64Array(ticks);
  const lat = new Float64Array(clients * ticks);
  let measured = 0;
  let received = 0;
  let onReceived: (() => void) | undefined;
  let waitFor = Infinity;
  const sockets: WebSocket[] = [];

  const connect = (i: number) =>
    new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(url, { headers: { authorization: `Bearer pst_bench_u${i}` }, perMessageDeflate: false });
      sockets.push(ws);
      ws.on("message", (data) => {
        const m = JSON.parse(data.toString()) as { type: string; at?: number };
        if (m.type === "ready") ws.send(JSON.stringify({ type: "subscribe", prices: ["SOL"] }));
        else if (m.type === "subscribed") resolve();
        else if (m.type === "price") {
          const seq = m.at!;
          if (seq >= warm) lat[measured++] = performance.now() - sentAt[seq]!;
          if (++received >= waitFor) onReceived?.();
        }
      });
      ws.once("error", reject);
    });
  // In batches: a thousand handshakes at once would overflow the listen backlog on a small machine.
  for (let i = 0; i < clients; i += 100) await Promise.all(Array.from({ length: Math.min(100, clients - i) }, (_, k) => connect(i + k)));

  const arrived = (count: number) =>
    new Promise<void>((resolve, reject) => {
      if (received >= count) return resolve();
      const timer = setTimeout(() => reject(new Error(`web stream bench: ${received}/${count} ticks arrived`)), 120_000);
      waitFor = count;
      onReceived = () => {
        clearTimeout(timer);
        waitFor = Infinity;
        resolve();
      };
    });
  const publish = async (from: number, to: number) => {
    let next = performance.now();
    for (let seq = from; seq < to; seq++) {
      const wait = next - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      next += everyMs;
      sentAt[seq] = performance.now();
      const fan = bus.publish([{ symbol: "SOL", mint: "So11111111111111111111111111111111111111112", usd: 150 + (seq % 100) / 100, source: "jupiter", at: seq }]);
      if (seq >= warm) fanOut[seq - warm] = performance.now() - sentAt[seq]!;
      await fan;
    }
  };

  await publish(0, warm);
  await arrived(clients * warm);
  const rss = () => {
    for (let i = 0; i < 3; i++) gc();
    return process.memoryUsage().rss;
  };
  const rssWarm = rss();
  const t0 = performance.now();
  await publish(warm, total);
  await arrived(clients * total);
  const ms = performance.now() - t0;
  const rssEnd = rss();
  const dropped = stream.dropped;

  for (const ws of sockets) ws.terminate();
  await http.close();

  const sorted = lat.subarray(0, measured).sort();
  const p50 = percentile(sorted, 50);
  const p99 = percentile(sorted, 99);
  const growth = rssEnd / rssWarm;
  const fan = fanOut.sort();
  return [
    {
      id: `web.stream.${clients}.p99`,
      name: `web stream: ${clients.toLocaleString("en-US")} ws clients, publish -> receipt of each tick`,
      // Open loop: frames/s is the offered rate, not a figure of merit (left out so a re-run keeps the lower p50).
      opsPerSec: null,
      p50Ms: p50,
      p99Ms: p99,
      note: `${ticks} ticks every ${everyMs} ms to ${clients} subscribers (${measured.toLocaleString("en-US")} frames, ${Math.round((measured / ms) * 1000).toLocaleString("en-US")} received/s), one process; max ${sorted[sorted.length - 1]!.toFixed(1)} ms; server fan-out of a tick p50 ${percentile(fan, 50).toFixed(1)} ms, p99 ${percentile(fan, 99).toFixed(1)} ms (the rest is the clients reading in the same process); ${dropped} dropped as slow`,
      target: { text: `p99 <= ${P99_TARGET_MS} ms, none dropped`, pass: p99 <= P99_TARGET_MS && dropped === 0 && measured === clients * ticks },
    },
    {
      id: `web.stream.${clients}.rss`,
      name: `web stream: ${clients.toLocaleString("en-US")} ws clients, RSS after ${total} ticks vs after ${warm}`,
      opsPerSec: null,
      p50Ms: null,
      p99Ms: null,
      note: `${(rssWarm / MB).toFixed(0)} -> ${(rssEnd / MB).toFixed(0)} MB (${((growth - 1) * 100).toFixed(1)}%), server and clients in one process`,
      target: { text: `after <= ${RSS_GROWTH_MAX}x the first ticks`, pass: growth <= RSS_GROWTH_MAX },
    },
  ];
}
