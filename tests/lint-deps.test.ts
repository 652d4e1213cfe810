import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const depcruise = join(process.cwd(), "node_modules/.bin/depcruise");
const config = join(process.cwd(), ".dependency-cruiser.cjs");

describe("import-direction check (npm run lint:deps)", () => {
  it("fails on code that breaks STYLE.md's rules, naming each rule", () => {
    const r = spawnSync(depcruise, ["--config", config, "core", "commands", "adapters", "db"], {
      cwd: join(process.cwd(), "tests/fixtures/deps-violation"),
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.status).not.toBe(0);
    expect(r.stdout).toContain("core-is-self-contained");
    expect(r.stdout).toContain("adapters-do-not-import-each-other");
    expect(r.stdout).toContain("commands-stay-inside");
  }, 60_000);

  it("passes on the project itself", () => {
    const r = spawnSync(depcruise, ["--config", config, "bots", "core", "commands", "adapters", "db"], {
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.stdout).toContain("no dependency violations found");
    expect(r.status).toBe(0);
  }, 60_000);
});
