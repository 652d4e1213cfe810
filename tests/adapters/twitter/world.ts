import { createDatabase, migrate, type Db } from "../../../db/index.js";
import { createTwitter, type Twitter, type TwitterOptions } from "../../../bots/twitter.js";
import { startJupiterFake, type JupiterFake } from "../../fakes/jupiter-api.js";
import { startXFake, type XFake } from "../../fakes/x-api.js";
import { makeTestApp, type TestApp } from "../../helpers/app.js";

/** Servers, apps and pollers of one test; `cleanup()` stops them all (last started, first stopped). */
export class XWorld {
  x!: XFake;
  jup!: JupiterFake;
  private readonly cleanups: Array<() => Promise<unknown>> = [];

  static async create(fake: Parameters<typeof startXFake>[0] = {}): Promise<XWorld> {
    const w = new XWorld();
    w.x = await startXFake(fake);
    w.jup = await startJupiterFake();
    w.cleanups.push(() => w.x.close(), () => w.jup.close());
    return w;
  }

  async db(): Promise<Db> {
    const d = createDatabase("sqlite::memory:");
    await migrate(d.db);
    this.cleanups.push(() => d.close());
    return d;
  }

  /** An app wired to the fakes (on `db` when given) and its X adapter, polling every 100 ms. */
  async boot(o: { db?: Db; token?: string; env?: Record<string, string>; twitter?: TwitterOptions; start?: boolean } = {}) {
    const app: TestApp = await makeTestApp({
      env: {
        TWITTER_API_ROOT: this.x.url,
        TWITTER_APP_KEY: "app-key",
        TWITTER_APP_SECRET: "app-secret",
        TWITTER_ACCESS_TOKEN: o.token ?? "bot-access-token",
        TWITTER_ACCESS_SECRET: "bot-access-secret",
        JUPITER_API_ROOT: this.jup.url,
        ...o.env,
      },
      ...(o.db ? { db: o.db } : {}),
    });
    const tw: Twitter = createTwitter(app, { pollS: 0.1, pageSize: 5, ...o.twitter });
    let stopped = false;
    const stop = async () => {
      if (stopped) return;
      stopped = true;
      await tw.stop();
      await app.close();
    };
    this.cleanups.push(stop);
    if (o.start !== false) await tw.start();
    return { app, tw, stop };
  }

  async cleanup(): Promise<void> {
    for (const c of this.cleanups.splice(0).reverse()) await c();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Resolves when `cond` holds (polled every 20 ms), or fails after `timeoutMs`: a bound for a wait
 * that should end on an event, generous enough for a loaded machine (the test's timeout is larger).
 */
export async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 30_000, what = "condition"): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * Resolves once the poller has completed two more poll cycles than now: the cycle under way (if
 * any) has finished with every mention it fetched, and a whole later one has run. Mentions are
 * handled one after another inside a cycle, so whatever they were going to post has been posted:
 * the event to wait for before asserting that something did NOT happen (instead of a pause).
 */
export async function twoMoreCycles(tw: Twitter): Promise<void> {
  const from = tw.adapter.poller.cycles;
  await until(() => tw.adapter.poller.cycles >= from + 2, 30_000, "two more poll cycles");
}
