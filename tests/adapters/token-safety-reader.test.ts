import {
  ExtensionType,
  TOKEN_2022_PROGRAM_ID,
  TransferFeeConfigLayout,
  getExtensionData,
  getTransferFeeConfig,
  unpackMint,
} from "@solana/spl-token";
import { PublicKey } from "@solana/web3.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SolanaTokenSafetyReader } from "../../adapters/solana/token-safety-reader.js";
import { RemoteError, UserError } from "../../core/errors.js";
import { startSolanaFake, type SolanaFake } from "../fakes/solana/rpc-server.js";
import { seedSafetyMints, type SafetyMintKey, type SafetyWorld } from "../fakes/solana/safety-mints.js";

const KEYS: SafetyMintKey[] = ["clean", "freezable", "feeDelegate", "concentrated", "mintable", "hooked"];
const caught = async (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e);

let fake: SolanaFake;
let world: SafetyWorld;
let reader: SolanaTokenSafetyReader;

beforeAll(async () => {
  fake = await startSolanaFake();
  world = seedSafetyMints(fake);
  reader = new SolanaTokenSafetyReader({ rpcUrl: fake.url, timeoutMs: 5_000 });
});
afterAll(async () => fake.close());

describe("SolanaTokenSafetyReader.mintFacts", () => {
  it.each(KEYS)("reads the %s mint's program, authorities, supply and extensions exactly", async (key) => {
    expect(await reader.mintFacts(world.cases[key].mint)).toEqual(world.cases[key].facts);
  });

  it("reports the transfer fee in force this epoch: the older one until the newer one's epoch comes", async () => {
    const mint = new PublicKey(world.cases.feeDelegate.mint);
    const original = fake.chain.getAccount(mint)!;
    const epoch = BigInt(Math.floor(fake.slot() / 432_000));
    const rewrite = (newerEpoch: bigint) => {
      const data = Buffer.from(original.data);
      const m = unpackMint(mint, { data, owner: TOKEN_2022_PROGRAM_ID, lamports: 1, executable: false }, TOKEN_2022_PROGRAM_ID);
      const config = getTransferFeeConfig(m)!;
      TransferFeeConfigLayout.encode(
        {
          ...config,
          olderTransferFee: { epoch: 0n, maximumFee: 10n, transferFeeBasisPoints: 100 },
          newerTransferFee: { epoch: newerEpoch, maximumFee: 99n, transferFeeBasisPoints: 900 },
        },
        getExtensionData(ExtensionType.TransferFeeConfig, m.tlvData)!,
      );
      fake.chain.setAccount(mint, { ...original, data });
    };
    try {
      rewrite(epoch + 1n);
      expect((await reader.mintFacts(mint.toBase58())).extensions.transferFee).toEqual({ bps: 100, maxFee: 10n });
      rewrite(epoch);
      expect((await reader.mintFacts(mint.toBase58())).extensions.transferFee).toEqual({ bps: 900, maxFee: 99n });
    } finally {
      fake.chain.setAccount(mint, original);
    }
  });

  it.each(["tokenAccount", "wallet", "missing"] as const)("refuses a %s as bad_token", async (which) => {
    const err = await caught(reader.mintFacts(world.notMints[which]));
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).code).toBe("bad_token");
  });

  it("refuses text that is not an address as bad_token without calling the node", async () => {
    const before = fake.calls.length;
    const err = await caught(reader.mintFacts("not-a-mint!"));
    expect((err as UserError).code).toBe("bad_token");
    expect(fake.calls.length).toBe(before);
  });
});

describe("SolanaTokenSafetyReader.largestHolders", () => {
  it.each(KEYS)("lists the %s mint's 20 largest accounts with owners, pools and burns marked", async (key) => {
    expect(await reader.largestHolders(world.cases[key].mint)).toEqual(world.cases[key].holders);
  });

  it("shows three wallets holding 90% once the pool and burn accounts are set aside", async () => {
    const { supply, largest } = await reader.largestHolders(world.cases.concentrated.mint);
    const counted = largest.filter((h) => h.excluded === null);
    expect(largest.filter((h) => h.excluded === "burn")).toHaveLength(1);
    expect(largest.filter((h) => h.excluded === "pool")).toHaveLength(2);
    expect(((counted[0]!.amount + counted[1]!.amount + counted[2]!.amount) * 100n) / supply).toBe(90n);
    expect(world.cases.concentrated.top10Pct).toBe(91);
  });

  it("marks vaults of pump.fun curves, Meteora DLMM pairs and the Raydium CPMM authority as pools, not an ordinary PDA", async () => {
    const mint = fake.createMint(6);
    const pdaOwnedBy = (program: string, seed: string) => {
      const [pda] = PublicKey.findProgramAddressSync([Buffer.from(seed), mint.toBuffer()], new PublicKey(program));
      fake.chain.setAccount(pda, { lamports: 2_000_000n, owner: new PublicKey(program), data: new Uint8Array(100), executable: false });
      return pda;
    };
    const curve = pdaOwnedBy("6EF8rrecthR5Dkzon8Nwu78hRvfCKubJ14M5uBEwF6P", "bonding-curve");
    const pair = pdaOwnedBy("LBUZKhRxPF3XUpBCjp4YzTKgLccjZhTSDM9YuVaPwxo", "lb_pair");
    const vault = pdaOwnedBy("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr", "vault"); // a PDA of a program that is no AMM
    const cpmm = new PublicKey("GpMZbSM2GgvTKHJirzeGfMFoaZ8UR2X7F4v8vHTvxFbL");
    fake.mintTo(mint, curve, 40n);
    fake.mintTo(mint, pair, 30n);
    fake.mintTo(mint, cpmm, 20n);
    fake.mintTo(mint, vault, 10n);
    const { largest } = await reader.largestHolders(mint.toBase58());
    expect(largest.map((h) => [h.owner, h.amount, h.excluded])).toEqual([
      [curve.toBase58(), 40n, "pool"],
      [pair.toBase58(), 30n, "pool"],
      [cpmm.toBase58(), 20n, "pool"],
      [vault.toBase58(), 10n, null],
    ]);
  });

  it("refuses a wallet address as bad_token", async () => {
    const err = await caught(reader.largestHolders(world.notMints.wallet));
    expect((err as UserError).code).toBe("bad_token");
  });
});

