// The web stream bench's clients, in a process of their own (the server's process is measured alone):
// `node web-stream-clients.mjs <url> <clients> <warmTicks> <ticks>`. Connects the clients (real `ws`,
// one TCP connection each, Bearer tokens pst_bench_u<i>), subscribes each to SOL, then tells the parent
// over IPC: {ready}, {warm} once every client got the warm-up ticks, and {done, p50, p99, max, measured}
// after the rest. A tick's `at` is the server side's publish time (performance.timeOrigin + now(), ms),
// comparable across the two processes of one machine.
import { performance } from "node:perf_hooks";
import { WebSocket } from "ws";

const [url, clientsArg, warmArg, ticksArg] = process.argv.slice(2);
const clients = Number(clientsArg);
const warm = Number(warmArg);
const total = warm + Number(ticksArg);
const lat = new Float64Array(clients * (total - warm));
let measured = 0;
let received = 0;
const sockets = [];
const now = () => performance.timeOrigin + performance.now();

const connect = (i) =>
  new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: { authorization: `Bearer pst_bench_u${i}` }, perMessageDeflate: false });
    sockets.push(ws);
    ws.on("message", (data) => {
      const m = JSON.parse(data.toString());
      if (m.type === "ready") ws.send(JSON.stringify({ type: "subscribe", prices: ["SOL"] }));
      else if (m.type === "subscribed") resolve();
      else if (m.type === "price") {
        const t = now();
        received++;
        if (received > clients * warm) lat[measured++] = t - m.at;
        if (received === clients * warm) process.send({ type: "warm" });
        if (received === clients * total) finish();
      }
    });
    ws.once("error", reject);
  });

function finish() {
  const sorted = lat.subarray(0, measured).sort();
  const at = (p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
  process.send({ type: "done", p50: at(50), p99: at(99), max: sorted[sorted.length - 1], measured });
  for (const ws of sockets) ws.terminate();
}

// In batches: a thousand handshakes at once would overflow the listen backlog on a small machine.
for (let i = 0; i < clients; i += 100) await Promise.all(Array.from({ length: Math.min(100, clients - i) }, (_, k) => connect(i + k)));
process.send({ type: "ready" });
process.on("disconnect", () => process.exit(0));
