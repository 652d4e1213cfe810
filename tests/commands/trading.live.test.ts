import { afterEach, describe, expect, it } from "vitest";
import { SolanaChain } from "../../adapters/solana/solana-chain.js";
import { silentLogger } from "../../core/ports/logger.port.js";
import type { Chain } from "../../core/ports/trading.port.js";
import { startSwapWorld, type SwapWorld } from "../fakes/solana/swap-harness.js";
import { FakeClock } from "../helpers/clock.js";
import { tempSqliteUrl } from "../helpers/databases.js";
import { MINTS, press, tradingWorld, USD, type TradingWorld } from "../helpers/trading-world.js";
import { PublicKey } from "@solana/web3.js";

const MASTER_KEY = "test-master-key-0123456789abcdefghijklmnop";
const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function sharedWorld(): Promise<SwapWorld> {
  const world = await startSwapWorld();
  world.sol.createMint(6, undefined, { address: MINTS.JUP });
  world.jup.setPrice(MINTS.JUP, USD.JUP!);
  cleanup.push(() => world.close());
  return world;
}

/** A live app on a shared world and database; `chain` lets a test inject crashes around sending. */
async function live(world: SwapWorld, db: string, clock: FakeClock, chain?: (real: Chain) => Chain): Promise<TradingWorld> {
  const real = new SolanaChain({ rpcUrl: world.sol.url, wsUrl: world.sol.wsUrl, log: silentLogger });
  const w = await tradingWorld({
    world,
    clock,
    env: { TRADING_MODE: "live", MASTER_KEY, DATABASE_URL: db },
    trading: { chain: chain ? chain(real) : real, confirmWaitMs: 1500 },
  });
  cleanup.push(() => w.close());
  return w;
}

async function fundedWallet(w: TradingWorld, userId = "42") {
  const r = await w.app.say("/wallet new", { id: userId });
  const address = /Your new wallet: (\w+)/.exec(r.text)?.[1];
  if (!address) throw new Error(`no wallet in: ${r.text}`);
  const pk = new PublicKey(address);
  w.world.sol.airdrop(pk, 2_000_000_000n);
  w.world.sol.mintTo(w.world.mints.USDC, pk, 500_000_000n);
  return pk;
}

