import { performance } from "node:perf_hooks";
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
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
 * a Bearer token) subscribed to SOL on one server process; the clients run in a second process
 * (web-stream-clients.mjs), as browsers would, so the server's process is measured alone. A tick is
 * published on the market's in-process bus every `everyMs`. Each client parses every frame and records
 * the time from publish to receipt. The server's RSS is read (after full collections) once the warm-up
 * ticks have arrived and again after all ticks: it must stay flat.
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

  /** Time the server takes to write one tick to every subscriber (the synchronous fan-out). */
  const fanOut = new Float64Array(ticks);
  const child = fork(fileURLToPath(new URL("./web-stream-clients.mjs", import.meta.url)), [url, String(clients), String(warm), String(ticks)], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    execArgv: [],
  });
  type FromClients = { type: "ready" } | { type: "warm" } | { type: "done"; p50: number; p99: number; max: number; measured: number };
  const next = <K extends FromClients["type"]>(type: K) =>
    new Promise<Extract<FromClients, { type: K }>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`web stream bench: the clients did not say "${type}" in time`)), 180_000);
      const onExit = (code: number | null) => reject(new Error(`web stream bench: the clients' process exited (${code}) before "${type}"`));
      child.once("exit", onExit);
      const onMessage = (m: FromClients) => {
        if (m.type !== type) return;
        clearTimeout(timer);
        child.off("message", onMessage);
        child.off("exit", onExit);
        resolve(m as Extract<FromClients, { type: K }>);
      };
      child.on("message", onMessage);
    });
  const ready = next("ready");
  await ready;

  const publish = async (from: number, to: number) => {
    let due = performance.now();
    for (let seq = from; seq < to; seq++) {
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      due += everyMs;
      const t = performance.now();
      // `at` is the publish time on the wall-clock scale both processes share (ms, sub-ms precision).
      const fan = bus.publish([{ symbol: "SOL", mint: "So11111111111111111111111111111111111111112", usd: 150 + (seq % 100) / 100, source: "jupiter", at: performance.timeOrigin + t }]);
      if (seq >= warm) fanOut[seq - warm] = performance.now() - t;
      await fan;
    }
  };

  const warmed = next("warm");
  await publish(0, warm);
  await warmed;
  const rss = () => {
    for (let i = 0; i < 3; i++) gc();
    return process.memoryUsage().rss;
  };
  const rssWarm = rss();
  const t0 = performance.now();
  const done = next("done");
  await publish(warm, total);
  const { p50, p99, max, measured } = await done;
  const ms = performance.now() - t0;
  const rssEnd = rss();
  const dropped = stream.dropped;

  child.disconnect();
  await http.close();

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
      note: `${ticks} ticks every ${everyMs} ms to ${clients} subscribers (${measured.toLocaleString("en-US")} frames, ${Math.round((measured / ms) * 1000).toLocaleString("en-US")} received/s), one process; max ${max.toFixed(1)} ms; server fan-out of a tick p50 ${percentile(fan, 50).toFixed(1)} ms, p99 ${percentile(fan, 99).toFixed(1)} ms (clients in a second process); ${dropped} dropped as slow`,
      target: { text: `p99 <= ${P99_TARGET_MS} ms, none dropped`, pass: p99 <= P99_TARGET_MS && dropped === 0 && measured === clients * ticks },
    },
    {
      id: `web.stream.${clients}.rss`,
      name: `web stream: ${clients.toLocaleString("en-US")} ws clients, RSS after ${total} ticks vs after ${warm}`,
      opsPerSec: null,
      p50Ms: null,
      p99Ms: null,
      note: `${(rssWarm / MB).toFixed(0)} -> ${(rssEnd / MB).toFixed(0)} MB (${((growth - 1) * 100).toFixed(1)}%), the server's process (clients in another)`,
      target: { text: `after <= ${RSS_GROWTH_MAX}x the first ticks`, pass: growth <= RSS_GROWTH_MAX },
    },
  ];
}
