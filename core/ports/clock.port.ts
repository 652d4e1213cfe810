/** Injected time source: epoch milliseconds. Tests pass a fake clock. */
export interface Clock {
  now(): number;
}
export const systemClock: Clock = { now: () => Date.now() };
