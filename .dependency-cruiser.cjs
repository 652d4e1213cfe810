/**
 * Import direction (see STYLE.md):
 *   bots -> adapters | db -> commands -> core/services -> core/ports -> core/domain
 * core imports no SDK and nothing outside core; adapters never import each other or db;
 * migrations import kysely only. `npm run lint:deps` fails the build on any violation.
 */
const CORE_ALLOWED_PACKAGES = "node_modules/(zod|fastest-levenshtein|lru-cache)/";

/**
 * One forbidden import, always an error: from files whose path matches `from` (every file when
 * undefined) to what `to` describes (a path pattern, or a dependency-cruiser `to` object).
 */
const forbid = (name, from, to, comment) => ({
  name,
  ...(comment ? { comment } : {}),
  severity: "error",
  from: from === undefined ? {} : { path: from },
  to: typeof to === "string" ? { path: to } : to,
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    forbid(
      "core-is-self-contained",
      "^core/",
      { pathNot: ["^core/", CORE_ALLOWED_PACKAGES], dependencyTypesNot: ["core"] },
      "core/ imports no SDK and nothing outside core (zod and tiny pure helpers only: fastest-levenshtein, lru-cache)",
    ),
    forbid(
      "domain-is-pure",
      "^core/domain/",
      { path: "^core/", pathNot: ["^core/domain/", "^core/errors\\.ts$"] },
      "core/domain depends on nothing but itself (and the dependency-free core/errors.ts)",
    ),
    forbid("ports-depend-on-domain-only", "^core/ports/", { path: "^core/", pathNot: ["^core/ports/", "^core/domain/", "^core/errors\\.ts$"] }),
    forbid("services-do-not-use-the-router", "^core/services/", "^core/router/", "services use the message model in core/domain, never the pipeline"),
    forbid("commands-stay-inside", "^commands/", "^(adapters|db|bots)/", "commands call core only"),
    forbid("adapters-do-not-import-db-or-bots", "^adapters/", "^(db|bots)/"),
    forbid("adapters-do-not-import-each-other", "^adapters/([^/]+)/", { path: "^adapters/", pathNot: "^adapters/$1/" }),
    forbid("db-does-not-import-adapters-commands-or-bots", "^db/", "^(adapters|commands|bots)/"),
    forbid("migrations-import-kysely-only", "^db/migrations/", { pathNot: ["^db/migrations/", "node_modules/kysely/"] }),
    forbid("only-bots-import-bots", "^(core|commands|adapters|db)/", "^bots/"),
    forbid("no-circular", undefined, { circular: true }),
    forbid("not-to-unresolvable", undefined, { couldNotResolve: true }),
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    // the dashboard's browser modules import /web/vendor/* URLs that only the browser resolves
    exclude: { path: "^(tests|node_modules|adapters/web/public)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".js", ".mjs", ".cjs", ".json"],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
