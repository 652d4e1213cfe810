import { describe, expect, it } from "vitest";
import { MemorySpacer } from "../../../adapters/ratelimit/spacer.js";
import { sharedLimits, type SpacingTime } from "../../../adapters/telegram/telegram-adapter.js";
import { maxInWindow } from "../../fakes/telegram-bot-api.limits.js";

/*
 * Outbound limits when the sending process is paused (a blocked event loop, a machine starved of
 * CPU): time is the subject here, so it is simulated. The loop below runs timers in order of their due
 * time, and a pause moves the clock on without running any; when it ends, every timer that fell due
 * meanwhile runs at once, late, as Node runs them. Each send travels to "Telegram" and back on timers
 * of this loop (so a pause can also hold a request on its way), and Telegram counts it when it
 * arrives, in sliding 1-second windows like the fake Bot API: at most 30 in any second, one a
 * second per chat.
 */

class PausableLoop implements SpacingTime {
  t = 0;
  private timers: Array<{ at: number; seq: number; fire: () => void }> = [];
  private seq = 0;
  private pauses: Array<{ at: number; ms: number }> = [];

  now = () => this.t;

  sleep = (ms: number) => new Promise<void>((fire) => this.timers.push({ at: this.t + Math.max(0, ms), seq: this.seq++, fire }));

  /** From `at` (simulated ms), nothing runs for `ms`. */
  pause(at: number, ms: number) {
    this.pauses.push({ at, ms });
  }

  /** Runs until nothing is left to do: promise callbacks first, then the timers next due. */
  async run() {
    for (;;) {
      await new Promise((r) => setImmediate(r)); // every promise callback the last timers released
      if (!this.timers.length) return;
      const next = Math.min(...this.timers.map((x) => x.at));
      const pause = this.pauses.find((p) => p.at <= Math.max(this.t, next));
      if (pause) {
        this.pauses.splice(this.pauses.indexOf(pause), 1);
        this.t = Math.max(this.t, pause.at) + pause.ms;
      } else this.t = Math.max(this.t, next);
      const due = this.timers.filter((x) => x.at <= this.t).sort((a, b) => a.at - b.at || a.seq - b.seq);
      this.timers = this.timers.filter((x) => x.at > this.t);
      for (const x of due) x.fire();
    }
  }
}

const LIMIT = 30;

/** A fixed pseudo-random sequence (the same every run). */
function lcg(seed: number) {
  let x = seed;
  return () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

/**
 * `n` messages to `n` chats at once, then two to chat 999; each request takes `upMs()` to reach
 * Telegram and `downMs()` to come back. Returns when each send reached Telegram.
 */
async function burst(loop: PausableLoop, n = 60, latency: { upMs: () => number; downMs: () => number } = { upMs: () => 2, downMs: () => 2 }) {
  const limit = sharedLimits(new MemorySpacer(loop.now), { perSecond: LIMIT }, loop);
  const arrived: Array<{ chat: number; at: number }> = [];
  const prev = (async (_method: string, payload: { chat_id: number }) => {
    await loop.sleep(latency.upMs());
    arrived.push({ chat: payload.chat_id, at: loop.now() });
    await loop.sleep(latency.downMs());
    return { ok: true, result: true };
  }) as unknown as Parameters<typeof limit>[0];
  const send = (chat: number) => limit(prev, "sendMessage", { chat_id: chat, text: "hi" } as never, undefined);
  const jobs = Array.from({ length: n }, (_, i) => send(50_000 + i));
  jobs.push((async () => (await send(999), await send(999)))());
  const done = Promise.all(jobs);
  await loop.run();
  await done;
  return arrived;
}

const most = (arrived: Array<{ at: number }>) => maxInWindow(arrived.map((s) => s.at), 1000);
const chatGap = (arrived: Array<{ chat: number; at: number }>) => {
  const admin = arrived.filter((s) => s.chat === 999).map((s) => s.at);
  expect(admin).toHaveLength(2);
  return admin[1]! - admin[0]!;
};

describe("Telegram outbound limits through a paused process", () => {
  it("unpaused: never more than 30 in a second, and the second's worth goes out within it", async () => {
    const arrived = await burst(new PausableLoop(), 300);
    expect(arrived).toHaveLength(302);
    expect(most(arrived)).toBe(LIMIT);
    // At the limit, less only what each request's own round trip (4 ms here) costs per window.
    const many = arrived.filter((s) => s.chat !== 999).map((s) => s.at);
    expect(((many.length - 1) / (many.at(-1)! - many[0]!)) * 1000).toBeGreaterThanOrEqual(LIMIT * 0.97);
    expect(chatGap(arrived)).toBeGreaterThanOrEqual(1000);
  });

  it("a pause of 0.8 s in mid-queue: the sends it held up do not leave as one burst", async () => {
    const loop = new PausableLoop();
    loop.pause(500, 800);
    const arrived = await burst(loop);
    expect(arrived).toHaveLength(62);
    expect(new Set(arrived.map((s) => s.chat)).size).toBe(61);
    expect(most(arrived), JSON.stringify(arrived.map((s) => s.at))).toBeLessThanOrEqual(LIMIT);
    expect(chatGap(arrived)).toBeGreaterThanOrEqual(1000);
  });

  it("several pauses, long and short, some while requests are on the wire: still never above the window", async () => {
    const loop = new PausableLoop();
    for (const [at, ms] of [[100, 300], [700, 60], [900, 2500], [3600, 45], [3700, 200], [5000, 990], [6100, 1010]] as const) loop.pause(at, ms);
    const r = lcg(7);
    const arrived = await burst(loop, 200, { upMs: () => r() * 40, downMs: () => (r() < 0.05 ? 400 : r() * 40) });
    expect(arrived).toHaveLength(202);
    expect(most(arrived), JSON.stringify(arrived.map((s) => s.at))).toBeLessThanOrEqual(LIMIT);
    expect(chatGap(arrived)).toBeGreaterThanOrEqual(1000);
  });

  it("a stall that holds requests on their way out (they reach Telegram late, together) never lets the next ones crowd in", async () => {
    const loop = new PausableLoop();
    // Requests that leave just before each pause arrive after it, next to those sent after it.
    for (let k = 0; k < 8; k++) loop.pause(400 + k * 1300, 300 + k * 90);
    const r = lcg(42);
    const arrived = await burst(loop, 240, { upMs: () => (r() < 0.2 ? 150 : r() * 10), downMs: () => r() * 10 });
    expect(arrived).toHaveLength(242);
    expect(most(arrived), JSON.stringify(arrived.map((s) => s.at))).toBeLessThanOrEqual(LIMIT);
  });
});
