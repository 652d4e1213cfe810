import { Writable } from "node:stream";
import { Secret, TOTP } from "otpauth";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../../adapters/logging/logger.js";
import { AesKeyVault } from "../../adapters/solana/key-vault.js";
import { withdrawCodeHandler, withdrawSendActions } from "../../commands/withdraw.send.js";
import type { KeyVault } from "../../core/ports/trading.port.js";
import { plainText } from "../../core/router/reply.js";
import { startSwapWorld, type SwapWorld } from "../fakes/solana/swap-harness.js";
import { FakeClock } from "../helpers/clock.js";
import { tempSqliteUrl } from "../helpers/databases.js";
import { bindChain, confirmWithCode, MASTER_KEY, newAddress, preview, userWithWallet, withdrawWorld, type WithdrawWorld, type WithdrawWorldOptions } from "../helpers/withdraw-world.js";
import { FakeTwoFactor, GOOD_CODE } from "../helpers/withdrawals.js";

/*
 * Issue 19: withdrawals in live mode, through the real adapters (web3.js, spl-token, the SQLite order
 * store) against the LiteSVM-backed Solana fake; the address book and 2FA are fakes of their contracts.
 */

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function sharedWorld(): Promise<SwapWorld> {
  const world = await startSwapWorld();
  cleanup.push(() => world.close());
  return world;
}

async function open(world: SwapWorld, db: string, clock: FakeClock, o: WithdrawWorldOptions = {}): Promise<WithdrawWorld> {
  const x = await withdrawWorld(world, db, clock, o);
  cleanup.push(() => x.close());
  return x;
}

const FEE_HIGH = 5000n + 1_000_000n; // base fee + the "high" priority fee (PRIORITY_FEE_MAX_LAMPORTS in the world's builder)

