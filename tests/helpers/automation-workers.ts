import { randomBytes } from "node:crypto";
import { NATIVE_MINT } from "@solana/spl-token";
import pg from "pg";
import { FEED, startPythFake, type PythFake } from "../fakes/pyth.js";
import { startSwapWorld, type SwapWorld } from "../fakes/solana/swap-harness.js";
import { freePort } from "./net.js";
import { deadline, until, type SharedDb } from "./outbox-faults.js";
import { startPurserProcess } from "./process.js";
import { limitBuy, seedAutomations, USDC_REF, type Seeded } from "./automation-seed.js";

/*
 * Real Purser worker processes (`bots/main.ts`, headless, paper trading on live prices) on one
 * Postgres database and one Redis (the price stream every process hears), with the fake Pyth
 * (prices, polled by the leader) and the fake Jupiter swap API (the quotes paper trades take) in the
 * test process, so the test can move the price and hold any quote. Used by
 * tests/bots/faults-automations.test.ts.
 */

/** Generous: a loaded 2-core machine takes many seconds to start a Purser process. */
export const EVENT_MS = 120_000;
const PAPER_START_USDC = 1000;

export interface Worker {
  port: number;
  pid: number;
  exited: Promise<number | null>;
  stderr: () => string;
  gone(): boolean;
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export class AutomationWorkers {
  readonly prefix = `test-${randomBytes(4).toString("hex")}:`;
  readonly procs: Worker[] = [];
  /** The last publish time given (seconds): each move is published strictly later, as a live feed's are. */
  private publishedS = 0;
  private constructor(
    readonly w: SharedDb,
    readonly swap: SwapWorld,
    readonly pyth: PythFake,
    readonly redisUrl: string,
  ) {}

  static async open(w: SharedDb, redisUrl: string): Promise<AutomationWorkers> {
    const [swap, pyth] = await Promise.all([startSwapWorld(), startPythFake()]);
    const k = new AutomationWorkers(w, swap, pyth, redisUrl);
    k.setSol(150);
    return k;
  }

  /**
   * SOL's price everywhere: Pyth (the stream) and Jupiter (the quotes), published now. Pyth's
   * publish_time counts whole seconds and a book takes only a tick newer than the last it took, so a
   * move is given a publish time after the previous one's (a worker now starts in under a second: a
   * move within the second of the last would be a tick no newer, and ignored).
   */
  setSol(usd: number) {
    const publishTime = (this.publishedS = Math.max(Math.floor(Date.now() / 1000), this.publishedS + 1));
    this.pyth.setFeed(FEED.SOL, { price: String(Math.round(usd * 1e8)), publishTime });
    this.pyth.setFeed(FEED.USDC, { price: "100000000", publishTime });
    this.swap.jup.setPrice(NATIVE_MINT, usd);
  }

  env(): Record<string, string> {
    return {
      DATABASE_URL: this.w.url,
      REDIS_URL: this.redisUrl,
      REDIS_PREFIX: this.prefix,
      TRADING_MODE: "paper",
      PAPER_START_USDC: String(PAPER_START_USDC),
      MARKET_SOURCE: "live",
      PRICE_SOURCES: "pyth",
      PYTH_HERMES_URL: this.pyth.url,
      JUPITER_API_ROOT: this.swap.jup.url,
      SOLANA_RPC_URL: this.swap.sol.url,
      PRICE_POLL_MS: "500",
      PRICE_MAX_AGE_S: "3600",
      PRICE_CACHE_TTL_MS: "0",
      AUTOMATION_SYNC_S: "1",
      AUTOMATION_LEASE_S: "5",
      AUTOMATION_RETRY_S: "1",
      TRADE_TAKEOVER_S: "5",
      MAX_AUTOMATIONS_PER_USER: "1000",
      LEASE_TTL_S: "3",
      LOG_LEVEL: "warn",
    };
  }

  /** Starts a worker and resolves once /readyz answers 200 (start-up, including the engine's load, is done). */
  async start(): Promise<Worker> {
    const port = await freePort();
    const p = startPurserProcess(this.w.dir, port, this.env());
    const gone = () => p.child.exitCode !== null || p.child.signalCode !== null;
    const worker: Worker = {
      port,
      pid: p.child.pid!,
      exited: p.exited,
      stderr: p.stderr,
      gone,
      kill: async () => {
        if (!gone()) p.child.kill("SIGKILL");
        await p.exited;
      },
      stop: async () => {
        if (!gone()) p.child.kill("SIGTERM");
        await p.exited;
      },
    };
    this.procs.push(worker);
    await until(
      async () => {
        if (gone()) throw new Error(`purser exited early:\n${p.stderr()}`);
        try {
          return (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200 ? true : undefined;
        } catch {
          return undefined; // not listening yet
        }
      },
      EVENT_MS,
      `purser on ${port} ready\n${p.stderr()}`,
    );
    return worker;
  }

  /** `users` users with `perUser` limit buys of SOL (10 USDC at or below `level`), paper books opened. */
  async seed(users: number, perUser: number, level: number, firstChat: number): Promise<Seeded> {
    const s = await seedAutomations(this.w.repos, { users, perUser, firstChat, now: Date.now(), rule: () => limitBuy(level, 10, 150) });
    const units = BigInt(PAPER_START_USDC * 1e6);
    for (const u of s.users) await this.w.repos.books.ensure(u.userId, "paper", Date.now(), { mint: USDC_REF.mint, amount: units, costMicro: units });
    return s;
  }

  /** Resolves when `fired` does, or fails (with the workers' stderr) after EVENT_MS. */
  async trigger(fired: Promise<void>, what: string): Promise<void> {
    await Promise.race([fired, deadline(EVENT_MS, () => `${what}\n${this.procs.map((p) => p.stderr()).join("\n---\n")}`)]);
  }

  async close(): Promise<void> {
    await Promise.all(this.procs.map((p) => p.stop()));
    await Promise.all([this.swap.close(), this.pyth.close()]);
  }
}

/** A connection of the test's own that holds row locks (a gate inside the database). */
export class LockHolder {
  private constructor(private readonly c: pg.Client) {}
  static async open(url: string): Promise<LockHolder> {
    const c = new pg.Client({ connectionString: url });
    // A test that fails while holding leaves it open until the database is dropped: no uncaught error then.
    c.on("error", () => {});
    await c.connect();
    return new LockHolder(c);
  }
  /** BEGIN, then `sql` (a SELECT ... FOR UPDATE): the rows stay locked until release(). */
  async hold(sql: string, params: unknown[]): Promise<number> {
    await this.c.query("BEGIN");
    return (await this.c.query(sql, params)).rowCount ?? 0;
  }
  async release(): Promise<void> {
    await this.c.query("ROLLBACK");
  }
  async close(): Promise<void> {
    await this.c.end();
  }
}

/** Backends of this database waiting for a lock, with the statement each is running. */
export async function lockWaiters(w: SharedDb): Promise<string[]> {
  const c = new pg.Client({ connectionString: w.url });
  c.on("error", () => {});
  await c.connect();
  try {
    const r = await c.query<{ query: string }>(
      "SELECT query FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()",
    );
    return r.rows.map((x) => x.query);
  } finally {
    await c.end();
  }
}