describe("SolanaTokenSafetyReader.firstActivity", () => {
  it.each(KEYS)("finds the %s mint's oldest transaction", async (key) => {
    expect(await reader.firstActivity(world.cases[key].mint)).toEqual(world.cases[key].age);
  });

  it("pages backwards with `before`, 1000 signatures a page, until a short page", async () => {
    const from = fake.calls.length;
    await reader.firstActivity(world.cases.clean.mint);
    const pages = fake.calls.slice(from).filter((c) => c.method === "getSignaturesForAddress");
    expect(world.cases.clean.signatures).toBe(2_500);
    expect(pages).toHaveLength(3);
    expect(pages.map((c) => (c.params as [string, { limit: number; before?: string }])[1].limit)).toEqual([1000, 1000, 1000]);
    expect((pages[0]!.params as [string, { before?: string }])[1].before).toBeUndefined();
    expect((pages[2]!.params as [string, { before?: string }])[1].before).toEqual(expect.any(String));
  });

  it("says 'at least this old' when it stops at its page limit", async () => {
    const short = new SolanaTokenSafetyReader({ rpcUrl: fake.url, maxSignaturePages: 2 });
    const mint = new PublicKey(world.cases.clean.mint);
    const all = fake.chain.history.all(mint.toBase58(), fake.chain.touching(mint));
    const age = await short.firstActivity(mint.toBase58());
    expect(age).toEqual({ firstSeenAt: all[1999]!.blockTime! * 1000, atLeast: true });
    expect(age.firstSeenAt!).toBeGreaterThan(world.cases.clean.age.firstSeenAt!);
  });

  it("knows nothing about an address with no transactions", async () => {
    expect(await reader.firstActivity(world.notMints.missing)).toEqual({ firstSeenAt: null, atLeast: false });
  });
});

describe("SolanaTokenSafetyReader when the node fails", () => {
  it("turns an HTTP 503 into a retryable RemoteError that does not show the endpoint's key", async () => {
    const keyed = new SolanaTokenSafetyReader({ rpcUrl: `${fake.url}/?api-key=sekrit-key-123` });
    fake.failNext("getAccountInfo", { httpStatus: 503, body: "upstream unavailable" });
    const err = await caught(keyed.mintFacts(world.cases.clean.mint));
    expect(err).toBeInstanceOf(RemoteError);
    expect((err as RemoteError).retryable).toBe(true);
    expect((err as RemoteError).message).not.toContain("sekrit");
  });

  it("turns a node that is behind into a retryable RemoteError", async () => {
    fake.failNext("getSignaturesForAddress", { rpcError: { code: -32005, message: "Node is behind by 42 slots" } });
    const err = await caught(reader.firstActivity(world.cases.clean.mint));
    expect(err).toBeInstanceOf(RemoteError);
    expect((err as RemoteError).retryable).toBe(true);
  });

  it("fails with a retryable RemoteError when the owners cannot be read", async () => {
    fake.failNext("getMultipleAccounts", { httpStatus: 429 });
    const err = await caught(reader.largestHolders(world.cases.concentrated.mint));
    expect((err as RemoteError).retryable).toBe(true);
  });

  it("turns a node that is down into a retryable RemoteError", async () => {
    const down = await startSolanaFake();
    const url = down.url;
    await down.close();
    const dead = new SolanaTokenSafetyReader({ rpcUrl: url, timeoutMs: 2_000 });
    for (const call of [dead.mintFacts(world.cases.clean.mint), dead.largestHolders(world.cases.clean.mint), dead.firstActivity(world.cases.clean.mint)]) {
      const err = await caught(call);
      expect(err).toBeInstanceOf(RemoteError);
      expect((err as RemoteError).retryable).toBe(true);
    }
  });
});
