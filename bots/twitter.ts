import { TwitterAdapter } from "../adapters/twitter/twitter-adapter.js";
import type { Notifier } from "../core/ports/notifier.port.js";
import type { App } from "./app.js";

export interface TwitterOptions {
  /** TWITTER_POLL_S: seconds between mention polls (default 60). */
  pollS?: number;
  /** TWITTER_MAX_REPLIES_PER_AUTHOR_HOUR: public replies per author per hour (default 5). */
  maxRepliesPerAuthorHour?: number;
  /** TWITTER_DM_ALERTS: pushes (alerts, fills) as X DMs to linked users (default false). */
  dmAlerts?: boolean;
  /** Gap between two X DMs across all processes (default 4,500 ms: X's ~200 per 15 minutes). */
  dmGapMs?: number;
  /** Upload chart images (default true); false posts the chart caption only. */
  media?: boolean;
  /** Tests: smaller pages, a short lease, a fixed lease owner. */
  pageSize?: number;
  leaseTtlMs?: number;
  owner?: string;
  firstRunLookbackMs?: number;
}

export interface Twitter {
  start(): Promise<void>;
  stop(): Promise<void>;
  notifier(): Notifier;
  readonly adapter: TwitterAdapter;
}

export function createTwitter(app: App, opts: TwitterOptions = {}): Twitter {
  const c = app.config;
  if (!c.TWITTER_APP_KEY || !c.TWITTER_APP_SECRET || !c.TWITTER_ACCESS_TOKEN || !c.TWITTER_ACCESS_SECRET) {
    throw new Error("X needs TWITTER_APP_KEY, TWITTER_APP_SECRET, TWITTER_ACCESS_TOKEN and TWITTER_ACCESS_SECRET");
  }
  const adapter = new TwitterAdapter({
    apiRoot: c.TWITTER_API_ROOT,
    credentials: {
      appKey: c.TWITTER_APP_KEY,
      appSecret: c.TWITTER_APP_SECRET,
      accessToken: c.TWITTER_ACCESS_TOKEN,
      accessSecret: c.TWITTER_ACCESS_SECRET,
    },
    handle: (msg, respond) => app.router.handle(msg, respond),
    kv: app.repos.kv,
    leases: app.leases,
    updates: app.repos.updates,
    log: app.log,
    now: () => app.clock.now(),
    pollMs: Math.round((opts.pollS ?? 60) * 1000),
    maxRepliesPerAuthorHour: opts.maxRepliesPerAuthorHour ?? 5,
    commands: app.router.commands().flatMap((c) => [c.name, ...(c.aliases ?? [])]),
    dmAlerts: opts.dmAlerts ?? false,
    spacer: app.spacer,
    ...(opts.dmGapMs !== undefined ? { dmGapMs: opts.dmGapMs } : {}),
    ...(opts.media !== undefined ? { media: opts.media } : {}),
    ...(opts.pageSize ? { pageSize: opts.pageSize } : {}),
    ...(opts.leaseTtlMs ? { leaseTtlMs: opts.leaseTtlMs } : {}),
    owner: opts.owner ?? `${app.instance}/x`,
    ...(opts.firstRunLookbackMs !== undefined ? { firstRunLookbackMs: opts.firstRunLookbackMs } : {}),
  });
  return {
    adapter,
    start: () => adapter.start(),
    stop: () => adapter.stop(),
    notifier: () => adapter.notifier(),
  };
}
