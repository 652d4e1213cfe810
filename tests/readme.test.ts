import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SETTINGS } from "../bots/config.js";
import { commands } from "../commands/index.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

describe("README stays true", () => {
  it("documents every setting with its default", () => {
    for (const [name, s] of Object.entries(SETTINGS)) {
      const line = readme.split("\n").find((l) => l.startsWith(`| \`${name}\` |`));
      expect(line, `${name} missing from README settings`).toBeTruthy();
      if (s.default) expect(line).toContain(`\`${s.default}\``);
    }
  });

  it("documents every command", () => {
    for (const c of commands) expect(readme, `/${c.name} missing from README`).toContain(`\`/${c.name}`);
  });

  it("gives the two quick-start commands", () => {
    expect(readme).toContain("npm install && npm start");
    expect(readme).toContain("npm install && npm test");
  });
});
