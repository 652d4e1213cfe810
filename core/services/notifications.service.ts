import type { Platform } from "../domain/identity.js";
import type { Reply } from "../domain/message.js";
import type { Logger } from "../ports/logger.port.js";
import type { DeliveryResult, Notifier, PushProgress } from "../ports/notifier.port.js";

/** Fans outgoing pushes (fills, alerts, treasury reports) out to the platform adapters. */
export class Notifications {
  private readonly byPlatform = new Map<Platform, Notifier>();

  constructor(private readonly log: Logger) {}

  register(n: Notifier): void {
    this.byPlatform.set(n.platform, n);
  }

  has(platform: Platform): boolean {
    return this.byPlatform.has(platform);
  }

  /** The platforms this process can deliver to (their notifiers are registered). */
  platforms(): Platform[] {
    return [...this.byPlatform.keys()];
  }

  async push(target: { platform: Platform; chatId: string }, reply: Reply, progress?: PushProgress): Promise<DeliveryResult> {
    const n = this.byPlatform.get(target.platform);
    if (!n) {
      // Not this process's platform (or not registered yet): another process, or a later moment,
      // delivers it. Never a permanent failure: that would drop the push for good.
      this.log.warn({ platform: target.platform }, "no notifier for platform here; push left for one that has it");
      return { ok: false, permanent: false, deferred: true, retryAfterMs: 1000, reason: `no ${target.platform} notifier in this process` };
    }
    return n.send(target.chatId, reply, progress);
  }
}
