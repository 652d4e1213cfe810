import type { PriceTick } from "../../core/domain/price.js";
import type { PriceBus } from "../../core/ports/price-bus.port.js";

/** In-process price stream: listeners run synchronously in publish order; one failing listener hurts no other. */
export class MemoryPriceBus implements PriceBus {
  private readonly listeners = new Set<(ticks: readonly PriceTick[]) => void>();
  constructor(private readonly onListenerError: (err: unknown) => void = () => {}) {}

  publish(ticks: readonly PriceTick[]): Promise<void> {
    for (const l of this.listeners) {
      try {
        l(ticks);
      } catch (err) {
        this.onListenerError(err);
      }
    }
    return Promise.resolve();
  }

  subscribe(listener: (ticks: readonly PriceTick[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
