import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FINAL_STATUSES } from "../../core/domain/order.js";
import { EVENT_MS, plain, TradeKillWorld, type Preview } from "../helpers/trade-kills.js";
import { sharedDatabases, until, type SharedDb } from "../helpers/outbox-faults.js";

/*
 * Issue 14: a live trade survives a SIGKILL of the Purser process at each of its steps. A real Purser
 * OS process (TRADING_MODE=live, SQLite file in a tmp dir) talks to the fake Telegram Bot API, the fake
 * Solana RPC (LiteSVM) and the fake Jupiter swap API, all in this test process: the test holds the
 * request of the step it studies, SIGKILLs Purser there, starts it again on the same database, and
 * checks what the user and the chain see. SQLite only: the steps are about the order's state machine,
 * which is the same SQL on Postgres (the outbox kill tests run on both).
 *
 * One process at a time: the restarted process of one step is the one the next step kills.
 * TRADE_TAKEOVER_S is 5 here (default 120): how long a restarted process leaves an unsigned confirmed
 * order, or an ended order whose outcome the user was never told, to a process that might still hold it.
 * Steps 1, 4 and 4b therefore settle about 5 s after the kill; the waits are on events, with 90 s deadlines.
 */

const USDC_15 = 15_000_000n;

interface Step {
  name: string;
  /** Installs the gate that SIGKILLs Purser at this step; resolves when it has. */
  arm(k: TradeKillWorld, p: Preview): Promise<void>;
  /** Messages telling the outcome: 2 only for a kill after Telegram took the reply and before Purser marked the order told. */
  told?: 2;
}

const never = () => new Promise<never>(() => undefined);

const steps: Step[] = [
  {
    name: "1. Jupiter is building the swap (Confirm pressed, nothing signed)",
    arm: (k) =>
      new Promise<void>((fired) =>
        k.jup.setGate(async (route) => {
          if (route !== "swap") return;
          await k.proc?.kill();
          fired();
          return "drop";
        }),
      ),
  },
  {
    name: "2. sendTransaction reached the RPC, landed, no answer",
    arm: (k) =>
      new Promise<void>((fired) =>
        k.sol.setGate({
          after: async (c) => {
            if (c.method !== "sendTransaction") return;
            await k.proc?.kill();
            fired();
          },
        }),
      ),
  },
  {
    name: "2b. sendTransaction reached the RPC, never landed",
    arm: (k) =>
      new Promise<void>((fired) =>
        k.sol.setGate({
          before: async (c) => {
            if (c.method !== "sendTransaction") return;
            await k.proc?.kill();
            fired();
            return "drop";
          },
        }),
      ),
  },
  {
    name: "3. sent, polling getSignatureStatuses",
    arm: (k) => {
      let sent = false;
      return new Promise<void>((fired) =>
        k.sol.setGate({
          before: async (c) => {
            if (c.method === "sendTransaction") sent = true;
            if (!sent || c.method !== "getSignatureStatuses") return;
            await k.proc?.kill();
            fired();
            return "drop";
          },
        }),
      );
    },
  },
  {
    name: "4. landed and filled, the outcome message held at Telegram",
    arm: (k, p) =>
      new Promise<void>((fired) =>
        k.tg.setGate({
          before: async (c) => {
            if (!/^(sendMessage|editMessageText)$/.test(c.method) || !String(c.params.text ?? "").includes(p.orderId)) return;
            await k.proc?.kill();
            fired();
            await never(); // Telegram never answers: the process is gone
          },
        }),
      ),
  },
  {
    name: "4b. landed and filled, the outcome message accepted by Telegram, killed before its answer",
    told: 2,
    arm: (k, p) =>
      new Promise<void>((fired) =>
        k.tg.setGate({
          after: async (c) => {
            if (!/^(sendMessage|editMessageText)$/.test(c.method) || !String(c.params.text ?? "").includes(p.orderId)) return;
            await k.proc?.kill(); // the user has read it; Purser never learns that they did
            fired();
          },
        }),
      ),
  },
];

