import { checkPrice } from "../domain/price.js";
import type { Token } from "../domain/token.js";
import type { Clock } from "../ports/clock.port.js";
import type { Logger } from "../ports/logger.port.js";
import type { PriceHistorySource, PriceSource } from "../ports/price-source.port.js";

export interface ReplaySource extends PriceSource, PriceHistorySource {
  /** Current historical time of the playback. */
  now(): number;
  range(): { from: number; to: number };
}

export interface SourceChoiceOptions {
  live: PriceSource[];
  replay?: ReplaySource;
  clock: Clock;
  log: Logger;
  maxAgeMs: number;
  /** Start in replay (MARKET_SOURCE=replay). */
  replayMode?: boolean;
}

/**
 * Where the market's prices come from: the live sources, or the bundled history played back. With
 * MARKET_SOURCE=auto the choice is a start-up probe (in the background or awaited); every price read
 * waits for it (`chosen`), so nothing is ever priced from the wrong source. Falling back to replay
 * is one way: a process that started on history stays on it (its prices are labelled as replay).
 */
export class MarketSourceChoice {
  private current: "live" | "replay";
  /** The start-up probe still running (MARKET_SOURCE=auto in the background). */
  private choosing: Promise<void> | undefined;

  constructor(private readonly o: SourceChoiceOptions) {
    this.current = o.replayMode ? "replay" : "live";
    if (this.current === "replay" && !o.replay) throw new Error("replay mode needs a replay source");
  }

  get mode(): "live" | "replay" {
    return this.current;
  }

  /** Market time: the clock, or the historical time of the playback. */
  now(): number {
    return this.current === "replay" ? this.o.replay!.now() : this.o.clock.now();
  }

  /** The sources to ask, in order: the live ones, or the replay alone. */
  sources(): PriceSource[] {
    return this.current === "replay" ? [this.o.replay!] : this.o.live;
  }

  /** Which live sources give a sane price for `sample` within `deadlineMs`. */
  async probe(sample: Token, deadlineMs: number): Promise<{ reachable: string[] }> {
    const reachable: string[] = [];
    await Promise.all(
      this.o.live.map(async (s) => {
        const ok = await Promise.race([
          // Reachable means a sane price, not merely an answer: a source returning garbage is down.
          s.getPrices([sample]).then((m) => [...m.values()].some((q) => !checkPrice(q, this.now(), this.o.maxAgeMs)), () => false),
          new Promise<boolean>((r) => setTimeout(() => r(false), deadlineMs).unref?.()),
        ]);
        if (ok) reachable.push(s.name);
      }),
    );
    return { reachable };
  }

  /** The probe in the background: `chosen()` resolves when it has decided. */
  chooseInBackground(sample: Token, deadlineMs: number): void {
    const choosing = this.choose(sample, deadlineMs).finally(() => {
      if (this.choosing === choosing) this.choosing = undefined;
    });
    this.choosing = choosing;
    choosing.catch(() => {});
  }

  /** Resolves once the source is chosen (at once when nothing is being chosen). */
  async chosen(): Promise<void> {
    if (this.choosing) await this.choosing;
  }

  /** Live when a live source answers in time, else bundled history. */
  async choose(sample: Token, deadlineMs: number): Promise<void> {
    const { reachable } = await this.probe(sample, deadlineMs);
    if (!reachable.length) this.useReplay("no live price source answered at start-up");
    else this.o.log.info({ reachable }, "live price sources reachable");
  }

  useReplay(reason: string): void {
    if (!this.o.replay) throw new Error("no replay source configured");
    this.current = "replay";
    this.o.log.warn({ reason }, "MARKET FALLBACK: no live price source reachable; playing bundled history (replay)");
  }
}
