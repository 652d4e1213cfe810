/**
 * Import direction (see STYLE.md):
 *   bots -> adapters | db -> commands -> core/services -> core/ports -> core/domain
 * core imports no SDK and nothing outside core; adapters never import each other or db;
 * migrations import kysely only. `npm run lint:deps` fails the build on any violation.
 */
const CORE_ALLOWED_PACKAGES = "node_modules/(zod|fastest-levenshtein|lru-cache)/";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "core-is-self-contained",
      comment: "core/ imports no SDK and nothing outside core (zod and tiny pure helpers only: fastest-levenshtein, lru-cache)",
      severity: "error",
      from: { path: "^core/" },
      to: { pathNot: ["^core/", CORE_ALLOWED_PACKAGES], dependencyTypesNot: ["core"] },
    },
    {
      name: "domain-is-pure",
      comment: "core/domain depends on nothing but itself (and the dependency-free core/errors.ts)",
      severity: "error",
      from: { path: "^core/domain/" },
      to: { path: "^core/", pathNot: ["^core/domain/", "^core/errors\\.ts$"] },
    },
    {
      name: "ports-depend-on-domain-only",
      severity: "error",
      from: { path: "^core/ports/" },
      to: { path: "^core/", pathNot: ["^core/ports/", "^core/domain/", "^core/errors\\.ts$"] },
    },
    {
      name: "services-do-not-use-the-router",
      comment: "services use the message model in core/domain, never the pipeline",
      severity: "error",
      from: { path: "^core/services/" },
      to: { path: "^core/router/" },
    },
    {
      name: "commands-stay-inside",
      comment: "commands call core only",
      severity: "error",
      from: { path: "^commands/" },
      to: { path: "^(adapters|db|bots)/" },
    },
    {
      name: "adapters-do-not-import-db-or-bots",
      severity: "error",
      from: { path: "^adapters/" },
      to: { path: "^(db|bots)/" },
    },
    {
      name: "adapters-do-not-import-each-other",
      severity: "error",
      from: { path: "^adapters/([^/]+)/" },
      to: { path: "^adapters/", pathNot: "^adapters/$1/" },
    },
    {
      name: "db-does-not-import-adapters-commands-or-bots",
      severity: "error",
      from: { path: "^db/" },
      to: { path: "^(adapters|commands|bots)/" },
    },
    {
      name: "migrations-import-kysely-only",
      severity: "error",
      from: { path: "^db/migrations/" },
      to: { pathNot: ["^db/migrations/", "node_modules/kysely/"] },
    },
    {
      name: "only-bots-import-bots",
      severity: "error",
      from: { path: "^(core|commands|adapters|db)/" },
      to: { path: "^bots/" },
    },
    { name: "no-circular", severity: "error", from: {}, to: { circular: true } },
    { name: "not-to-unresolvable", severity: "error", from: {}, to: { couldNotResolve: true } },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(tests|node_modules)/" },
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
