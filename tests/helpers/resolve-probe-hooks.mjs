// Module hooks for resolve-probe.mjs (they run on node's hooks thread).
import { appendFileSync } from "node:fs";

let out;

export function initialize(data) {
  out = data.out;
}

export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  if (out) appendFileSync(out, `${result.url}\n`);
  return result;
}
