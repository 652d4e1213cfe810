import { readFile } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";
import type { Hono } from "hono";
import type { WebDeps } from "./web-deps.js";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".webmanifest": "application/manifest+json",
};

/** The ESM builds served from node_modules (no CDN, no build step), and how each must be rewritten. */
export const VENDOR: Record<string, { file: string; rewrite?: (s: string) => string }> = {
  // preact 11 ships dist/preact.mjs and hooks/dist/hooks.mjs (10.x named them *.module.js).
  "preact.mjs": { file: "preact/dist/preact.mjs" },
  // Its bare `import ... from "preact"` cannot resolve in a browser without an import map (inline: CSP-blocked).
  "preact-hooks.mjs": { file: "preact/hooks/dist/hooks.mjs", rewrite: (s) => s.replace(/from\s*(["'])preact\1/g, 'from"/web/vendor/preact.mjs"') },
  "htm.mjs": { file: "htm/dist/htm.module.js" },
  "uplot.mjs": { file: "uplot/dist/uPlot.esm.js" },
  "uplot.css": { file: "uplot/dist/uPlot.min.css" },
};

/** `/web/` (index.html), `/web/assets/*` (adapters/web/public) and `/web/vendor/*` (node_modules). */
export function mountStatic(app: Hono, deps: WebDeps): void {
  const vendorCache = new Map<string, string>();
  app.get("/web", (c) => c.redirect("/web/", 301));
  app.get("/web/", async (c) => {
    const html = await readFile(join(deps.publicDir, "index.html"), "utf8").catch(() => undefined);
    if (html === undefined) return c.text("The dashboard's files are missing (adapters/web/public/index.html).", 404);
    return c.html(html);
  });
  app.get("/web/assets/*", async (c) => {
    const rel = decodeURIComponent(c.req.path.slice("/web/assets/".length));
    const file = normalize(join(deps.publicDir, rel));
    if (!file.startsWith(deps.publicDir + sep) || rel.includes("\0")) return c.text("not found", 404);
    const data = await readFile(file).catch(() => undefined);
    if (!data) return c.text("not found", 404);
    return c.body(data, 200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "cache-control": "no-cache" });
  });
  app.get("/web/vendor/:name", async (c) => {
    const name = c.req.param("name");
    const v = VENDOR[name];
    if (!v) return c.text("not found", 404);
    let text = vendorCache.get(name);
    if (text === undefined) {
      const raw = await readFile(join(deps.nodeModulesDir, v.file), "utf8").catch(() => undefined);
      if (raw === undefined) return c.text("not found", 404);
      text = v.rewrite ? v.rewrite(raw) : raw;
      vendorCache.set(name, text);
    }
    return c.body(text, 200, { "content-type": TYPES[extname(name)]!, "cache-control": "public, max-age=3600" });
  });
}
