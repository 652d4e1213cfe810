import type { Redis } from "ioredis";
import { RedisUserEvents } from "../adapters/redis/redis-user-events.js";
import { streamEvent } from "../adapters/web/stream-protocol.js";
import type { Logger } from "../core/ports/logger.port.js";
import type { Notifications } from "../core/services/notifications.service.js";

/**
 * With Redis, every push this process tells a user is also published (in the stream's wire form) for
 * the other processes' live streams: a worker's alert firing, automation outcome or late fill reaches
 * the dashboard served by the web tier. Without Redis there is one process to tell, and nothing to share.
 */
export function shareUserEvents(
  redis: { main: Redis; sub: Redis },
  o: { notifications: Notifications; channel: string; instance: string; log: Logger; explorerTx?: (sig: string) => string },
): RedisUserEvents {
  const shared = new RedisUserEvents(redis.main, redis.sub, o.channel, o.instance, (err) => o.log.warn({ err }, "user events over redis failed"));
  o.notifications.listen((userId, e) => {
    const event = streamEvent(e, o.explorerTx);
    if (event) void shared.publish(userId, event);
  });
  return shared;
}
