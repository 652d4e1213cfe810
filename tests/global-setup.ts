import { execFileSync } from "node:child_process";

/**
 * Once before the suite: tests that start Purser as a process run the compiled build (dist/), as
 * `npm start` does; it is rebuilt here when the sources are newer than it (about a second).
 */
export default function setup(): void {
  execFileSync(process.execPath, ["bots/compiled.mjs", "--build", "--if-stale"], { stdio: "inherit" });
}
