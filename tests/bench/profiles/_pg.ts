import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { postgresRows } from "../router.bench.js";
import { report, withIds } from "../harness.js";
const rows = await postgresRows(mkdtempSync(join(tmpdir(), "pgb-")), Number(process.argv[2] ?? 2000));
console.log(report(withIds("router", rows)));
