/**
 * SolanaTokenSafetyReader.poolMints over the real @solana/web3.js Connection against the fake RPC holding
 * pool accounts as each DEX program writes them (tests/fakes/solana/pools.ts): the two mints of each
 * pool kind, and nothing for an account that is not a pool (wrong discriminator, size, owner, zeros).
 */
import { Keypair, PublicKey } from "@solana/web3.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POOL_LAYOUTS } from "../../adapters/solana/pool-mints.js";
import { SolanaTokenSafetyReader } from "../../adapters/solana/token-safety-reader.js";
import { RemoteError } from "../../core/errors.js";
import { POOL_SHAPES, poolAccountData, type PoolKind } from "../fakes/solana/pools.js";
import { startSolanaFake, type SolanaFake } from "../fakes/solana/rpc-server.js";

const KINDS = Object.keys(POOL_SHAPES) as PoolKind[];
const SOL = new PublicKey("So11111111111111111111111111111111111111112");

let fake: SolanaFake;
let reader: SolanaTokenSafetyReader;

beforeAll(async () => {
  fake = await startSolanaFake();
  reader = new SolanaTokenSafetyReader({ rpcUrl: fake.url, timeoutMs: 5_000 });
});
afterAll(async () => fake.close());

/** Writes `data` at a fresh address owned by `owner`. */
function put(owner: PublicKey, data: Uint8Array): string {
  const at = Keypair.generate().publicKey;
  fake.chain.setAccount(at, { lamports: fake.chain.rentExempt(data.length), owner, data, executable: false });
  return at.toBase58();
}

describe("SolanaTokenSafetyReader.poolMints", () => {
  it("knows every DEX the fake can build, and no other", () => {
    expect([...POOL_LAYOUTS.keys()].sort()).toEqual(KINDS.map((k) => POOL_SHAPES[k].program.toBase58()).sort());
  });

  it.each(KINDS)("reads a %s pool's two mints in the pool's order, with its program and DEX", async (kind) => {
    const token = Keypair.generate().publicKey;
    const pool = fake.createPool(kind, [token, SOL]);
    expect(await reader.poolMints(pool.toBase58())).toEqual({
      program: POOL_SHAPES[kind].program.toBase58(),
      dex: POOL_SHAPES[kind].dex,
      mints: [token.toBase58(), SOL.toBase58()],
    });
  });

  it.each(KINDS.filter((k) => POOL_SHAPES[k].account !== null))("a %s account with another discriminator is no pool", async (kind) => {
    const data = poolAccountData(kind, [Keypair.generate().publicKey, SOL]);
    data[0] = data[0]! ^ 0xff;
    expect(await reader.poolMints(put(POOL_SHAPES[kind].program, data))).toBeUndefined();
  });

  it.each(KINDS)("a %s account too short to hold both mints is no pool", async (kind) => {
    const data = poolAccountData(kind, [Keypair.generate().publicKey, SOL]);
    expect(await reader.poolMints(put(POOL_SHAPES[kind].program, data.subarray(0, 100)))).toBeUndefined();
  });

  it("a Raydium AMM v4 account of another size (the program's other account kinds) is no pool", async () => {
    const data = poolAccountData("raydiumAmmV4", [Keypair.generate().publicKey, SOL]);
    const longer = new Uint8Array(data.length + 8);
    longer.set(data);
    expect(await reader.poolMints(put(POOL_SHAPES.raydiumAmmV4.program, longer))).toBeUndefined();
  });

  it("garbage under a DEX program (zeros, or one mint twice) is no pool", async () => {
    const program = POOL_SHAPES.whirlpool.program;
    const zeros = poolAccountData("whirlpool", [PublicKey.default, PublicKey.default]);
    expect(await reader.poolMints(put(program, zeros))).toBeUndefined();
    const twice = poolAccountData("whirlpool", [SOL, SOL]);
    expect(await reader.poolMints(put(program, twice))).toBeUndefined();
  });

  it("a pool-shaped account under a program it does not know, a mint, a wallet or no account: undefined", async () => {
    const data = poolAccountData("pumpSwap", [Keypair.generate().publicKey, SOL]);
    expect(await reader.poolMints(put(Keypair.generate().publicKey, data))).toBeUndefined();
    const mint = fake.createMint(6);
    expect(await reader.poolMints(mint.toBase58())).toBeUndefined();
    const wallet = Keypair.generate().publicKey;
    fake.airdrop(wallet, 1_000_000_000n);
    expect(await reader.poolMints(wallet.toBase58())).toBeUndefined();
    expect(await reader.poolMints(Keypair.generate().publicKey.toBase58())).toBeUndefined();
  });

  it("text that is not an address is undefined without calling the node", async () => {
    const before = fake.calls.length;
    expect(await reader.poolMints("not-a-pool!")).toBeUndefined();
    expect(fake.calls.length).toBe(before);
  });

  it("an RPC failure is a RemoteError, not 'no pool'", async () => {
    const pool = fake.createPool("raydiumCpmm", [Keypair.generate().publicKey, SOL]);
    fake.failNext("getAccountInfo", { httpStatus: 503, body: "upstream unavailable" });
    const err = await reader.poolMints(pool.toBase58()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteError);
    expect((err as RemoteError).retryable).toBe(true);
  });
});
