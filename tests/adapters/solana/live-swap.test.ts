import { getAssociatedTokenAddressSync, TOKEN_PROGRAM_ID } from "@solana/spl-token";
import { PublicKey } from "@solana/web3.js";
import { afterEach, describe, expect, it } from "vitest";
import { AesKeyVault } from "../../../adapters/solana/key-vault.js";
import { SOL_MINT } from "../../../adapters/solana/solana-chain.js";
import type { Chain, SignatureState } from "../../../core/ports/trading.port.js";
import { startAdapters, swapTx, type Adapters } from "./world.js";

let current: Adapters | undefined;
afterEach(async () => {
  await current?.w.close();
  current = undefined;
});

const vault = new AesKeyVault({ masterKey: "live-swap-test-master-key-0123456789abcdef" });

async function landed(chain: Chain, sig: string): Promise<SignatureState> {
  for (let i = 0; i < 100; i++) {
    const s = await chain.status(sig, true);
    if (s.state === "landed") return s;
    await new Promise((r) => setTimeout(r, 20));
  }
  return chain.status(sig, true);
}

describe("a live swap through every adapter, with a vault-created wallet", () => {
  it("quote -> build -> inspect -> sign -> send -> landed -> executed deltas match the quote", async () => {
    const a = (current = await startAdapters());
    const { sol, mints } = a.w;
    const wallet = await vault.create();
    const owner = new PublicKey(wallet.address);
    sol.airdrop(owner, 2_000_000_000n);
    sol.mintTo(mints.USDC, owner, 50_000_000n);

    const s = await swapTx(a, mints.USDC, mints.T22, 20_000_000n, owner); // 20 USDC -> 40 T22
    expect(await a.chain.inspect(s.txBase64, s.expect)).toEqual({ ok: true });
    const { signedTxBase64, signature } = await vault.sign(wallet.encryptedSecret, s.txBase64);
    expect(await a.chain.send(signedTxBase64)).toBe(signature);
    expect(await landed(a.chain, signature)).toEqual({ state: "landed", ok: true });

    const ex = await a.chain.executed(signature, wallet.address);
    const rent = BigInt(await a.w.connection.getMinimumBalanceForRentExemption(170));
    expect(ex?.ok).toBe(true);
    expect(ex?.deltas.get(mints.USDC.toBase58())).toBe(-s.quote.inAmount);
    expect(ex?.deltas.get(mints.T22.toBase58())).toBe(s.quote.outAmount);
    expect(s.quote.outAmount).toBe(40_000_000_000n);
    expect(ex?.deltas.get(SOL_MINT)).toBe(-rent); // the new Token-2022 account's rent; the fee is apart
    expect(2_000_000_000n - sol.solBalance(owner)).toBe(rent + ex!.feeLamports);

    const b = await a.chain.balances(wallet.address);
    expect(b.tokens.find((t) => t.mint === mints.USDC.toBase58())?.amount).toBe(30_000_000n);
    expect(b.tokens.find((t) => t.mint === mints.T22.toBase58())?.amount).toBe(40_000_000_000n);
  });

  it("SOL out: the wrapped SOL is folded into SOL and the wallet keeps no WSOL account", async () => {
    const a = (current = await startAdapters());
    const { sol, mints } = a.w;
    const wallet = await vault.create();
    const owner = new PublicKey(wallet.address);
    sol.airdrop(owner, 100_000_000n);
    sol.mintTo(mints.USDC, owner, 300_000_000n);

    const s = await swapTx(a, mints.USDC, mints.SOL, 300_000_000n, owner); // 300 USDC -> 2 SOL
    expect(await a.chain.inspect(s.txBase64, s.expect)).toEqual({ ok: true });
    const { signedTxBase64, signature } = await vault.sign(wallet.encryptedSecret, s.txBase64);
    await a.chain.send(signedTxBase64);
    expect(await landed(a.chain, signature)).toEqual({ state: "landed", ok: true });
    const ex = await a.chain.executed(signature, wallet.address);
    expect(ex?.deltas).toEqual(
      new Map([
        [mints.USDC.toBase58(), -300_000_000n],
        [SOL_MINT, 2_000_000_000n],
      ]),
    );
    expect(sol.solBalance(owner)).toBe(100_000_000n + 2_000_000_000n - ex!.feeLamports);
    const wsol = getAssociatedTokenAddressSync(mints.SOL, owner, true, TOKEN_PROGRAM_ID);
    expect(sol.solBalance(wsol)).toBe(0n);
  });
});
