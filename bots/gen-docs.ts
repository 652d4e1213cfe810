/** `npm run docs`: regenerates .env.example and the README settings table from the config schema. */
import { readFileSync, writeFileSync } from "node:fs";
import { SETTINGS } from "./config.js";

const env = ["# Purser settings. Copy to .env (the real environment wins over this file).", "# Empty means unset. Every value shown is the default.", ""];
for (const [k, s] of Object.entries(SETTINGS)) env.push(`# ${s.doc}`, `${k}=${s.default}`, "");
writeFileSync(".env.example", env.join("\n"));

const rows = ["| Setting | Default | Meaning |", "|---|---|---|"];
for (const [k, s] of Object.entries(SETTINGS)) rows.push(`| \`${k}\` | ${s.default ? "`" + s.default + "`" : "(unset)"} | ${s.doc} |`);
const readme = readFileSync("README.md", "utf8").replace(
  /<!-- settings:start -->\n[\s\S]*?<!-- settings:end -->/,
  () => `<!-- settings:start -->\n${rows.join("\n")}\n<!-- settings:end -->`,
);
writeFileSync("README.md", readme);
