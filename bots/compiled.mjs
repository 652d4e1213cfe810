// Runs Purser's compiled JavaScript (dist/), building it first when it is missing or older than the
// sources: `npm start`, `npm run backtest`, `npm run db:migrate`, ... all come through here.
//   node bots/compiled.mjs bots/main [args...]   run dist/bots/main.js with args (stale: rebuild first)
//   node bots/compiled.mjs --build               bundle (esbuild), then stamp dist/
//   node bots/compiled.mjs --build --prepare     the same on `npm install`, skipped when there is
//                                                nothing to build yet (a Docker dependency layer) or no bundler
//   node bots/compiled.mjs --build --if-stale    only when dist/ is missing or older than the sources (tests, benches)
// The build is a bundle: our ~250 modules and the pure-JS libraries among the dependencies (kysely, zod,
// ...) become a few files, split where the code loads a part on first use (platform SDKs, Solana, charts
// stay separate packages, loaded only when configured). Loading ~640 ES modules one by one was most of
// the start-up; the bundle takes about a second to build. Types are checked by `npm run typecheck`.
// Staleness is one stat per source file (~300 files, a few ms); `npm run dev` runs the sources with tsx instead.
import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const SOURCES = ["bots", "core", "commands", "adapters", "db"];
const CONFIGS = ["package.json", "bots/compiled.mjs"];
const STAMP = join(root, "dist", ".built");
const say = (line) => process.stderr.write(`Purser: ${line}\n`);

/** The newest modification time among the sources and the compiler settings (ms). */
function newestSource() {
  let newest = 0;
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".ts")) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  for (const d of SOURCES) walk(join(root, d));
  for (const f of CONFIGS) newest = Math.max(newest, statSync(join(root, f)).mtimeMs);
  return newest;
}

/** When dist/ was last built completely (0: never). */
const builtAt = () => (existsSync(STAMP) ? statSync(STAMP).mtimeMs : 0);

function compiler() {
  try {
    return createRequire(join(root, "package.json")).resolve("esbuild");
  } catch {
    return undefined;
  }
}

/** Entry points: every script in package.json that runs through this launcher. */
const ENTRIES = ["main", "migrate", "gen-docs", "backtest", "backtest-auto"].map((n) => join(root, "bots", `${n}.ts`));
/**
 * Pure-JS dependencies bundled in; every other package stays external, loaded from node_modules as
 * usual: native addons (better-sqlite3, canvas), the platform and Solana SDKs (loaded on first use),
 * pino (its transports are worker files) and anything not known to bundle cleanly.
 */
const BUNDLED = new Set(["kysely", "zod", "prom-client", "rate-limiter-flexible", "cockatiel", "dotenv", "yaml", "cron-parser", "csv-parse", "fastest-levenshtein", "otpauth", "lru-cache", "cli-progress"]);

/** esbuild over the entries; its messages go to stderr (stdout is the terminal chat's). */
async function build() {
  const bundler = compiler();
  if (!bundler) return { ok: false, why: "the bundler (esbuild) is not installed (a production install without dev dependencies)" };
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const external = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies })
    .filter((d) => !BUNDLED.has(d))
    .flatMap((d) => [d, `${d}/*`]);
  const { build: esbuild } = await import(pathToFileURL(bundler).href);
  rmSync(join(root, "dist"), { recursive: true, force: true });
  try {
    await esbuild({
      entryPoints: ENTRIES,
      outdir: join(root, "dist", "bots"),
      bundle: true,
      splitting: true,
      format: "esm",
      platform: "node",
      target: "node20",
      // Memory of a running process (issue 20): V8 keeps every module's source text, and Node, with
      // source maps on, parses and keeps every map with a line table of its file. The maps carry
      // mappings only (no copies of the sources: stack traces need file:line, not text), and the
      // output drops indentation and line breaks (names stay; ~3 MB less source held in memory).
      sourcemap: true,
      sourcesContent: false,
      minifyWhitespace: true,
      external,
      logLevel: "warning",
      // CommonJS libraries inside an ES module bundle still call require().
      banner: { js: 'import { createRequire as __purserRequire } from "node:module"; const require = __purserRequire(import.meta.url);' },
    });
  } catch (err) {
    return { ok: false, why: `the build failed: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}` };
  }
  writeFileSync(STAMP, `${new Date().toISOString()}\n`);
  return { ok: true };
}

const args = process.argv.slice(2);
if (args[0] === "--build") {
  if (args.includes("--prepare") && (!existsSync(join(root, "bots", "main.ts")) || !compiler())) {
    say("nothing to build here yet (no sources or no compiler): skipping the build");
    process.exit(0);
  }
  if (args.includes("--if-stale") && existsSync(join(root, "dist", "bots", "main.js")) && builtAt() >= newestSource()) process.exit(0);
  const r = await build();
  if (!r.ok) say(`build failed: ${r.why}`);
  process.exit(r.ok ? 0 : 1);
}

const entry = args[0];
if (!entry) {
  say("usage: node bots/compiled.mjs <bots/main|bots/backtest|...> [args...] | --build");
  process.exit(2);
}
const file = join(root, "dist", `${entry.replace(/\.[cm]?[jt]s$/, "")}.js`);
if (!existsSync(file) || builtAt() < newestSource()) {
  say(existsSync(file) ? "the sources changed since the last build: rebuilding dist/ (npm run build)" : "no compiled build yet: building dist/ (npm run build)");
  const r = await build();
  if (!r.ok) {
    if (!existsSync(file)) {
      say(`cannot start: ${r.why}`);
      process.exit(1);
    }
    if (compiler()) {
      say(`cannot start: ${r.why}`);
      process.exit(1);
    }
    say(`running the existing build: ${r.why}`);
  }
}
// Stack traces name the .ts files and lines (dist/ carries source maps); the entry sees its own args.
process.setSourceMapsEnabled(true);
process.argv.splice(1, 2, file);
await import(pathToFileURL(file).href);
