import type { Redis } from "ioredis";
import { RedisJsonChannel } from "./redis-json-channel.js";

/** A user's event as another process told it: already in the stream's wire form (JSON-safe). */
export interface SharedUserEvent {
  /** The process that told it (App.instance): it delivered it to its own streams already. */
  origin: string;
  userId: string;
  event: Record<string, unknown>;
}

const isShared = (x: unknown): x is SharedUserEvent => {
  const e = x as Partial<SharedUserEvent> | null;
  return typeof e === "object" && e !== null && typeof e.origin === "string" && typeof e.userId === "string" && typeof e.event === "object" && e.event !== null;
};

/**
 * Users' live events (fills, order outcomes, alert firings, automation outcomes) across processes over
 * Redis pub/sub: a worker that tells a user something reaches the web tier's streams. Each process hears
 * only the others' events (its own went to its streams directly). Pub/sub is at-most-once: an event
 * published while a subscriber reconnects is missed by the live view only; the push itself is in the
 * outbox, and the dashboard's lists are read from the database. Shares the subscriber connection of the
 * price bus.
 */
export class RedisUserEvents {
  private readonly ch: RedisJsonChannel<SharedUserEvent>;

  constructor(
    pub: Redis,
    sub: Redis,
    channel: string,
    private readonly origin: string,
    onError: (err: unknown) => void = () => {},
  ) {
    this.ch = new RedisJsonChannel(pub, sub, channel, isShared, onError);
  }

  /** Resolves once the subscription is active (tests wait for it). */
  ready(): Promise<unknown> {
    return this.ch.ready();
  }

  /** False (after onError) when Redis refused it. */
  publish(userId: string, event: Record<string, unknown>): Promise<boolean> {
    return this.ch.publish([{ origin: this.origin, userId, event }]);
  }

  /** Other processes' events, one call per event. Returns the unsubscribe. */
  subscribe(listener: (userId: string, event: Record<string, unknown>) => void): () => void {
    return this.ch.subscribe((items) => {
      for (const e of items) if (e.origin !== this.origin) listener(e.userId, e.event);
    });
  }
}
