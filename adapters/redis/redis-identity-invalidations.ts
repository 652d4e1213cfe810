import type { Redis } from "ioredis";
import type { IdentityInvalidations } from "../../core/ports/identity.port.js";
import { RedisJsonChannel } from "./redis-json-channel.js";

/**
 * Identity cache invalidations over Redis pub/sub, so a /link or a role change made in one process
 * is seen by the next message in every other. Pub/sub is at-most-once (a message published while a
 * subscriber reconnects is lost), which is why the identity cache keeps a safety-net TTL. Malformed
 * messages are dropped. Shares the subscriber connection of the price bus.
 */
export class RedisIdentityInvalidations implements IdentityInvalidations {
  private readonly ch: RedisJsonChannel<string>;

  constructor(pub: Redis, sub: Redis, channel = "purser:identity", onError: (err: unknown) => void = () => {}) {
    this.ch = new RedisJsonChannel(pub, sub, channel, (x): x is string => typeof x === "string", onError);
  }

  /** Resolves once the subscription is active (tests wait for it); retried after a failure. */
  ready(): Promise<unknown> {
    return this.ch.ready();
  }

  /** The publisher's own process has already dropped its entries; others hear it through Redis. */
  async publish(userIds: readonly string[]): Promise<void> {
    if (userIds.length) await this.ch.publish(userIds);
  }

  subscribe(listener: (userIds: readonly string[]) => void): () => void {
    return this.ch.subscribe(listener);
  }
}
