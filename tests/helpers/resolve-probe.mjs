// `node --import` this file to record every module URL the process resolves (ESM imports, including
// bare package imports of CommonJS packages) in the file named by RESOLVE_PROBE_OUT, one per line.
// Register it after tsx's loader: hooks run last-registered first, so it sees the final URLs.
import { register } from "node:module";

register("./resolve-probe-hooks.mjs", import.meta.url, { data: { out: process.env.RESOLVE_PROBE_OUT } });
