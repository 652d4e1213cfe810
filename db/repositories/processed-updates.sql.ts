import type pg from "pg";
import type { Platform } from "../../core/domain/identity.js";
import { NOT_NOW, type SqliteStatements } from "../sqlite-statements.js";
import { classifyDbError } from "../unavailable.js";

export interface ClaimRow {
  platform: Platform;
  updateId: string;
  now: number;
  leaseMs: number;
}

export interface DoneRow {
  platform: Platform;
  updateId: string;
  now: number;
}

/**
 * One transaction: every done mark, then every claim (no update twice in one batch, and none both
 * marked and claimed); resolves with whether each claim won, in order, once committed. All claims
 * of a batch share one lease.
 */
export type CommitBatch = ((claims: readonly ClaimRow[], done: readonly DoneRow[]) => Promise<boolean[]>) & {
  /**
   * The same batch committed synchronously, when that needs no waiting (SQLite with its connection
   * free); undefined when it must wait: nothing was written, and the batch goes the async way.
   */
  now?: (claims: readonly ClaimRow[], done: readonly DoneRow[]) => boolean[] | undefined;
  /**
   * Batches may run side by side (Postgres: each statement takes its own pooled connection), so a
   * flush of done marks in flight need not hold the next claim back.
   */
  concurrent?: boolean;
  /**
   * One claim alone, its statement sent at once (concurrent batches): whether it won. The batch of
   * that one claim without the batch's bookkeeping: no arrays of rows, no layers of promises.
   */
  lone?: (claim: ClaimRow) => Promise<boolean>;
};

/**
 * A claim is one upsert: a new row is claimed; an existing one is taken over - its claim time moved
 * to now - only if it is still 'claimed' and older than the lease (its process died); otherwise the
 * statement changes nothing and returns no row: a duplicate. Under concurrent claims one wins: the
 * row lock (Postgres) or the write lock (SQLite) orders them, and the loser sees the winner's claim.
 */
const SQLITE_CLAIM = `insert into processed_updates (platform, update_id, state, claimed_at, done_at) values (?, ?, 'claimed', ?, null)
  on conflict (platform, update_id) do update set claimed_at = excluded.claimed_at
  where processed_updates.state = 'claimed' and processed_updates.claimed_at < ?
  returning 1 as won`;
const SQLITE_DONE = "update processed_updates set state = 'done', done_at = ? where platform = ? and update_id = ?";
/** `n` done marks in one statement (each row found by its primary key, as the lone mark is). */
const sqliteDoneMany = (n: number) =>
  `update processed_updates as p set state = 'done', done_at = d.column3
  from (values ${Array.from({ length: n }, () => "(?, ?, ?)").join(", ")}) as d
  where p.platform = d.column1 and p.update_id = d.column2`;
/**
 * Marks go in statements of these sizes, largest first (a flush holds hundreds: a statement a mark
 * costs about twice the time a mark of a 64-row statement does, measured); the last few one each.
 */
const MARK_CHUNKS = [64, 16, 4, 1] as const;
/**
 * SQLite: prepared statements kept. The common batches - one claim alone, or one mark alone - are
 * one statement, committed on its own; larger ones one BEGIN IMMEDIATE ... COMMIT. Both run
 * synchronously when the connection is free (`now`, no promise a message), else after the lock wait.
 */
export function sqliteBatch(st: SqliteStatements): CommitBatch {
  const claim = st.get(SQLITE_CLAIM);
  const done = st.get(SQLITE_DONE);
  const claimOne = (c: ClaimRow) => claim.get(c.platform, c.updateId, c.now, c.now - c.leaseMs) !== undefined;
  const doneMany = MARK_CHUNKS.map((n) => ({ n, st: st.get(sqliteDoneMany(n)) }));
  const args: unknown[] = [];
  const markAll = (marks: readonly DoneRow[]) => {
    let i = 0;
    for (const { n, st: chunk } of doneMany) {
      for (; i + n <= marks.length; i += n) {
        args.length = 0;
        for (let j = i; j < i + n; j++) {
          const m = marks[j]!;
          args.push(m.platform, m.updateId, m.now);
        }
        chunk.run(args);
      }
    }
  };
  const many = (claims: readonly ClaimRow[], marks: readonly DoneRow[]) => () => {
    markAll(marks);
    const won = new Array<boolean>(claims.length);
    for (let i = 0; i < claims.length; i++) won[i] = claimOne(claims[i]!);
    return won;
  };
  /** The batch as one statement, when it is one of the common ones. */
  const single = (claims: readonly ClaimRow[], marks: readonly DoneRow[]): (() => boolean[]) | undefined => {
    if (claims.length + marks.length !== 1) return undefined;
    const c = claims[0];
    if (c) return () => [claimOne(c)];
    const m = marks[0]!;
    return () => (done.run(m.now, m.platform, m.updateId), []);
  };
  const commit: CommitBatch = (claims, marks) => {
    const one = single(claims, marks);
    return st.write(one ?? many(claims, marks), one !== undefined);
  };
  commit.now = (claims, marks) => {
    const one = single(claims, marks);
    const out = st.tryWrite(one ?? many(claims, marks), one !== undefined);
    return out === NOT_NOW ? undefined : out;
  };
  return commit;
}

