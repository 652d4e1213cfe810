import { RedisIdentityInvalidations } from "../adapters/redis/redis-identity-invalidations.js";
import { IdentityService } from "../core/services/identity.service.js";
import type { Wiring } from "./wiring.js";

/**
 * With several processes (Redis configured) a cached identity may outlive an eviction published
 * while this process's subscriber was reconnecting (pub/sub is at-most-once), or a role edited by
 * hand in the database: entries then also expire after this long. One process needs no expiry:
 * every change that alters a cached answer goes through IdentityService and evicts it at once.
 */
export const IDENTITY_CACHE_SAFETY_TTL_MS = 60_000;

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
    ...(invalidations ? { invalidations, cacheTtlMs: IDENTITY_CACHE_SAFETY_TTL_MS } : {}),
  });
}
