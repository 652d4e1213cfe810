import type { Redis } from "ioredis";
import type { PriceTick } from "../../core/domain/price.js";
import type { PriceBus } from "../../core/ports/price-bus.port.js";
import { RedisJsonChannel } from "./redis-json-channel.js";

/**
 * Price ticks over Redis pub/sub so every process sees the poller's ticks. Subscribing needs its
 * own connection (a subscribed Redis connection cannot publish). Malformed messages are dropped.
 */
export class RedisPriceBus implements PriceBus {
  private readonly ch: RedisJsonChannel<PriceTick>;

  constructor(pub: Redis, sub: Redis, channel = "purser:ticks", onError: (err: unknown) => void = () => {}) {
    this.ch = new RedisJsonChannel(pub, sub, channel, isTick, onError);
  }

  /** Resolves once the subscription is active (tests wait for it); retried after a failure. */
  ready(): Promise<unknown> {
    return this.ch.ready();
  }

  /** Through Redis to every process; while Redis is down, to this process's own listeners (degraded). */
  async publish(ticks: readonly PriceTick[]): Promise<void> {
    if (!(await this.ch.publish(ticks))) this.ch.deliver([...ticks]);
  }

  subscribe(listener: (ticks: readonly PriceTick[]) => void): () => void {
    return this.ch.subscribe(listener);
  }
}

function isTick(x: unknown): x is PriceTick {
  const t = x as PriceTick;
  return !!t && typeof t.mint === "string" && typeof t.symbol === "string" && typeof t.usd === "number" && typeof t.at === "number";
}