/**
 * Postgres: the whole batch is ONE statement (a statement is its own transaction: one round trip,
 * one commit), a named prepared statement parsed once per connection; the rows travel as arrays.
 */
const PG_BATCH = {
  name: "purser-processed-updates-batch",
  text: `with done as (
    update processed_updates p set state = 'done', done_at = d.at
    from unnest($1::text[], $2::text[], $3::int8[]) as d(platform, update_id, at)
    where p.platform = d.platform and p.update_id = d.update_id
  )
  insert into processed_updates as p (platform, update_id, state, claimed_at, done_at)
  select c.platform, c.update_id, 'claimed', c.at, null from unnest($4::text[], $5::text[], $6::int8[]) as c(platform, update_id, at)
  on conflict (platform, update_id) do update set claimed_at = excluded.claimed_at
  where p.state = 'claimed' and p.claimed_at < excluded.claimed_at - $7::int8
  returning p.platform, p.update_id`,
};

/**
 * The common batch - one claim alone - without arrays to unpack, and without RETURNING: the command's
 * row count answers (no row description and data row to send and parse on every message).
 */
const PG_UPSERT = `insert into processed_updates as p (platform, update_id, state, claimed_at, done_at) values ($1, $2, 'claimed', $3, null)
  on conflict (platform, update_id) do update set claimed_at = excluded.claimed_at
  where p.state = 'claimed' and p.claimed_at < excluded.claimed_at - $4::int8`;
const PG_CLAIM = { name: "purser-processed-updates-claim", text: PG_UPSERT };
/**
 * A lone claim tries the plain insert first: a new update (nearly every one) costs what a raw
 * single-row insert costs, where the upsert pays Postgres's speculative insertion on every row. Only
 * an update already in the table (a redelivery, a takeover) fails it with a unique violation and
 * then goes through the upsert, which decides as before.
 */
const PG_INSERT = { name: "purser-processed-updates-insert", text: "insert into processed_updates (platform, update_id, state, claimed_at, done_at) values ($1, $2, 'claimed', $3, null)" };
const UNIQUE_VIOLATION = "23505";

type Row = { platform: string; update_id: string };

export function postgresBatch(pool: pg.Pool): CommitBatch {
  const failed = (err: unknown): never => {
    throw classifyDbError(err);
  };
  const query = (q: { name: string; text: string }, values: unknown[]): Promise<pg.QueryResult<Row>> =>
    pool.query<Row>({ name: q.name, text: q.text, values }).catch(failed);
  const won = () => true;
  const lone = (c: ClaimRow): Promise<boolean> =>
    pool.query({ name: PG_INSERT.name, text: PG_INSERT.text, values: [c.platform, c.updateId, c.now] }).then(won, (err: unknown) => {
      if ((err as { code?: unknown }).code !== UNIQUE_VIOLATION) failed(err);
      // no RETURNING: the row count says it (1: taken over, 0: the conflict's WHERE said no)
      return query(PG_CLAIM, [c.platform, c.updateId, c.now, c.leaseMs]).then((res) => res.rowCount === 1);
    });
  const commit: CommitBatch = async (claims, marks) => {
    const c = claims[0];
    if (c && claims.length === 1 && !marks.length) return [await lone(c)];
    const { rows } = await query(PG_BATCH, [
      marks.map((m) => m.platform),
      marks.map((m) => m.updateId),
      marks.map((m) => m.now),
      claims.map((x) => x.platform),
      claims.map((x) => x.updateId),
      claims.map((x) => x.now),
      c?.leaseMs ?? 0,
    ]);
    const won = new Set(rows.map((r) => `${r.platform}\u0000${r.update_id}`));
    return claims.map((x) => won.has(`${x.platform}\u0000${x.updateId}`));
  };
  commit.concurrent = true;
  commit.lone = lone;
  return commit;
}
