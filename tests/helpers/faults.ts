import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import pg from "pg";

/** Polls `pred` every 50 ms until it holds; throws naming `what` (and `detail()`) after `ms`. */
export async function until(pred: () => boolean | Promise<boolean>, what: string, ms = 30_000, detail?: () => string): Promise<void> {
  const t0 = Date.now();
  while (!(await pred())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}${detail ? `\n${detail()}` : ""}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** GET http://127.0.0.1:port/path: status and parsed JSON body; status 0 when nothing answers. */
export async function probe(port: number, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}${path}`);
    const text = await res.text();
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      /* not JSON */
    }
    return { status: res.status, body };
  } catch {
    return { status: 0, body: {} };
  }
}

export interface LogLine {
  level: number;
  msg?: string;
  [k: string]: unknown;
}

/** The pino JSON lines a process wrote to LOG_FILE so far (a partial last line is left out). */
export function logLines(file: string): LogLine[] {
  if (!existsSync(file)) return [];
  const out: LogLine[] = [];
  for (const line of readFileSync(file, "utf8").split("\n")) {
    try {
      out.push(JSON.parse(line) as LogLine);
    } catch {
      /* partial or empty */
    }
  }
  return out;
}

/**
 * A Postgres database of its own (CREATE DATABASE beside `test`), so that terminating its backends
 * touches nobody else's connections. `urlVia(port)` is its URL through another port (a TcpProxy).
 */
export async function ownPostgresDatabase(adminUrl: string, prefix = "purser_fault") {
  const name = `${prefix}_${randomBytes(4).toString("hex")}`;
  const admin = async <T>(work: (c: pg.Client) => Promise<T>): Promise<T> => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    try {
      return await work(c);
    } finally {
      await c.end();
    }
  };
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const base = new URL(adminUrl);
  return {
    name,
    host: base.hostname,
    port: Number(base.port || 5432),
    urlVia(port: number) {
      const u = new URL(adminUrl);
      u.hostname = "127.0.0.1";
      u.port = String(port);
      u.pathname = `/${name}`;
      return u.toString();
    },
    /** What a failover or a restart does to every connection: returns the server pids dropped. */
    terminateAll: () =>
      admin(async (c) => {
        const r = await c.query<{ pid: number; gone: boolean }>(
          "SELECT pid, pg_terminate_backend(pid) AS gone FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
          [name],
        );
        return r.rows.filter((x) => x.gone).map((x) => x.pid);
      }),
    /** Server pids of this database's connections running a query now. */
    activePids: () =>
      admin(async (c) =>
        (
          await c.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = $1 AND state = 'active' AND pid <> pg_backend_pid()", [name])
        ).rows.map((x) => x.pid),
      ),
    connections: () =>
      admin(async (c) => Number((await c.query("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1", [name])).rows[0].n)),
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)),
  };
}
