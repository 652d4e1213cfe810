import { resolve } from "node:path";
import { ConsoleChat } from "../adapters/console/console-chat.js";
import { createLogger } from "../adapters/logging/logger.js";
import { buildApp, CONSOLE_USER, VERSION, type App } from "./app.js";
import { HttpServer } from "./http.js";
import { mountHealth } from "./health.js";
import { fstatSync } from "node:fs";
import { PlatformConnections, type PlatformLink } from "./connect.js";
import { configuredPlatforms, createPlatforms } from "./platforms.js";
import { ConfigError, loadConfig, readEnvironment, secretValues, type Config } from "./config.js";
import { guardStdio } from "./stdio.js";
import { mountWeb } from "./web.js";
import pino from "pino";

function configOrExit(env: Record<string, string | undefined>): Config {
  try {
    return loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`Purser cannot start: invalid settings\n${e.problems.map((p) => `  ${p}`).join("\n")}\n`);
      process.exit(1);
    }
    throw e;
  }
}

/** Which platforms are configured, whether this is a terminal chat, and where the log goes. */
function startupMode(config: Config) {
  const platforms = configuredPlatforms(config);
  // stdin on /dev/null (a container without -i) means a headless server, not a terminal chat.
  const headless = !process.stdin.isTTY && fstatSync(0).isCharacterDevice();
  const consoleMode = platforms.length === 0 && !headless && config.PURSER_ROLE === "all";
  const logFile = config.LOG_FILE ?? (consoleMode ? "./data/purser.log" : undefined);
  return { platforms, consoleMode, logFile };
}

function warnIfReplay(app: App, config: Config): void {
  if (!app.services.market.isReplay) return;
  process.stderr.write(
    config.MARKET_SOURCE === "replay"
      ? "Purser: MARKET_SOURCE=replay - prices are real history played back, labelled as replay.\n"
      : "Purser: WARNING no live price source is reachable - falling back to REPLAY of real 2025 prices (always labelled as replay).\n",
  );
}

/**
 * Platforms connect in the background, retried with back-off: one that cannot be reached keeps
 * /readyz failing under its own name, and never hangs start-up or ends the process.
 */
function platformConnections(links: PlatformLink[], config: Config, log: pino.Logger): PlatformConnections {
  return new PlatformConnections(links, {
    log: log.child({ component: "connect" }),
    attemptTimeoutMs: config.PLATFORM_CONNECT_TIMEOUT_S * 1000,
    // A refused token is not an outage: say so and stop, rather than retry for ever.
    onRejected: (platform, err) => {
      log.error({ platform, err }, `${platform} refused the credentials`);
      log.flush();
      process.stderr.write(`Purser failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  });
}

/** The local admin's terminal chat, used when no platform is configured and stdin is a terminal or a pipe. */
function consoleChat(app: App, config: Config, logFile: string | undefined): ConsoleChat {
  const interactive = Boolean(process.stdin.isTTY);
  return new ConsoleChat({
    input: process.stdin,
    output: process.stdout,
    interactive,
    handle: (msg, respond) => app.router.handle(msg, respond),
    user: CONSOLE_USER,
    imageDir: resolve("./data/images"),
    ...(interactive
      ? {
          banner:
            `Purser ${VERSION} - terminal chat (${config.TRADING_MODE} trading, ${app.db.where}).\n` +
            `No platform token is set, so you are talking to Purser here as its local admin.\n` +
            `Type /help to begin, /quit to leave. Logs: ${logFile}\n`,
        }
      : {}),
  });
}

async function main() {
  const env = readEnvironment();
  guardStdio(env); // from here on, nothing leaves through stdout or stderr with a secret in it
  const config = configOrExit(env);
  const { platforms, consoleMode, logFile } = startupMode(config);
  const log = createLogger({
    level: config.LOG_LEVEL,
    secrets: secretValues(config),
    ...(logFile ? { destination: pino.destination({ dest: resolve(logFile), mkdir: true, sync: true }) } : {}),
  });
  // The last guard: every background loop catches its own failures, so this should never fire; if
  // one slips through (a database outage on some forgotten path), it is logged, not fatal.
  process.on("unhandledRejection", (err) => log.error({ err }, "unhandled rejection: Purser keeps running"));
  const app = await buildApp(config, { log, processMetrics: true });
  // A paper start does not wait for the live price probe (up to 2 s when offline): the first reply
  // comes at once, price reads wait for the choice, and the replay warning follows when it is made.
  await app.start({ probeInBackground: true });
  void app.services.market.sourceChosen().then(() => warnIfReplay(app, config));
  const http = new HttpServer(log);
  const { telegram, discord, twitter, links } = await createPlatforms(app, http);
  const connections = platformConnections(links, config, log);
  let stopping = false;
  if (!consoleMode) {
    mountHealth(http, {
      probes: [...app.readiness, ...connections.probes()],
      shuttingDown: () => stopping,
      log: log.child({ component: "health" }),
    });
    http.route("/metrics", app.metrics.handler());
  }
  // WEB=on: the dashboard and API, also in terminal mode (where the HTTP server serves nothing else).
  await mountWeb(app, http);
  if (http.size) {
    try {
      const port = await http.listen(config.HTTP_PORT);
      log.info({ port }, "http listening");
    } catch (err) {
      // The terminal chat works without its dashboard (port taken by another Purser, say); a server does not.
      if (!consoleMode) throw err;
      log.warn({ err, port: config.HTTP_PORT }, "web dashboard unavailable: the HTTP port could not be opened");
    }
  }
  if (telegram) app.services.notifications.register(telegram.notifier());
  if (discord) app.services.notifications.register(discord.notifier());
  if (twitter) app.services.notifications.register(twitter.notifier());
  connections.start();
  log.info({ version: VERSION, db: app.db.where, mode: config.TRADING_MODE, platforms }, "purser started");

  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down");
    // 1. Stop intake: no new updates (webhooks refused, polling stopped); in-flight requests finish.
    chat?.stop();
    await connections.stop();
    await Promise.all([http.close(), telegram?.stop(), twitter?.stop(), discord?.stop()]);
    // 2. Finish what was accepted, release leases, leave the outbox consistent (rows stay leased or pending).
    await app.close();
    log.info("stopped cleanly");
    log.flush();
    process.exit(0);
  };
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
  process.once("SIGINT", () => void shutdown("SIGINT"));

  let chat: ConsoleChat | undefined;
  if (consoleMode) {
    chat = consoleChat(app, config, logFile);
    app.services.notifications.register(chat.notifier());
    await chat.run();
    await shutdown("eof");
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`Purser failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
