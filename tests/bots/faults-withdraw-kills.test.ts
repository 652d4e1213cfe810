import type { PublicKey } from "@solana/web3.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHAT, EVENT_MS, plain, type TradeKillWorld } from "../helpers/trade-kills.js";
import { sharedDatabases, type SharedDb } from "../helpers/outbox-faults.js";
import { WithdrawKillWorld } from "../helpers/withdraw-kills.js";

/*
 * Issue 19's acceptance: "a withdrawal to a matured address lands once across a double Confirm and a
 * SIGKILL after sending", through real processes. A live Purser OS process (TRADING_MODE=live,
 * MASTER_KEY, WITHDRAWALS=on) talks to the fake Telegram Bot API and the LiteSVM-backed Solana RPC of
 * the trade kill tests (tests/helpers/trade-kills.ts): the user makes a custodial wallet, turns on 2FA
 * with a real TOTP code computed from the secret the bot shows, adds an address with a code, and
 * withdraws 0.5 SOL to it once the address has matured (its row's times moved back by the delay).
 * Each step: a preview, Confirm pressed twice at once, a fresh code; the test holds the RPC call of the
 * step it studies, SIGKILLs Purser there, starts it again on the same database, and checks what the
 * chain, the book, the order and the user see. Then a second Confirm after the restart moves nothing.
 *
 * One process at a time: the restarted process of one step is the one the next step kills. A step
 * that dies before signing settles about TRADE_TAKEOVER_S (5 here) after the restart; every wait is on
 * an event (a message, a row), with 90 s deadlines.
 */

const HALF_SOL = 500_000_000n;

interface Step {
  name: string;
  /** Installs the gate that SIGKILLs Purser at this step; resolves when it has. */
  arm(k: TradeKillWorld): Promise<void>;
  /** What the withdrawal ends as. */
  ends: "filled" | "failed";
  /** sendTransaction calls the step makes in all: 0 (never signed), 1 (sent once), 2 (re-sent after the restart). */
  sends: number;
}

const steps: Step[] = [
  {
    name: "sent: sendTransaction reached the node and landed, killed before its answer",
    ends: "filled",
    sends: 1,
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
    name: "sent and recorded as sent, killed while polling getSignatureStatuses",
    ends: "filled",
    sends: 1,
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
    name: "signed and stored, killed as sendTransaction left (it never reached the node)",
    ends: "filled",
    sends: 2,
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
    name: "claimed, killed while building the transfer (getLatestBlockhash): nothing signed",
    ends: "failed",
    sends: 0,
    arm: (k) =>
      new Promise<void>((fired) =>
        k.sol.setGate({
          before: async (c) => {
            if (c.method !== "getLatestBlockhash") return;
            await k.proc?.kill();
            fired();
            return "drop";
          },
        }),
      ),
  },
];

