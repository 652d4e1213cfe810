/**
 * Token cards over the real chain reader (SolanaTokenSafetyReader) and a local Solana RPC holding
 * real-shaped mints (s18-chain's fake node): each card shows exactly its flags.
 */
import { Keypair, PublicKey } from "@solana/web3.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SolanaTokenSafetyReader } from "../../adapters/solana/token-safety-reader.js";
import { mintFromPaste } from "../../core/domain/mint-paste.js";
import type { Token } from "../../core/domain/token.js";
import { UserError } from "../../core/errors.js";
import { silentLogger } from "../../core/ports/logger.port.js";
import { TokenCardService } from "../../core/services/token-card.service.js";
import { FakeClock } from "../helpers/clock.js";
import { startSolanaFake, type SolanaFake } from "../fakes/solana/rpc-server.js";
import { POOL_SHAPES, poolAccountData, type PoolKind } from "../fakes/solana/pools.js";
import { seedSafetyMints, type SafetyMintKey, type SafetyWorld } from "../fakes/solana/safety-mints.js";

const KEYS: SafetyMintKey[] = ["clean", "freezable", "feeDelegate", "concentrated", "mintable", "hooked"];

let fake: SolanaFake;
let world: SafetyWorld;
let cards: TokenCardService;

beforeAll(async () => {
  fake = await startSolanaFake();
  world = seedSafetyMints(fake);
  const clock = new FakeClock(world.now);
  cards = new TokenCardService({
    tokens: { resolve: (q: string) => Promise.reject(new UserError("unknown_token", `unknown ${q}`)) },
    market: { now: () => clock.now(), getPrice: (t: Token) => Promise.resolve({ mint: t.mint, usd: 1, source: "static", at: clock.now() }) },
    chain: new SolanaTokenSafetyReader({ rpcUrl: fake.url, timeoutMs: 5_000 }),
    info: { info: () => Promise.resolve(undefined) },
    clock,
    log: silentLogger,
    timeoutMs: 5_000,
  });
});
afterAll(async () => fake.close());

describe("token cards on a local Solana RPC", () => {
  it.each(KEYS)("the %s mint's card shows exactly its flags, and its top-10 share", async (key) => {
    const c = world.cases[key];
    const card = await cards.card(c.mint);
    expect(card.partial).toEqual([]);
    const shown = card.safety!.flags.map((f) => f.code);
    expect([...shown].sort()).toEqual([...c.flags].sort());
    expect(card.safety!.top10Pct).toBeCloseTo(c.top10Pct, 2);
  });

  it("an address that is not a mint is refused as bad_token", async () => {
    await expect(cards.card(world.notMints.wallet)).rejects.toMatchObject({ code: "bad_token" });
  });
});

describe("a DexScreener pair link pasted: the pool's token", () => {
  const POOL_KINDS = Object.keys(POOL_SHAPES) as PoolKind[];

  it.each(POOL_KINDS)("a %s pool's link gives the card of the token it trades, from that pool", async (kind) => {
    const pool = world.pools[kind];
    const query = mintFromPaste(`https://dexscreener.com/solana/${pool.address}`);
    expect(query).toBe(pool.address);
    const card = await cards.card(query!);
    const c = world.cases[pool.token];
    expect(card.mint).toBe(c.mint);
    expect(card.pool).toEqual({ address: pool.address, dex: POOL_SHAPES[kind].dex });
    expect(card.partial).toEqual([]);
    expect([...card.safety!.flags.map((f) => f.code)].sort()).toEqual([...c.flags].sort());
  });

  it("garbage under a DEX program, or a pool-shaped account under an unknown program, is the clear bad_token", async () => {
    const put = (owner: PublicKey, data: Uint8Array) => {
      const at = Keypair.generate().publicKey;
      fake.chain.setAccount(at, { lamports: fake.chain.rentExempt(data.length), owner, data, executable: false });
      return at.toBase58();
    };
    const garbage = put(POOL_SHAPES.raydiumAmmV4.program, new Uint8Array(752).fill(7));
    const stranger = put(Keypair.generate().publicKey, poolAccountData("pumpSwap", [new PublicKey(world.cases.clean.mint), Keypair.generate().publicKey]));
    for (const address of [garbage, stranger]) {
      const err = await cards.card(address).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: "bad_token" });
      expect((err as UserError).message).toBe(`${address} is not a token mint: the account is not owned by a token program`);
    }
  });
});
