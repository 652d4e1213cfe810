import { RedisIdentityInvalidations } from "../adapters/redis/redis-identity-invalidations.js";
import { IdentityService } from "../core/services/identity.service.js";
import type { Wiring } from "./wiring.js";

/**
 * Every change that alters a cached answer goes through IdentityService and evicts it at once, and with
 * Redis the eviction reaches the other processes. Entries still expire after this long, as a safety
 * net: processes sharing one database without Redis hear no evictions, pub/sub is at-most-once (an
 * eviction published while a subscriber reconnects is lost), and a role may be edited by hand.
 */
export const IDENTITY_CACHE_SAFETY_TTL_MS = 30_000;

/** The identity service: its LRU cache evicted by /link and role changes, across processes over Redis. */
export function buildIdentity(w: Wiring, adminKeys: ReadonlySet<string>): IdentityService {
  const { repos, redis, limiters } = w.stores;
  const invalidations = redis
    ? new RedisIdentityInvalidations(redis.main, redis.sub, `${w.config.REDIS_PREFIX}identity`, (err) =>
        w.log.warn({ err }, "identity invalidation over redis failed"),
      )
    : undefined;
  return new IdentityService({
    users: repos.users,
    linkCodes: repos.linkCodes,
    audit: repos.audit,
    clock: w.clock,
    limiters,
    adminKeys,
    cacheTtlMs: IDENTITY_CACHE_SAFETY_TTL_MS,
    ...(invalidations ? { invalidations } : {}),
  });
}