const disarm = (k: TradeKillWorld) => {
  k.jup.setGate(null);
  k.sol.setGate(null);
  k.tg.setGate(null);
};

describe("SIGKILL at each step of a live trade (real Purser process, SQLite)", () => {
  let w: SharedDb;
  let k: TradeKillWorld;
  const summary: string[] = [];

  beforeAll(async () => {
    w = await sharedDatabases[0]!.open();
    k = await TradeKillWorld.open(w);
    await k.start();
    await k.newWallet();
  }, EVENT_MS * 2);

  afterAll(async () => {
    console.info(summary.join("\n"));
    await k?.close();
    await w?.close();
  });

  /** Terminal, marked told, every push for it delivered, and a message telling it seen: the outcome has settled. */
  const settled = async (orderId: string) => {
    const o = await w.repos.orders.get(orderId);
    if (!o || !FINAL_STATUSES.includes(o.status)) return undefined;
    const row = await w.db.db.selectFrom("orders").select("told_at").where("id", "=", orderId).executeTakeFirstOrThrow();
    if (row.told_at === null) return undefined;
    const pending = await w.db.db.selectFrom("outbox").select("state").where("dedupe_key", "like", `trade:${orderId}:%`).where("state", "=", "pending").execute();
    if (pending.length || !k.outcomes(orderId).length) return undefined;
    return o;
  };

  for (const step of steps) {
    it(`${step.name}: one terminal state, at most one swap landed, the outcome told ${step.told === 2 ? "twice (the documented window)" : "once"}`, async () => {
      if (!k.running()) await k.start();
      const p = await k.preview();
      const before = k.mark();
      const killed = step.arm(k, p);
      k.press(p);
      await k.trigger(killed, `${step.name}: the gate fired`);
      disarm(k);
      await k.start(); // same SQLite file; start-up reconciliation runs before it polls Telegram

      const o = await until(() => settled(p.orderId), EVENT_MS, `${step.name}: order ${p.orderId} settled and told`);
      const after = k.mark();
      const landed = after.landed - before.landed;
      const told = k.outcomes(p.orderId).length;

      summary.push(
        `[trade kills] ${step.name}: order ${o.status}, swaps landed ${landed}, outcome messages ${told}, ` +
          `swap builds ${after.builds - before.builds}, sends ${after.sends - before.sends}`,
      );

      // A second Confirm after the restart: answered, nothing moves, nothing is built or sent.
      const mark2 = k.tg.sent.length;
      const answer = await k.answerTo(k.press(p));
      const second = answer.text ?? plain(await k.waitSent((m, i) => i >= mark2 && /^Already done/.test(plain(m)), "the second Confirm answered"));
      summary.push(`[trade kills]   second Confirm after the restart: "${second}"`);
      const again = k.mark();

      expect(["filled", "failed", "expired"]).toContain(o.status);
      expect(landed).toBeLessThanOrEqual(1);
      expect(landed).toBe(o.status === "filled" ? 1 : 0);
      expect(before.usdc - after.usdc).toBe(o.status === "filled" ? USDC_15 : 0n); // the balance moved once, or not at all
      // One build (one blockhash) per order: nothing is re-signed; every send carries the stored signature.
      expect(after.builds - before.builds).toBe(1);
      if (o.signature) expect(new Set(k.sentSignatures(before.sends))).toEqual(new Set([o.signature]));
      else expect(after.sends).toBe(before.sends);
      expect(told).toBeGreaterThanOrEqual(1);
      // Only a kill between Telegram's answer and the order's "told" mark tells it twice (4b: the reply, then the push).
      expect(told).toBe(step.told ?? 1);
      // The second Confirm changed nothing.
      expect([again.usdc, again.landed, again.builds, again.sends]).toEqual([after.usdc, after.landed, after.builds, after.sends]);
      expect((await w.repos.orders.get(p.orderId))?.status).toBe(o.status);
    }, EVENT_MS * 3);
  }
});
