// Runs Purser's compiled JavaScript (dist/), building it first when it is missing or older than the
// sources: `npm start`, `npm run backtest`, `npm run db:migrate`, ... all come through here.
//   node scripts/compiled.mjs bots/main [args...]   run dist/bots/main.js with args (stale: rebuild first)
//   node scripts/compiled.mjs --build               compile (tsc -p tsconfig.build.json), then stamp dist/
//   node scripts/compiled.mjs --build --prepare     the same on `npm install`, skipped when there is
//                                                   nothing to build yet (a Docker dependency layer) or no compiler
//   node scripts/compiled.mjs --build --if-stale    only when dist/ is missing or older than the sources (tests, benches)
// Staleness is one stat per source file (~300 files, a few ms); `npm run dev` runs the sources with tsx instead.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const SOURCES = ["bots", "core", "commands", "adapters", "db"];
const CONFIGS = ["tsconfig.json", "tsconfig.build.json"];
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
    return createRequire(join(root, "package.json")).resolve("typescript/bin/tsc");
  } catch {
    return undefined;
  }
}

/** tsc over tsconfig.build.json; its messages go to stderr (stdout is the terminal chat's). */
function build() {
  const tsc = compiler();
  // Incremental state without the stamp (an interrupted build, outputs deleted by hand) could make tsc skip files that are gone.
  if (!existsSync(STAMP)) rmSync(join(root, "dist", ".tsbuildinfo"), { force: true });
  if (!tsc) return { ok: false, why: "the TypeScript compiler is not installed (a production install without dev dependencies)" };
  const r = spawnSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], { cwd: root, stdio: ["ignore", 2, 2] });
  if (r.status !== 0) return { ok: false, why: `tsc failed (exit ${r.status ?? r.signal}): see the messages above` };
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
  const r = build();
  if (!r.ok) say(`build failed: ${r.why}`);
  process.exit(r.ok ? 0 : 1);
}

const entry = args[0];
if (!entry) {
  say("usage: node scripts/compiled.mjs <bots/main|bots/backtest|...> [args...] | --build");
  process.exit(2);
}
const file = join(root, "dist", `${entry.replace(/\.[cm]?[jt]s$/, "")}.js`);
if (!existsSync(file) || builtAt() < newestSource()) {
  say(existsSync(file) ? "the sources changed since the last build: rebuilding dist/ (npm run build)" : "no compiled build yet: building dist/ (npm run build)");
  const r = build();
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