for (const d of sharedDatabases) {
  describe.skipIf(d.skip)(`SIGKILL during a live withdrawal (real Purser process, ${d.name})${d.skip ? ` (skipped: ${d.skip})` : ""}`, () => {
    let w: SharedDb;
    let x: WithdrawKillWorld;
    let cold: PublicKey;
    const summary: string[] = [];

    beforeAll(async () => {
      w = await d.open();
      x = await WithdrawKillWorld.open(w);
      await x.k.start();
      await x.newWallet();
      await x.enable2fa();
      cold = await x.addMatured("cold");
      await x.seedSolPosition(4_000_000_000n, 600_000_000n); // 4 SOL bought for $600: the book the withdrawals debit
    }, EVENT_MS * 3);

    afterAll(async () => {
      console.info(summary.join("\n"));
      await x?.close();
      await w?.close();
    });

    for (const step of steps) {
      it(`${step.name}: ${step.ends === "filled" ? "lands once" : "nothing sent"}, the order ${step.ends} once, the user told once, the book moved ${step.ends === "filled" ? "once" : "not at all"}`, async () => {
        const { k, sol } = x;
        if (!k.running()) await k.start();
        const p = await x.preview("0.5", "cold");
        const orders = (await x.withdrawals()).length;

        // Confirm pressed twice at once: one code prompt; the other press is told it was used.
        const twice = await x.doubleConfirm(p);
        expect(twice.prompts).toBe(1);
        expect(twice.answers.filter((a) => /^Already done/.test(a))).toHaveLength(1);

        const before = {
          cold: sol.solBalance(cold),
          wallet: sol.solBalance(k.wallet),
          landed: sol.landedBy(k.wallet).length,
          toCold: sol.chain.touching(cold).length,
          sends: sol.callsTo("sendTransaction").length,
          book: await x.solPosition(),
        };
        const killed = step.arm(k);
        const code = x.code();
        k.tg.message({ chatId: CHAT, fromId: CHAT, text: `/code ${code.code}` });
        await k.trigger(killed, `${step.name}: the gate fired`);
        k.sol.setGate(null);
        const mid = await w.repos.orders.get(p.orderId);
        await k.start(); // same database; start-up reconciliation runs before it polls Telegram

        const o = await x.settled(p.orderId);
        const after = {
          cold: sol.solBalance(cold),
          wallet: sol.solBalance(k.wallet),
          landed: sol.landedBy(k.wallet).length,
          toCold: sol.chain.touching(cold).slice(before.toCold),
          sends: sol.callsTo("sendTransaction").slice(before.sends),
          book: await x.solPosition(),
        };
        const told = x.outcomes(p.orderId);
        const pushes = await x.pushes(p.orderId);
        summary.push(
          `[withdraw kills/${d.name}] ${step.name}: code ${code.kind}, status at the kill ${mid?.status}, order ${o.status}` +
            `${o.error ? ` (${o.error})` : ""}, transfers to cold ${after.toCold.length}, sends ${after.sends.length}, ` +
            `outcome messages ${told.length} ("${plain(told[0]!).split("\n")[0]}"), outbox ${pushes.map((r) => `${r.kind}:${r.state}`).join(",")}`,
        );

        // The withdrawal ended once, as expected; no second order was made by the double Confirm or the restart.
        expect(o.status).toBe(step.ends);
        expect((await x.withdrawals()).length).toBe(orders);
        expect(after.sends).toHaveLength(step.sends);
        if (step.ends === "filled") {
          // Exactly one transfer on chain, of exactly 0.5 SOL, under the order's one signature (never re-signed).
          expect(after.cold - before.cold).toBe(HALF_SOL);
          expect(after.landed - before.landed).toBe(1);
          expect(after.toCold.map((t) => t.signature)).toEqual([o.signature]);
          expect(new Set(k.sentSignatures(before.sends))).toEqual(new Set([o.signature]));
          expect(before.wallet - after.wallet).toBe(HALF_SOL + BigInt(after.toCold[0]!.fee));
          expect(o).toMatchObject({ filledIn: HALF_SOL, withdrawal: { to: cold.toBase58(), label: "cold" } });
          // The book: debited by 0.5 SOL once, its cost basis in proportion (no PnL: nothing was sold).
          expect(before.book.amount - after.book.amount).toBe(HALF_SOL);
          expect(after.book.costMicro).toBe((before.book.costMicro * after.book.amount) / before.book.amount);
        } else {
          expect(mid?.status).toBe("confirmed"); // claimed, never signed
          expect(o.signature).toBeNull();
          expect(o.error).toMatch(/nothing was sent/);
          expect(after.cold).toBe(before.cold);
          expect(after.wallet).toBe(before.wallet);
          expect(after.landed).toBe(before.landed);
          expect(after.toCold).toHaveLength(0);
          expect(after.book).toEqual(before.book);
        }
        // Told once: one message and one outbox row, for this outcome.
        expect(told).toHaveLength(1);
        expect(plain(told[0]!)).toMatch(step.ends === "filled" ? /^Withdrawal landed: 0\.5 SOL to cold/ : /^Withdrawal failed: 0\.5 SOL to cold[\s\S]*nothing was sent/);
        expect(pushes.map((r) => r.kind)).toEqual([step.ends === "filled" ? "trade.filled" : "trade.failed"]);

        // A second Confirm after the restart: answered, and nothing moves, nothing is sent, no code is asked for.
        const mark = k.tg.sent.length;
        const answer = await k.answerTo(k.press(p));
        const second = answer.text ?? plain(await k.waitSent((m, i) => i >= mark && /^Already done/.test(plain(m)), "the second Confirm answered"));
        summary.push(`[withdraw kills/${d.name}]   second Confirm after the restart: "${second}"`);
        expect(second).toMatch(/^Already done/);
        // A code sent now finds nothing waiting for it.
        await k.say("/code 000000", /Nothing is waiting for a code/);
        expect(x.messages(/^Send the code/, mark)).toHaveLength(0);
        expect(sol.callsTo("sendTransaction").length).toBe(before.sends + step.sends);
        expect([sol.solBalance(cold), sol.landedBy(k.wallet).length, await x.solPosition()]).toEqual([after.cold, after.landed, after.book]);
        expect((await w.repos.orders.get(p.orderId))?.status).toBe(o.status);
        expect(x.outcomes(p.orderId)).toHaveLength(1);
      }, EVENT_MS * 3);
    }
  });
}
