import type { Token } from "../domain/token.js";
import type { Clock } from "../ports/clock.port.js";
import type { Logger } from "../ports/logger.port.js";

export interface AlertTokensDeps {
  /** Tells the market which tokens the price stream must carry (tokens not handed over before). */
  track?: (tokens: Token[]) => void;
  /** The token of a mint (undefined or a throw: not tracked yet, looked up again later). */
  tokenOf?: (mint: string) => Promise<Token | undefined>;
  /** How long after a failed tokenOf the same mint is looked up again (default 60 s). */
  retryMs?: number;
  clock: Clock;
  log: Logger;
}

/**
 * Has the market track the tokens of active alerts: the poller only polls tracked tokens, so without
 * this an alert on a token that is not built in never gets a tick. Each mint is looked up once (a
 * failed lookup again after `retryMs`) and handed over once.
 */
export class AlertTokens {
  /** Mints handed to track, mints being looked up, and when a lookup last failed. */
  private readonly tracked = new Set<string>();
  private readonly resolving = new Set<string>();
  private readonly failedAt = new Map<string, number>();

  constructor(private readonly d: AlertTokensDeps) {}

  /** Hands the tokens of these mints not tracked yet to track. Never throws. */
  async trackNew(mints: Iterable<string>): Promise<void> {
    const { track, tokenOf } = this.d;
    if (!track || !tokenOf) return;
    const want = this.due(mints);
    if (!want.length) return;
    for (const m of want) this.resolving.add(m);
    try {
      const found = await Promise.all(want.map((mint) => this.lookup(tokenOf, mint)));
      const tokens = found.filter((t): t is Token => t !== undefined);
      if (!tokens.length) return;
      track(tokens);
      for (const t of tokens) {
        this.tracked.add(t.mint);
        this.failedAt.delete(t.mint);
      }
    } catch (err) {
      this.d.log.error({ err }, "tracking alert tokens failed");
    } finally {
      for (const m of want) this.resolving.delete(m);
    }
  }

  /** Mints neither tracked nor being looked up, and not failed too recently. */
  private due(mints: Iterable<string>): string[] {
    const now = this.d.clock.now();
    const retryMs = this.d.retryMs ?? 60_000;
    return [...mints].filter((m) => {
      if (this.tracked.has(m) || this.resolving.has(m)) return false;
      const failed = this.failedAt.get(m);
      return failed === undefined || now - failed >= retryMs;
    });
  }

  private async lookup(tokenOf: (mint: string) => Promise<Token | undefined>, mint: string): Promise<Token | undefined> {
    try {
      const t = await tokenOf(mint);
      if (t && t.mint === mint) return t;
    } catch (err) {
      this.d.log.warn({ err, mint }, "alert token lookup failed: its prices are not tracked yet");
    }
    this.failedAt.set(mint, this.d.clock.now());
    return undefined;
  }
}
