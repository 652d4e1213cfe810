import type { Platform } from "../domain/identity.js";
import type { Reply } from "../domain/message.js";
import type { Logger } from "../ports/logger.port.js";
import type { DeliveryResult, Notifier } from "../ports/notifier.port.js";

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

  async push(target: { platform: Platform; chatId: string }, reply: Reply): Promise<DeliveryResult> {
    const n = this.byPlatform.get(target.platform);
    if (!n) {
      this.log.warn({ platform: target.platform }, "no notifier for platform; push dropped");
      return { ok: false, permanent: true, reason: `no ${target.platform} notifier` };
    }
    return n.send(target.chatId, reply);
  }
}
