import type { Clock } from "../../core/ports/clock.port.js";

export class FakeClock implements Clock {
  constructor(public t = Date.UTC(2026, 0, 1)) {}
  now() {
    return this.t;
  }
  advance(ms: number) {
    this.t += ms;
  }
}

/** The wall clock behind the FakeClock interface: for tests of real-time behaviour (retries, back-off). */
export class WallClock extends FakeClock {
  constructor() {
    super(Date.now());
  }
  override now() {
    return Date.now() + (this.t - this.t0);
  }
  private readonly t0 = this.t;
}
