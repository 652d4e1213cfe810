/** Durable key-value settings and cursors, shared by every process on the database. */
export interface KvStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, now: number): Promise<void>;
  /** Sets only if the current value equals `expected` (undefined = absent). True when it was set. */
  compareAndSet(key: string, expected: string | undefined, value: string, now: number): Promise<boolean>;
}

/** A named lease: at most one holder at a time across processes (Redis lock or database row). */
export interface Leases {
  /** Takes or renews the lease for `ttlMs`; true while `owner` holds it. */
  acquire(name: string, owner: string, ttlMs: number): Promise<boolean>;
  release(name: string, owner: string): Promise<void>;
}
