import { mkdtempSync, rmSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildApp } from "../../../bots/app.js";
import { loadConfig } from "../../../bots/config.js";
import { OFFLINE_ENV } from "../../helpers/app.js";
import { fileLogger, sender } from "../router.bench.js";

/**
 * Where the router's hot path allocates: the sampling heap profiler over MSGS /whoami from USERS
 * returning users (as `router.whoami.sqlite.100k`), counting objects the young and old collections
 * freed too. Prints the bytes a message each allocating function (self) is responsible for.
 *   npx tsx tests/bench/profiles/alloc-router.ts [USERS=100000] [MSGS=50000]
 */
const users = Number(process.argv[2] ?? 100_000);
const msgs = Number(process.argv[3] ?? 50_000);
const dir = mkdtempSync(join(tmpdir(), "purser-alloc-"));
const config = loadConfig({ ...OFFLINE_ENV, DATABASE_URL: `sqlite:${join(dir, "p.db")}`, USER_RATE_LIMIT_PER_MIN: "100000" });
const logged = await fileLogger(dir, "purser.log");
const app = await buildApp(config, { log: logged.log });
const send = sender(app, { rendered: 0 })("/whoami", (i) => 1_000_000 + i);
for (let i = 0; i < users; i++) await send(i);
let seed = 20;
const draw = () => {
  seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
  return 1_000_000 + (seed % users);
};
const returning = sender(app, { rendered: 0 })("/whoami", () => draw());
for (let i = 0; i < 2000; i++) await returning(i); // warm
const session = new Session();
session.connect();
await session.post("HeapProfiler.enable");
await session.post("HeapProfiler.startSampling", { samplingInterval: 256, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
for (let i = 0; i < msgs; i++) {
  await new Promise<void>((r) => setImmediate(r));
  await returning(i);
}
const { profile } = await session.post("HeapProfiler.stopSampling");
await app.close();
await logged.close();
rmSync(dir, { recursive: true, force: true });
type Node = { callFrame: { functionName: string; url: string; lineNumber: number }; selfSize: number; children: Node[] };
const bySite = new Map<string, number>();
let total = 0;
const walk = (n: Node, parent: string) => {
  const f = n.callFrame;
  const file = f.url.split("/").slice(f.url.includes("node_modules") ? -2 : -1).join("/");
  const name = `${f.functionName || "(anonymous)"} ${file}:${f.lineNumber + 1}:${(f as { columnNumber?: number }).columnNumber ?? ""}`;
  if (n.selfSize) {
    const key = `${name}  <- ${parent}`;
    bySite.set(key, (bySite.get(key) ?? 0) + n.selfSize);
    total += n.selfSize;
  }
  for (const c of n.children) walk(c, name);
};
walk(profile.head as unknown as Node, "");
process.stdout.write(`${(total / msgs).toFixed(0)} bytes allocated a message (sampled)\n`);
for (const [k, b] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TOP ?? 30))) process.stdout.write(`${(b / msgs).toFixed(0).padStart(6)}  ${k}\n`);
