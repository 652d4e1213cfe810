import { RedisIdentityInvalidations } from "../adapters/redis/redis-identity-invalidations.js";
import { allInvalidations, IdentityChangeFeed } from "../core/services/identity-changes.js";
import { IdentityService } from "../core/services/identity.service.js";
import type { Wiring } from "./wiring.js";

/**
 * Every change that alters a cached answer goes through IdentityService, which evicts it here at once
 * and records it in the database's identity change log, read by every process once a second (with
 * Redis, also published for the other processes to hear at once). So entries need no short expiry;
 * they still expire after this long, for a role edited by hand in the database (no log row).
 */
export const IDENTITY_CACHE_SAFETY_TTL_MS = 15 * 60_000;

/** The identity service: its LRU cache evicted by /link and role changes, in every process. */
export function buildIdentity(w: Wiring, adminKeys: ReadonlySet<string>): IdentityService {
  const { repos, redis, limiters } = w.stores;
  const feed = new IdentityChangeFeed(repos.identityChanges, w.clock, {
    onError: (err) => w.log.warn({ err }, "could not read the identity change log (read again in a second)"),
  });
  const pubsub = redis
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
    invalidations: pubsub ? allInvalidations([feed, pubsub]) : feed,
  });
}