describe("live trading on Solana (real @jup-ag/api and web3.js against Jupiter and LiteSVM fakes)", () => {
  it("a confirmed /buy really moves balances, once, with actual amounts recorded", async () => {
    const world = await sharedWorld();
    const w = await live(world, await tempSqliteUrl(), new FakeClock(Date.now()));
    const pk = await fundedWallet(w);
    const preview = await w.app.say("/buy SOL 15", { id: "42" });
    expect(preview.text).toMatch(/Mode\s+LIVE from/);
    expect(world.sol.tokenBalance(pk, world.mints.USDC)).toBe(500_000_000n); // nothing moved yet
    const confirm = press(preview, /^Confirm/);
    const filled = await w.app.press(confirm, { id: "42" });
    expect(filled.text).toMatch(/^Filled/);
    expect(filled.text).toMatch(/Paid\s+15 USDC/);
    expect(filled.text).toMatch(/Received\s+0\.1 SOL/);
    expect(filled.text).toMatch(/Transaction\s+https:\/\/solscan\.io\/tx\//);
    expect(world.sol.tokenBalance(pk, world.mints.USDC)).toBe(485_000_000n);
    const sol = world.sol.solBalance(pk);
    expect(sol).toBeGreaterThan(2_090_000_000n);
    // double and redelivered Confirm: nothing more moves
    await w.app.press(confirm, { id: "42" });
    await w.app.press(confirm, { id: "42", updateId: "again" });
    await w.app.press(confirm, { id: "42", updateId: "again" });
    expect(world.sol.tokenBalance(pk, world.mints.USDC)).toBe(485_000_000n);
    const bal = await w.app.say("/balance", { id: "42" });
    expect(bal.text).toMatch(/USDC\s+485 USDC/);
    expect(bal.text).toContain("Realised");
    expect((await w.app.say("/trades", { id: "42" })).text).toMatch(/buy 15 USDC -> 0\.1 SOL \(live, filled/);
  });

  it.each([
    ["extra-sol-transfer", /sends SOL|SOL to another/i],
    ["extra-token-transfer", /.+/],
    ["foreign-fee-payer", /fee payer/i],
    ["approve", /approv|delegate/i],
    ["set-authority", /authority/i],
    ["unknown-program", /not allowed/i],
  ] as const)("a swap transaction with %s is refused and nothing is signed or moved", async (kind, why) => {
    const world = await sharedWorld();
    const w = await live(world, await tempSqliteUrl(), new FakeClock(Date.now()));
    const pk = await fundedWallet(w);
    world.jup.setMalicious(kind);
    const before = world.sol.solBalance(pk);
    const sends = world.sol.callsTo("sendTransaction").length;
    const r = await w.app.press(press(await w.app.say("/buy SOL 15", { id: "42" }), /^Confirm/), { id: "42" });
    expect(r.text).toMatch(/^Refused: the swap transaction was unsafe/);
    expect(r.text).toMatch(why);
    expect(world.sol.callsTo("sendTransaction").length).toBe(sends);
    expect(world.sol.solBalance(pk)).toBe(before);
    expect(world.sol.tokenBalance(pk, world.mints.USDC)).toBe(500_000_000n);
    const audit = await w.app.services.audit.recent(5, "trade.refused");
    expect(audit).toHaveLength(1);
  });

  it("a crash after the signature is stored and before sending: reconciled at start-up, executed once", async () => {
    const world = await sharedWorld();
    const db = await tempSqliteUrl();
    const clock = new FakeClock(Date.now());
    const crashing = await live(world, db, clock, (real) => ({
      ...bind(real),
      send: async () => {
        throw new Error("process killed before send");
      },
    }));
    const pk = await fundedWallet(crashing);
    const r = await crashing.app.press(press(await crashing.app.say("/buy SOL 15", { id: "42" }), /^Confirm/), { id: "42" });
    expect(r.text).toMatch(/Sent to Solana|waiting/);
    const order = (await crashing.app.repos.orders.byUser(await userIdOf(crashing), 1))[0]!;
    expect(order.status).toBe("signed");
    expect(order.signature).toBeTruthy();
    expect(world.sol.tokenBalance(pk, world.mints.USDC)).toBe(500_000_000n);
    await crashing.app.close();

    const restarted = await live(world, db, clock);
    await restarted.app.start({ poll: false, probeDeadlineMs: 100 });
    const after = (await restarted.app.repos.orders.get(order.id))!;
    expect(after.status).toBe("filled");
    expect(after.signature).toBe(order.signature); // the same bytes, never re-signed
    expect(world.sol.tokenBalance(pk, world.mints.USDC)).toBe(485_000_000n);
    await restarted.app.start({ poll: false, probeDeadlineMs: 100 });
    expect(world.sol.tokenBalance(pk, world.mints.USDC)).toBe(485_000_000n);
  });

  it("a crash after sending and before confirmation: reconciled from the chain, executed once", async () => {
    const world = await sharedWorld();
    const db = await tempSqliteUrl();
    const clock = new FakeClock(Date.now());
    const crashing = await live(world, db, clock, (real) => ({
      ...bind(real),
      send: async (tx: string) => {
        await real.send(tx);
        throw new Error("process killed after send");
      },
    }));
    const pk = await fundedWallet(crashing);
    await crashing.app.press(press(await crashing.app.say("/buy SOL 30", { id: "42" }), /^Confirm/), { id: "42" });
    const order = (await crashing.app.repos.orders.byUser(await userIdOf(crashing), 1))[0]!;
    await crashing.app.close();
    const restarted = await live(world, db, clock);
    await restarted.app.start({ poll: false, probeDeadlineMs: 100 });
    const after = (await restarted.app.repos.orders.get(order.id))!;
    expect(after.status).toBe("filled");
    expect(after.filledIn).toBe(30_000_000n);
    expect(after.filledOut).toBe(200_000_000n);
    expect(world.sol.tokenBalance(pk, world.mints.USDC)).toBe(470_000_000n);
  });

  it("a process that loses its confirmed order to a takeover while signing never sends what it signed", async () => {
    const world = await sharedWorld();
    const db = await tempSqliteUrl();
    const clock = new FakeClock(Date.now());
    let app: TradingWorld["app"] | undefined;
    const w = await live(world, db, clock, (real) => ({
      ...bind(real),
      inspect: async (tx, expect) => {
        const r = await real.inspect(tx, expect);
        // Meanwhile another process's reconciliation closes the order as interrupted (TRADE_TAKEOVER_S passed).
        const [o] = (await app?.repos.orders.byStatus(["confirmed"])) ?? [];
        if (o) await app?.repos.orders.transition(o.id, ["confirmed"], "failed", { finalAt: clock.now(), error: "interrupted before signing; nothing was sent" });
        return r;
      },
    }));
    app = w.app;
    const pk = await fundedWallet(w);
    const sends = world.sol.callsTo("sendTransaction").length;
    const r = await w.app.press(press(await w.app.say("/buy SOL 15", { id: "42" }), /^Confirm/), { id: "42" });
    expect(r.text).toMatch(/^Already done: this order is/);
    expect(world.sol.callsTo("sendTransaction").length).toBe(sends);
    expect(world.sol.tokenBalance(pk, world.mints.USDC)).toBe(500_000_000n);
    const o = (await w.app.repos.orders.byUser(await userIdOf(w), 1))[0]!;
    expect(o.status).toBe("failed");
    expect(o.signature).toBeNull(); // the signed bytes were never stored, so nothing can send them later
  });

  it("a signed transaction that never lands expires after its blockhash, and nothing is re-signed", async () => {
    const world = await sharedWorld();
    const db = await tempSqliteUrl();
    const clock = new FakeClock(Date.now());
    const w = await live(world, db, clock, (real) => ({ ...bind(real), send: async () => "dropped" }));
    const pk = await fundedWallet(w);
    const first = await w.app.press(press(await w.app.say("/buy SOL 15", { id: "42" }), /^Confirm/), { id: "42" });
    expect(first.text).toMatch(/Sent to Solana/);
    world.sol.advanceBlocks(200);
    await w.app.close();
    const restarted = await live(world, db, clock, (real) => ({ ...bind(real), send: async () => "dropped" }));
    await restarted.app.start({ poll: false, probeDeadlineMs: 100 });
    const o = (await restarted.app.repos.orders.byUser(await userIdOf(restarted), 1))[0]!;
    expect(o.status).toBe("expired");
    expect(world.sol.tokenBalance(pk, world.mints.USDC)).toBe(500_000_000n);
  });

  it("/wallet new needs live mode and a master key; /wallet export only in private, behind a confirmation", async () => {
    const world = await sharedWorld();
    const w = await live(world, await tempSqliteUrl(), new FakeClock(Date.now()));
    const pk = await fundedWallet(w);
    expect((await w.app.say("/wallet export", { id: "42", chat: "group" })).text).toBe("/wallet export only works in a private chat with me.");
    const ask = await w.app.say("/wallet export", { id: "42" });
    expect(ask.text).toContain("Export the secret key of");
    expect((await w.app.press(press(ask, /Show my secret/), { id: "43" })).text).toBe("This is not your button.");
    const shown = await w.app.press(press(ask, /Show my secret/), { id: "42" });
    expect(shown.replies[0]!.deleteAfterS).toBe(60);
    const secret = /\n([1-9A-HJ-NP-Za-km-z]{80,90})\n/.exec(shown.text)?.[1];
    expect(secret).toBeTruthy();
    expect(shown.text).toContain(pk.toBase58());
    const rows = await w.app.db.db.selectFrom("wallets").select("encrypted_secret").execute();
    expect(JSON.stringify(rows)).not.toContain(secret!); // encrypted at rest
  });
});

describe("a live trade that fails before anything is signed says what failed and that nothing was sent", () => {
  const CHAIN_DOWN = "The Solana network could not be reached; nothing was sent. Try again in a minute.";

  it("with the Solana RPC down, /buy says so, and a Confirm pressed after it went down closes the order as failed", async () => {
    const world = await sharedWorld();
    const w = await live(world, await tempSqliteUrl(), new FakeClock(Date.now()));
    await fundedWallet(w);
    const preview = await w.app.say("/buy SOL 15", { id: "42" });
    expect(preview.text).toMatch(/Mode\s+LIVE from/);
    const sends = world.sol.callsTo("sendTransaction").length;
    await world.sol.close(); // the RPC is down: connections refused
    const buy = await w.app.say("/buy SOL 15", { id: "42" });
    expect(buy.text).toBe(CHAIN_DOWN);
    expect(buy.outcome).toBe("error");
    const confirmed = await w.app.press(press(preview, /^Confirm/), { id: "42" });
    expect(confirmed.text).toBe(CHAIN_DOWN);
    const [order] = await w.app.repos.orders.byUser(await userIdOf(w), 5);
    expect(order).toMatchObject({ status: "failed", error: CHAIN_DOWN, signature: null }); // not confirmed-unsent
    expect(world.sol.callsTo("sendTransaction").length).toBe(sends);
    expect((await w.app.press(press(preview, /^Confirm/), { id: "42" })).text).toBe("Already done: that button was used.");
  });

  it("a tampered wallet ciphertext: the key could not be decrypted, nothing was signed or sent, an admin should check MASTER_KEY", async () => {
    const world = await sharedWorld();
    const w = await live(world, await tempSqliteUrl(), new FakeClock(Date.now()));
    const pk = await fundedWallet(w);
    const preview = await w.app.say("/buy SOL 15", { id: "42" });
    const row = (await w.app.db.db.selectFrom("wallets").select(["id", "encrypted_secret"]).executeTakeFirst())!;
    const [v, address, blob] = row.encrypted_secret!.split(":") as [string, string, string];
    const flipped = blob.slice(0, 20) + (blob[20] === "A" ? "B" : "A") + blob.slice(21);
    await w.app.db.db.updateTable("wallets").set({ encrypted_secret: `${v}:${address}:${flipped}` }).where("id", "=", row.id).execute();
    const sends = world.sol.callsTo("sendTransaction").length;

    const r = await w.app.press(press(preview, /^Confirm/), { id: "42" });
    expect(r.text).toBe("Your wallet key could not be decrypted, so nothing was signed or sent. An admin should check MASTER_KEY.");
    expect(world.sol.callsTo("sendTransaction").length).toBe(sends);
    expect(world.sol.tokenBalance(pk, world.mints.USDC)).toBe(500_000_000n);
    const [order] = await w.app.repos.orders.byUser(await userIdOf(w), 5);
    expect(order).toMatchObject({ status: "failed", signature: null });
    const audit = await w.app.services.audit.recent(5, "wallet.key_unreadable");
    expect(audit).toHaveLength(1);
    expect(audit[0]!.detail).toMatchObject({ order: order!.id, wallet: pk.toBase58() });

    const ask = await w.app.say("/wallet export", { id: "42" });
    const shown = await w.app.press(press(ask, /Show my secret/), { id: "42" });
    expect(shown.text).toBe("Your wallet key could not be decrypted, so there is nothing to show. An admin should check MASTER_KEY.");
    expect(await w.app.services.audit.recent(5, "wallet.key_unreadable")).toHaveLength(2);
  });
});

/** A plain object whose methods call the real chain (so single methods can be overridden). */
function bind(real: Chain): Chain {
  return {
    balances: (o) => real.balances(o),
    inspect: (t, e) => real.inspect(t, e),
    send: (t) => real.send(t),
    status: (s, h) => real.status(s, h),
    blockHeight: () => real.blockHeight(),
    executed: (s, o) => real.executed(s, o),
  };
}

const userIdOf = async (w: TradingWorld) => (await w.app.repos.users.findByIdentity("telegram", "42"))!.user.id;
