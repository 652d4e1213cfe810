import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const PUBLIC = join(process.cwd(), "adapters/web/public");
const VENDOR = new Set(["/web/vendor/preact.mjs", "/web/vendor/preact-hooks.mjs", "/web/vendor/htm.mjs", "/web/vendor/uplot.mjs"]);
const files = readdirSync(PUBLIC);
const modules = files.filter((f) => f.endsWith(".js"));

/** The dashboard's files as the strict CSP needs them (script-src 'self'; style-src 'self'), no browser needed. */
describe("dashboard assets", () => {
  it("index.html has no inline script, style or event handler, and loads only Purser's own files", () => {
    const html = readFileSync(join(PUBLIC, "index.html"), "utf8");
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/i); // every script has a src
    expect(html).not.toMatch(/<style/i);
    expect(html).not.toMatch(/\sstyle=/i);
    expect(html).not.toMatch(/\son[a-z]+=/i);
    const urls = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(urls.length).toBeGreaterThan(0);
    for (const u of urls) expect(u.startsWith("/web/"), u).toBe(true);
  });

  it("every module imports the vendored builds or a sibling module that exists, never a bare package or a CDN", () => {
    for (const f of modules) {
      const src = readFileSync(join(PUBLIC, f), "utf8");
      for (const [, spec] of src.matchAll(/^\s*import\s[^"']*["']([^"']+)["']/gm)) {
        if (spec!.startsWith("./")) expect(existsSync(join(PUBLIC, spec!)), `${f} imports ${spec}`).toBe(true);
        else expect(VENDOR.has(spec!), `${f} imports ${spec}`).toBe(true);
      }
      expect(src, `${f} uses innerHTML`).not.toMatch(/innerHTML|dangerouslySetInnerHTML|eval\(|new Function/);
    }
  });

  it("every file stays small", () => {
    for (const f of files) expect(readFileSync(join(PUBLIC, f), "utf8").split("\n").length, f).toBeLessThan(400);
  });
});
