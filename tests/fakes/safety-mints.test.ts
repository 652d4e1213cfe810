import { PublicKey } from "@solana/web3.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSolanaFake, type SolanaFake } from "./solana/rpc-server.js";
import { seedSafetyMints, type SafetyWorld } from "./solana/safety-mints.js";

// The fake node's answers for the safety checks, read by the real web3.js Connection.
let fake: SolanaFake;
let world: SafetyWorld;
beforeAll(async () => {
  fake = await startSolanaFake();
  world = seedSafetyMints(fake);
});
afterAll(async () => fake.close());

describe("fake Solana node: token-safety methods", () => {
  it("answers getTokenLargestAccounts with at most 20 accounts, largest first, in the RPC's shape", async () => {
    const res = await fake.connection().getTokenLargestAccounts(new PublicKey(world.cases.clean.mint));
    expect(res.value).toHaveLength(20);
    expect(res.value[0]).toMatchObject({ amount: "200000000", decimals: 6, uiAmount: 200, uiAmountString: "200" });
    expect(res.value.map((a) => BigInt(a.amount))).toEqual([...res.value.map((a) => BigInt(a.amount))].sort((a, b) => (a > b ? -1 : 1)));
  });

  it("refuses getTokenLargestAccounts for a token account, as a node does", async () => {
    await expect(fake.connection().getTokenLargestAccounts(new PublicKey(world.notMints.tokenAccount))).rejects.toMatchObject({
      code: -32602,
    });
  });

  it("parses the Token-2022 mints the real program created as mints with jsonParsed", async () => {
    const info = await fake.connection().getParsedAccountInfo(new PublicKey(world.cases.feeDelegate.mint));
    expect(info.value?.owner.toBase58()).toBe("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb");
    expect((info.value?.data as { parsed: { type: string; info: { supply: string } } }).parsed).toMatchObject({
      type: "mint",
      info: { supply: world.cases.feeDelegate.facts.supply.toString() },
    });
  });

  it("pages getSignaturesForAddress newest first with before and until, and caps the limit at 1000", async () => {
    const conn = fake.connection();
    const mint = new PublicKey(world.cases.clean.mint);
    const first = await conn.getSignaturesForAddress(mint, { limit: 10 });
    expect(first).toHaveLength(10);
    expect(first.map((s) => s.slot)).toEqual([...first.map((s) => s.slot)].sort((a, b) => b - a));
    const next = await conn.getSignaturesForAddress(mint, { limit: 10, before: first[9]!.signature });
    expect(next[0]!.slot).toBeLessThan(first[9]!.slot);
    const between = await conn.getSignaturesForAddress(mint, { before: first[0]!.signature, until: first[5]!.signature });
    expect(between.map((s) => s.signature)).toEqual(first.slice(1, 5).map((s) => s.signature));
    await expect(conn.getSignaturesForAddress(mint, { limit: 1001 })).rejects.toThrow(/Invalid limit/);
  });

  it("lists a transaction that created a mint among the mint's signatures, beside the seeded history", async () => {
    const all = await fake.connection().getSignaturesForAddress(new PublicKey(world.cases.feeDelegate.mint));
    expect(all).toHaveLength(world.cases.feeDelegate.signatures);
    expect(all[0]!.confirmationStatus).toBe("confirmed");
    expect(all.at(-1)!.blockTime! * 1000).toBe(world.cases.feeDelegate.age.firstSeenAt);
  });
});