describe("withdrawals on Solana (live mode, LiteSVM)", () => {
  it("SOL to a matured address: the preview tells exactly; it lands once across a double Confirm; /trades shows it", async () => {
    const world = await sharedWorld();
    const x = await open(world, await tempSqliteUrl(), new FakeClock(Date.now()));
    const { userId, wallet } = await userWithWallet(x);
    const cold = newAddress();
    x.book.put(userId, "cold", cold.toBase58());
    const p = await preview(x, userId, { amount: "0.5", token: "SOL", label: "cold" });
    expect(p.text).toMatch(/Withdrawal preview/);
    expect(p.text).toMatch(/Amount\s+0\.5 SOL \(~\$75\.00\)/);
    expect(p.text).toContain(`cold: ${cold.toBase58()}`);
    expect(p.text).toMatch(/Costs\s+0\.001005 SOL network fee/);
    expect(p.text).toMatch(/LIVE from/);
    expect(world.sol.solBalance(cold)).toBe(0n); // nothing moved yet
    const before = world.sol.solBalance(wallet);
    const landed = world.sol.landedBy(wallet).length;

    // Confirm asks for a code; two codes for the same withdrawal (a double Confirm) claim it once.
    const asked = plainText(await withdrawSendActions.withdrawConfirm.run(p.ctx, { orderId: p.orderId }));
    expect(asked).toMatch(/Send the code.*withdraw 0\.5 SOL to cold/s);
    expect(x.twoFactor.expected(userId)).toEqual({ kind: "withdraw", ref: p.orderId });
    const [a, b] = await Promise.all([withdrawCodeHandler(p.ctx, p.orderId, GOOD_CODE), withdrawCodeHandler(p.ctx, p.orderId, GOOD_CODE)]);
    const texts = [plainText(a), plainText(b)].sort();
    expect(texts[0]).toMatch(/^Already done: this withdrawal is/);
    expect(texts[1]).toMatch(/^Withdrawal landed: 0\.5 SOL to cold/);
    expect(texts[1]).toMatch(/Transaction\s+https:\/\/solscan\.io\/tx\//);
    expect([a, b].filter((r) => r.tellsOrder === p.orderId)).toHaveLength(1);

    expect(world.sol.solBalance(cold)).toBe(500_000_000n);
    expect(world.sol.solBalance(wallet)).toBe(before - 500_000_000n - FEE_HIGH);
    expect(world.sol.landedBy(wallet).length).toBe(landed + 1);
    // and again, once more, later: nothing more moves
    expect((await confirmWithCode(x, p.ctx, p.orderId).catch((e: Error) => ({ text: e.message }))).text).toMatch(/Already done/);
    expect(world.sol.solBalance(cold)).toBe(500_000_000n);

    const trades = await x.w.app.say("/trades", { id: "42" });
    expect(trades.text).toMatch(/withdraw 0\.5 SOL to cold \(live, filled, ~\$75\.00\)/);
    const order = (await x.w.app.repos.orders.get(p.orderId))!;
    expect(order).toMatchObject({ side: "withdraw", status: "filled", filledIn: 500_000_000n, feeLamports: FEE_HIGH });
    expect(order.withdrawal).toMatchObject({ to: cold.toBase58(), label: "cold" });
    const audit = (await x.w.app.services.audit.recent(20)).map((e) => e.action);
    expect(audit).toEqual(expect.arrayContaining(["withdraw.previewed", "withdraw.confirmed", "withdraw.result"]));
    expect(x.twoFactor.verified.filter((v) => v.purpose === "withdraw" && v.ok)).not.toHaveLength(0);
  });

  it("an SPL token to an address with no token account: the preview shows the rent; the account is created and the exact amount lands", async () => {
    const world = await sharedWorld();
    const x = await open(world, await tempSqliteUrl(), new FakeClock(Date.now()));
    const { userId, wallet } = await userWithWallet(x);
    const cold = newAddress();
    x.book.put(userId, "Cold", cold.toBase58());
    const p = await preview(x, userId, { amount: "25.5", token: "USDC", label: "cold" });
    expect(p.text).toMatch(/Amount\s+25\.5 USDC \(~\$25\.50\)/);
    expect(p.text).toMatch(/0\.001005 SOL network fee \+ 0\.00203928 SOL to open the destination's USDC account/);
    // a double Confirm: two codes for it at once
    await withdrawSendActions.withdrawConfirm.run(p.ctx, { orderId: p.orderId });
    const texts = (await Promise.all([withdrawCodeHandler(p.ctx, p.orderId, GOOD_CODE), withdrawCodeHandler(p.ctx, p.orderId, GOOD_CODE)])).map(plainText).sort();
    expect(texts[0]).toMatch(/^Already done/);
    expect(texts[1]).toMatch(/^Withdrawal landed: 25\.5 USDC to Cold/);
    expect(world.sol.landedBy(wallet)).toHaveLength(1);
    expect(world.sol.tokenBalance(cold, world.mints.USDC)).toBe(25_500_000n);
    expect(world.sol.tokenBalance(wallet, world.mints.USDC)).toBe(474_500_000n);
    expect(world.sol.solBalance(wallet)).toBe(2_000_000_000n - FEE_HIGH - 2_039_280n);
  });

  it('"all" SOL sends everything but the fee, leaving the wallet empty', async () => {
    const world = await sharedWorld();
    const x = await open(world, await tempSqliteUrl(), new FakeClock(Date.now()));
    const { userId, wallet } = await userWithWallet(x);
    const cold = newAddress();
    x.book.put(userId, "cold", cold.toBase58());
    const p = await preview(x, userId, { amount: "all", token: "SOL", label: "cold" });
    expect(p.text).toMatch(/Amount\s+1\.998995 SOL/);
    expect((await confirmWithCode(x, p.ctx, p.orderId)).text).toMatch(/^Withdrawal landed/);
    expect(world.sol.solBalance(wallet)).toBe(0n);
    expect(world.sol.solBalance(cold)).toBe(2_000_000_000n - FEE_HIGH);
  });

  it("the daily withdrawal cap holds under simultaneous Confirms: one transfer lands, the other is refused, nothing else moves", async () => {
    const world = await sharedWorld();
    const x = await open(world, await tempSqliteUrl(), new FakeClock(Date.now()), { env: { WITHDRAW_DAILY_CAP_USD: "100" } });
    const { userId, wallet } = await userWithWallet(x);
    const cold = newAddress();
    x.book.put(userId, "cold", cold.toBase58());
    // each 0.4 SOL (~$60) fits the $100 cap alone; together they do not
    const p1 = await preview(x, userId, { amount: "0.4", token: "SOL", label: "cold" });
    const p2 = await preview(x, userId, { amount: "0.4", token: "SOL", label: "cold" });
    for (const p of [p1, p2]) {
      await withdrawSendActions.withdrawConfirm.run(p.ctx, { orderId: p.orderId });
      expect(await x.twoFactor.takeExpected(userId)).toEqual({ kind: "withdraw", ref: p.orderId });
    }
    const landed = world.sol.landedBy(wallet).length;
    const results = await Promise.allSettled([withdrawCodeHandler(p1.ctx, p1.orderId, GOOD_CODE), withdrawCodeHandler(p2.ctx, p2.orderId, GOOD_CODE)]);
    const done = results.filter((r): r is PromiseFulfilledResult<Awaited<ReturnType<typeof withdrawCodeHandler>>> => r.status === "fulfilled");
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(done).toHaveLength(1);
    expect(plainText(done[0]!.value)).toMatch(/^Withdrawal landed: 0\.4 SOL to cold/);
    expect(refused).toHaveLength(1);
    expect(String(refused[0]!.reason)).toMatch(/today's withdrawal limit of \$100\. Nothing was sent\./);
    expect(world.sol.solBalance(cold)).toBe(400_000_000n);
    expect(world.sol.landedBy(wallet).length).toBe(landed + 1);
    const statuses = [(await x.w.app.repos.orders.get(p1.orderId))!.status, (await x.w.app.repos.orders.get(p2.orderId))!.status].sort();
    expect(statuses).toEqual(["cancelled", "filled"]);
  });

  it("refused before anything is stored: an address younger than the delay, an unknown label, a frozen book, bad amounts, an unknown token", async () => {
    const world = await sharedWorld();
    const clock = new FakeClock(Date.now());
    const x = await open(world, await tempSqliteUrl(), clock);
    const { userId } = await userWithWallet(x);
    x.book.put(userId, "fresh", newAddress().toBase58(), 3_600_000); // added an hour ago, usable after 24 h
    x.book.put(userId, "cold", newAddress().toBase58());
    const fail = (amount: string, token: string, label: string) => preview(x, userId, { amount, token, label }).then(() => "previewed", (e: Error) => e.message);
    expect(await fail("0.1", "SOL", "fresh")).toMatch(/"fresh" becomes usable at/);
    expect(await fail("0.1", "SOL", "nowhere")).toMatch(/No address "nowhere"/);
    for (const [amount, why] of [
      ["-1", /must be positive/],
      ["0", /greater than zero/],
      ["abc", /is not an amount/],
      ["1e3", /no exponent/],
      ["0.0000000001", /9 decimals/],
      ["99999999999999999999999", /too large/],
      ["3", /You have 2 SOL in your wallet/],
      ["1.9985", /would leave 0\.000495 SOL in your wallet, less than the 0\.00089088 SOL/],
      ["0.0005", /must receive at least 0\.00089088 SOL/],
    ] as const) {
      expect(await fail(amount, "SOL", "cold"), amount).toMatch(why);
    }
    expect(await fail("600", "USDC", "cold")).toMatch(/You have 500 USDC in your wallet/);
    expect(await fail("1", "NOPE", "cold")).toMatch(/NOPE/);
    await x.book.freeze(userId);
    expect(await fail("0.1", "SOL", "cold")).toMatch(/frozen/);
    expect(await x.w.app.repos.orders.byUser(userId, 10)).toHaveLength(0);
  });

  it("a wrong code leaves the withdrawal waiting (nothing claimed); the right one completes it; a freeze after the preview refuses it", async () => {
    const world = await sharedWorld();
    const x = await open(world, await tempSqliteUrl(), new FakeClock(Date.now()));
    const { userId } = await userWithWallet(x);
    const cold = newAddress();
    x.book.put(userId, "cold", cold.toBase58());
    const p = await preview(x, userId, { amount: "0.25", token: "SOL", label: "cold" });
    await expect(confirmWithCode(x, p.ctx, p.orderId, "000000")).rejects.toThrow(/not right/);
    // never through the trade path (no code there): as if it did not exist
    await expect(x.w.app.services.trading.confirm(userId, p.orderId)).rejects.toThrow(/can't find that order/);
    expect((await x.w.app.repos.orders.get(p.orderId))!.status).toBe("previewed");
    expect(x.twoFactor.expected(userId)).toEqual({ kind: "withdraw", ref: p.orderId }); // the step waits for the next code
    expect(world.sol.solBalance(cold)).toBe(0n);
    expect((await withdrawCodeHandler(p.ctx, p.orderId, GOOD_CODE)).tellsOrder).toBe(p.orderId);
    expect(world.sol.solBalance(cold)).toBe(250_000_000n);

    const q = await preview(x, userId, { amount: "0.25", token: "SOL", label: "cold" });
    await x.book.freeze(userId);
    await expect(confirmWithCode(x, q.ctx, q.orderId)).rejects.toThrow(/frozen.*Nothing was sent/);
    expect((await x.w.app.repos.orders.get(q.orderId))!.status).toBe("cancelled");
    expect(world.sol.solBalance(cold)).toBe(250_000_000n);
  });

  it("a preview left past its 5 minutes: Confirm says so, a late code expires it, nothing is sent", async () => {
    const world = await sharedWorld();
    const clock = new FakeClock(Date.now());
    const x = await open(world, await tempSqliteUrl(), clock);
    const { userId } = await userWithWallet(x);
    const cold = newAddress();
    x.book.put(userId, "cold", cold.toBase58());
    const p = await preview(x, userId, { amount: "0.1", token: "SOL", label: "cold" });
    const q = await preview(x, userId, { amount: "0.1", token: "SOL", label: "cold" });
    await withdrawSendActions.withdrawConfirm.run(q.ctx, { orderId: q.orderId }); // asked in time, the code comes late
    clock.advance(5 * 60_000 + 1);
    expect(plainText(await withdrawSendActions.withdrawConfirm.run(p.ctx, { orderId: p.orderId }))).toMatch(/That preview expired; nothing was sent/);
    expect(plainText(await withdrawCodeHandler(q.ctx, q.orderId, GOOD_CODE))).toMatch(/That preview expired, so nothing was sent/);
    expect((await x.w.app.repos.orders.get(q.orderId))!.status).toBe("expired");
    expect(world.sol.solBalance(cold)).toBe(0n);
  });

  it("a tampered destination in the built transaction is refused before signing: nothing signed, nothing sent, audited", async () => {
    const world = await sharedWorld();
    const attacker = newAddress();
    let signs = 0;
    const real = new AesKeyVault({ masterKey: MASTER_KEY });
    const vault: KeyVault = {
      create: () => real.create(),
      sign: (s, t) => {
        signs++;
        return real.sign(s, t);
      },
      reveal: (s) => real.reveal(s),
      isAddress: (s) => real.isAddress(s),
    };
    const x = await open(world, await tempSqliteUrl(), new FakeClock(Date.now()), {
      vault,
      withdrawTx: (tx) => ({ plan: (t, l) => tx.plan(t, l), build: (t, l) => tx.build({ ...t, to: attacker.toBase58() }, l), inspect: (b, e) => tx.inspect(b, e) }),
    });
    const { userId, wallet } = await userWithWallet(x);
    x.book.put(userId, "cold", newAddress().toBase58());
    const p = await preview(x, userId, { amount: "0.5", token: "SOL", label: "cold" });
    const sends = world.sol.callsTo("sendTransaction").length;
    const before = world.sol.solBalance(wallet);
    const r = await confirmWithCode(x, p.ctx, p.orderId);
    expect(r.text).toMatch(/^Refused: the withdrawal transaction was unsafe \(the transfer goes to an address other than the one in your address book\)\. Nothing was signed or sent\./);
    expect(signs).toBe(0);
    expect(world.sol.callsTo("sendTransaction").length).toBe(sends);
    expect(world.sol.solBalance(wallet)).toBe(before);
    expect(world.sol.solBalance(attacker)).toBe(0n);
    expect((await x.w.app.repos.orders.get(p.orderId))!.status).toBe("refused");
    expect(await x.w.app.services.audit.recent(5, "withdraw.refused")).toHaveLength(1);
  });

  it.each([
    ["SOL", "0.5", 500_000_000n],
    ["USDC", "25", 25_000_000n],
  ] as const)("%s killed after sending: the restarted process reconciles it from the chain, one transfer, and tells every linked platform once", async (token, amount, units) => {
    const world = await sharedWorld();
    const db = await tempSqliteUrl();
    const clock = new FakeClock(Date.now());
    // The process "dies" right after the RPC took the bytes: it never learns the status.
    const crashing = await open(world, db, clock, {
      chain: (real) => ({
        ...bindChain(real),
        send: async (tx) => {
          await real.send(tx);
          throw new Error("process killed after send");
        },
        status: async () => ({ state: "pending" }),
      }),
    });
    const { userId, wallet } = await userWithWallet(crashing);
    // The user also linked a Discord account: word of the outcome goes there too.
    const code = /link code: (\w+)/.exec((await crashing.w.app.say("/link", { id: "42" })).text)?.[1];
    expect((await crashing.w.app.say(`/link ${code}`, { platform: "discord", id: "d42" })).text).toContain("Linked.");
    const cold = newAddress();
    crashing.book.put(userId, "cold", cold.toBase58());
    const received = () => (token === "SOL" ? world.sol.solBalance(cold) : world.sol.tokenBalance(cold, world.mints.USDC));
    const p = await preview(crashing, userId, { amount, token, label: "cold" });
    const r = await confirmWithCode(crashing, p.ctx, p.orderId);
    expect(r.text).toMatch(new RegExp(`^Sent to Solana - ${amount.replace(".", "\\.")} ${token} to cold, waiting for it to land`));
    expect(r.reply.tellsOrder).toBeUndefined();
    const stored = (await crashing.w.app.repos.orders.get(p.orderId))!;
    expect(stored.signature).toBeTruthy();
    expect(["signed", "sent"]).toContain(stored.status);
    await crashing.close();

    const restarted = await open(world, db, clock);
    await restarted.w.app.start({ poll: false, probeDeadlineMs: 100 });
    const after = (await restarted.w.app.repos.orders.get(p.orderId))!;
    expect(after.status).toBe("filled");
    expect(after.signature).toBe(stored.signature); // the same bytes, never re-signed
    expect(received()).toBe(units);
    expect(world.sol.landedBy(wallet)).toHaveLength(1);
    await restarted.w.app.start({ poll: false, probeDeadlineMs: 100 });
    expect(received()).toBe(units);
    expect(world.sol.landedBy(wallet)).toHaveLength(1);
    const pushes = await restarted.w.app.db.db.selectFrom("outbox").select(["platform", "chat_id", "dedupe_key"]).where("kind", "=", "trade.filled").execute();
    expect(pushes.map((x) => x.platform).sort()).toEqual(["discord", "telegram"]);
    expect(pushes.every((x) => x.dedupe_key.startsWith(`trade:${p.orderId}:trade.filled`))).toBe(true);
  });
});

describe("nothing secret reaches the logs", () => {
  it("a withdrawal confirmed with a real TOTP code (otpauth), a wrong code, a refusal: no code, key or secret in any line", async () => {
    const world = await sharedWorld();
    const clock = new FakeClock(Date.now());
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const log = createLogger({ level: "debug", destination });
    const totpSecret = new Secret({ size: 20 }).base32;
    const totp = new TOTP({ secret: Secret.fromBase32(totpSecret), digits: 6, period: 30 });
    const x = await open(world, await tempSqliteUrl(), clock, { log, twoFactor: new FakeTwoFactor(() => clock.now(), { totpSecret }) });
    const { userId } = await userWithWallet(x);
    const cold = newAddress();
    x.book.put(userId, "cold", cold.toBase58());
    const p = await preview(x, userId, { amount: "0.5", token: "SOL", label: "cold" });
    const code = totp.generate({ timestamp: clock.now() });
    const wrong = code === "918273" ? "918274" : "918273";
    await expect(confirmWithCode(x, p.ctx, p.orderId, wrong)).rejects.toThrow(/not right/);
    expect((await withdrawCodeHandler(p.ctx, p.orderId, code)).tellsOrder).toBe(p.orderId);
    expect(world.sol.solBalance(cold)).toBe(500_000_000n);
    // the same code again (a replay) is refused
    const q = await preview(x, userId, { amount: "0.1", token: "SOL", label: "cold" });
    await expect(confirmWithCode(x, q.ctx, q.orderId, code)).rejects.toThrow(/already used/);
    await expect(preview(x, userId, { amount: "9", token: "SOL", label: "cold" })).rejects.toThrow(/You have/);

    const row = (await x.w.app.db.db.selectFrom("wallets").select("encrypted_secret").executeTakeFirst())!;
    const walletSecret = await new AesKeyVault({ masterKey: MASTER_KEY }).reveal(row.encrypted_secret!);
    const all = lines.join("");
    expect(lines.length).toBeGreaterThan(0);
    expect(all).toContain(p.orderId); // the steps are logged (so the test can see what is)
    for (const secret of [totpSecret, MASTER_KEY, walletSecret, row.encrypted_secret!]) expect(all).not.toContain(secret);
    // codes are digits: never as a number of their own (amounts and times are longer runs of digits)
    for (const c of [code, wrong]) expect(all).not.toMatch(new RegExp(`(?<![0-9])${c}(?![0-9])`));
  });
});
