import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import SQLite from "better-sqlite3";
import { renderConsole } from "../../adapters/console/render.js";
import { buildApp } from "../../bots/app.js";
import { loadConfig } from "../../bots/config.js";
import { IDENTITY_CACHE_MAX } from "../../core/services/identity.service.js";
import { silentLogger } from "../../core/ports/logger.port.js";
import type { InboundMessage } from "../../core/router/message.js";
import { startJupiterFake } from "../fakes/jupiter-api.js";
import { OFFLINE_ENV } from "../helpers/app.js";
import { measure, row, type BenchRow } from "./harness.js";

/**
 * Router end to end on the SQLite file database: parse, dedupe write, user lookup, run, render.
 * /whoami, and /price SOL served from the price cache (Jupiter fake on loopback for the first
 * fetch), beside raw better-sqlite3 inserts into the same dedupe table - all in one run.
 */
export async function routerBench(n = 20_000): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), "purser-bench-"));
  const jup = await startJupiterFake();
  const url = `sqlite:${join(dir, "bench.db")}`;
  const config = loadConfig({
    ...OFFLINE_ENV,
    DATABASE_URL: url,
    USER_RATE_LIMIT_PER_MIN: "100000",
    JUPITER_API_ROOT: jup.url,
    MARKET_SOURCE: "live",
    PRICE_CACHE_TTL_MS: "600000",
    PRICE_MAX_AGE_S: "3600",
  });
  const app = await buildApp(config, { log: silentLogger });
  const users = 200;
  let seq = 0;
  const msg = (user: number, text: string): InboundMessage => {
    const u = String(user);
    return {
      platform: "telegram",
      updateId: `bench-${++seq}`,
      chat: { id: u, kind: "private" },
      sender: { id: u, name: `user${u}` },
      text,
      botUsername: "PurserBot",
    };
  };
  let rendered = 0;
  const through = (text: string, user: (i: number) => number = (i) => Math.abs(i) % users) => async (i: number) => {
    await app.router.handle(msg(user(i), text), async (r) => {
      rendered += renderConsole(r, false).text.length;
      if (r.kind === "error") throw new Error(`bench got an error reply: ${renderConsole(r, false).text}`);
    });
  };
  const whoami = await measure(n, through("/whoami"));
  const price = await measure(n, through("/price SOL"));
  const priceFetches = jup.requests.length;
  // 100,000 distinct users: each one's first message (creates the user), then 100,000 messages from
  // users drawn uniformly at random among them (a seeded generator: the same draw every run).
  const many = 100_000;
  const firstContact = await measure(many, through("/whoami", (i) => (i < 0 ? 2_000_000 - i : 1_000_000 + i)));
  let seed = 20;
  const draw = () => {
    seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
    return 1_000_000 + (seed % many);
  };
  const returning = await measure(many, through("/whoami", () => draw()));
  await app.close();
  await jup.close();
  if (!rendered) throw new Error("router bench rendered nothing");

  const raw = new SQLite(join(dir, "bench.db"));
  raw.pragma("journal_mode = WAL");
  raw.pragma("synchronous = NORMAL");
  const ins = raw.prepare("insert into processed_updates (platform, update_id, state, claimed_at, done_at) values (?, ?, 'done', ?, ?)");
  const now = Date.now();
  const base = await measure(n, (i) => ins.run("raw", `raw-${i}`, now, now));
  raw.close();
  rmSync(dir, { recursive: true, force: true });
  return [
    row("router /whoami end to end (SQLite file)", whoami, "", {
      id: "router.whoami.sqlite",
      target: (r) => ({ text: ">= 5,000 msg/s, p99 < 5 ms", pass: (r.opsPerSec ?? 0) >= 5000 && (r.p99Ms ?? Infinity) < 5 }),
    }),
    row("router /whoami, 100k distinct users: first message each", firstContact, `user created: ${(base.opsPerSec / firstContact.opsPerSec).toFixed(1)} raw inserts a message`, {
      id: "router.whoami.sqlite.100k.first",
    }),
    row("router /whoami, 100k distinct users: random returning", returning, `identity LRU ${IDENTITY_CACHE_MAX.toLocaleString("en-US")} entries; ${(base.opsPerSec / returning.opsPerSec).toFixed(1)} raw inserts a message`, {
      id: "router.whoami.sqlite.100k",
      target: (_r, rows) => {
        const b = rows("baseline.sqlite.insert");
        const share = b?.opsPerSec ? (returning.opsPerSec / b.opsPerSec) * 100 : 0;
        return { text: ">= 60% of raw inserts, p99 < 1 ms", pass: share >= 60 && returning.p99Ms < 1 };
      },
    }),
    row("router /price SOL, cached, end to end", price, `${(price.opsPerSec / whoami.opsPerSec).toFixed(2)}x /whoami; ${priceFetches} upstream fetch(es) for ${n + 500} msgs`, {
      id: "router.price.sqlite",
    }),
    row("  baseline: raw better-sqlite3 insert, same table", base, `router /whoami costs ${(base.opsPerSec / whoami.opsPerSec).toFixed(1)} raw inserts`, {
      id: "baseline.sqlite.insert",
    }),
  ];
}
