/** Small durable settings and cursors (Discord command hash, X since_id, treasury pause). */
export interface KvTable {
  key: string;
  value: string;
  updated_at: number;
}

/** Leases for singletons (one X poller, one treasury loop) when Redis is not configured. */
export interface LeasesTable {
  name: string;
  owner: string;
  until: number;
}
