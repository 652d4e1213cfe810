import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildApp } from "../../../bots/app.js";
import { loadConfig } from "../../../bots/config.js";
import { OFFLINE_ENV } from "../../helpers/app.js";
import { measureAlternating, measureTurns } from "../harness.js";
import { fileLogger, msg, returningUser, sender, withoutDatabase } from "../router.bench.js";
import { renderConsole } from "../../../adapters/console/render.js";

/**
 * The router's JavaScript a message, without a database: claims and done marks answered in memory,
 * USERS returning users drawn at random (after each one's first contact), each message in its own turn.
 * Variants side by side in alternating blocks: full (as the bench), norender (the reply not rendered),
 * nometrics (neither rendered nor observed by the metrics), renderonly (one /whoami reply rendered),
 * empty (the turn alone). ONLY_FULL=1: just `full`, BLOCK x ROUNDS messages (to run under --cpu-prof).
 *   npx tsx tests/bench/profiles/js-router.ts [USERS=100000] [BLOCK=20000] [ROUNDS=6]
 */
const users = Number(process.argv[2] ?? 100_000);
const block = Number(process.argv[3] ?? 20_000);
const rounds = Number(process.argv[4] ?? 6);
const dir = mkdtempSync(join(tmpdir(), "purser-js-"));
const config = loadConfig({ ...OFFLINE_ENV, DATABASE_URL: `sqlite:${join(dir, "p.db")}`, USER_RATE_LIMIT_PER_MIN: "100000" });
const logged = await fileLogger(dir, "purser.log");
const app = await buildApp(config, { log: logged.log });
await measureTurns(users, sender(app, { rendered: 0 })("/whoami", (i) => (i < 0 ? 2_000_000 - i : 1_000_000 + i)));
withoutDatabase(app);
const draw = returningUser(users);
const full = sender(app, { rendered: 0 })("/whoami", () => draw());
let sink = 0;
const norender = async () => {
  await app.router.handle(msg(draw(), "/whoami"), async (r) => {
    sink += r.blocks.length;
  });
};
const render1 = async () => {
  sink += renderConsole(last!, false).text.length;
};
let last: Parameters<typeof renderConsole>[0] | undefined;
await app.router.handle(msg(draw(), "/whoami"), async (r) => {
  last = r;
});
const deps = (app.router as unknown as { deps: { onDone?: unknown } }).deps;
const onDone = deps.onDone;
const nometrics = async () => {
  deps.onDone = undefined;
  await norender();
  deps.onDone = onDone;
};
if (process.env.ONLY_FULL === "1") {
  await measureTurns(block * rounds, full);
  await app.close();
  await logged.close();
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}
const names = ["full", "norender", "nometrics", "renderonly", "empty"];
const ms = await measureAlternating(rounds, block, [full, norender, nometrics, render1, () => undefined]);
ms.forEach((m, k) => console.log(`${names[k]!.padEnd(10)} ${((m.totalMs * 1000) / m.n).toFixed(2)} µs a message, p50 ${(m.p50Ms * 1000).toFixed(1)}`));
await app.close();
await logged.close();
rmSync(dir, { recursive: true, force: true });
if (sink < 0) console.log(sink);
