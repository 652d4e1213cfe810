import { describe, expect, it } from "vitest";
import { MemorySpacer } from "../../../adapters/ratelimit/spacer.js";
import { sharedLimits, type SpacingTime } from "../../../adapters/telegram/telegram-adapter.js";
import { maxInWindow } from "../../fakes/telegram-bot-api.limits.js";

/*
 * Outbound spacing when the sending process is paused (a blocked event loop, a machine starved of
 * CPU): time is the subject here, so it is simulated. The loop below runs timers in order of their due
 * time, and a pause moves the clock on without running any; when it ends, every timer that fell due
 * meanwhile runs at once, late, as Node runs them. Telegram counts what arrives in any 1-second
 * window, so sends whose slots fell in the pause must not all go out the moment it ends.
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

const GAP_MS = 40;

/** 60 messages to 60 chats at once, then two to chat 999; returns when each send was let through. */
async function burst(loop: PausableLoop) {
  const limit = sharedLimits(new MemorySpacer(loop.now), GAP_MS, loop);
  const sent: Array<{ chat: number; at: number }> = [];
  const prev = (async (_method: string, payload: { chat_id: number }) => {
    sent.push({ chat: payload.chat_id, at: loop.now() });
    return { ok: true, result: true };
  }) as unknown as Parameters<typeof limit>[0];
  const send = (chat: number) => limit(prev, "sendMessage", { chat_id: chat, text: "hi" } as never, undefined);
  const jobs = Array.from({ length: 60 }, (_, i) => send(50_000 + i));
  jobs.push((async () => (await send(999), await send(999)))());
  const done = Promise.all(jobs);
  await loop.run();
  await done;
  return sent;
}

describe("Telegram outbound spacing through a paused process", () => {
  const most = Math.floor(1000 / GAP_MS) + 2; // one gap of lateness allowed: 27 for a 40 ms gap

  it("unpaused: sends go one gap apart", async () => {
    const sent = await burst(new PausableLoop());
    expect(sent).toHaveLength(62);
    expect(maxInWindow(sent.map((s) => s.at), 1000)).toBeLessThanOrEqual(Math.floor(1000 / GAP_MS) + 1);
  });

  it("a pause of 0.8 s in mid-queue: the sends it held up do not leave as one burst", async () => {
    const loop = new PausableLoop();
    loop.pause(500, 800);
    const sent = await burst(loop);
    expect(sent).toHaveLength(62);
    expect(new Set(sent.map((s) => s.chat)).size).toBe(61);
    expect(maxInWindow(sent.map((s) => s.at), 1000), JSON.stringify(sent.map((s) => s.at))).toBeLessThanOrEqual(most);
    const admin = sent.filter((s) => s.chat === 999).map((s) => s.at);
    expect(admin[1]! - admin[0]!).toBeGreaterThanOrEqual(1100);
  });

  it("several pauses, long and short: still no second with more than the spacing allows", async () => {
    const loop = new PausableLoop();
    for (const [at, ms] of [[100, 300], [700, 60], [900, 2500], [3600, 45], [3700, 200]] as const) loop.pause(at, ms);
    const sent = await burst(loop);
    expect(sent).toHaveLength(62);
    expect(maxInWindow(sent.map((s) => s.at), 1000), JSON.stringify(sent.map((s) => s.at))).toBeLessThanOrEqual(most);
  });
});
