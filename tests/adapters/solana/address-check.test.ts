import { TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID } from "@solana/spl-token";
import { Keypair, PublicKey } from "@solana/web3.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SolanaAddressChecker } from "../../../adapters/solana/address-check.js";
import { RemoteError } from "../../../core/errors.js";
import { startSolanaFake, type SolanaFake } from "../../fakes/solana/rpc-server.js";
import { createTokenAccountAt } from "../../fakes/solana/tokens.js";

/** Real accounts on the LiteSVM-backed node, read by the real adapter over JSON-RPC. */
let sol: SolanaFake;
let checker: SolanaAddressChecker;
const wallet = Keypair.generate().publicKey;
const tokenAccount = Keypair.generate().publicKey;
const token2022Account = Keypair.generate().publicKey;
const vault = Keypair.generate().publicKey;
const mint2022Ext = Keypair.generate().publicKey;
const someProgram = new PublicKey("whirLbMiicVdio4qvUfM5KAg6Ct8VwpYzGff3uctyCc");
let mint: PublicKey;
let mint2022: PublicKey;

beforeAll(async () => {
  sol = await startSolanaFake();
  checker = new SolanaAddressChecker({ rpcUrl: sol.url, timeoutMs: 5_000 });
  sol.airdrop(wallet, 2_000_000_000n);
  mint = sol.createMint(6);
  mint2022 = sol.createMint(6, TOKEN_2022_PROGRAM_ID);
  createTokenAccountAt(sol.chain, tokenAccount, mint, wallet);
  createTokenAccountAt(sol.chain, token2022Account, mint2022, wallet);
  // A Token-2022 mint with extensions: longer than a token account, its account-type byte says "mint".
  const data = Buffer.alloc(200);
  data[165] = 1;
  sol.chain.setAccount(mint2022Ext, { lamports: sol.chain.rentExempt(200), owner: TOKEN_2022_PROGRAM_ID, data, executable: false });
  // An account some other program owns (a pool, a multisig vault).
  sol.chain.setAccount(vault, { lamports: sol.chain.rentExempt(64), owner: someProgram, data: Buffer.alloc(64), executable: false });
});
afterAll(async () => sol.close());

describe("SolanaAddressChecker on the fake node", () => {
  it("a funded System-owned wallet is a wallet; a key never used yet is a wallet that does not exist yet", async () => {
    expect(await checker.check(wallet.toBase58())).toEqual({ kind: "wallet", exists: true });
    expect(await checker.check(Keypair.generate().publicKey.toBase58())).toEqual({ kind: "wallet", exists: false });
  });

  it("token accounts of SPL Token and Token-2022 are refused as token accounts", async () => {
    expect(await checker.check(tokenAccount.toBase58())).toEqual({ kind: "token_account", program: "spl-token" });
    expect(await checker.check(token2022Account.toBase58())).toEqual({ kind: "token_account", program: "token-2022" });
  });

  it("mints (plain, and Token-2022 with extensions) are mints", async () => {
    expect(await checker.check(mint.toBase58())).toEqual({ kind: "mint", program: "spl-token" });
    expect(await checker.check(mint2022.toBase58())).toEqual({ kind: "mint", program: "token-2022" });
    expect(await checker.check(mint2022Ext.toBase58())).toEqual({ kind: "mint", program: "token-2022" });
  });

  it("a program-derived address is off the curve, found without asking the node", async () => {
    const [pda] = PublicKey.findProgramAddressSync([Buffer.from("vault"), wallet.toBuffer()], someProgram);
    const before = sol.callsTo("getAccountInfo").length;
    expect(await checker.check(pda.toBase58())).toEqual({ kind: "off_curve" });
    // The associated token account of a wallet is a PDA too.
    const ata = sol.mintTo(mint, wallet, 5n);
    expect(await checker.check(ata.toBase58())).toEqual({ kind: "off_curve" });
    expect(sol.callsTo("getAccountInfo").length).toBe(before);
  });

  it("an account owned by another program is program-owned (its owner named); a program itself is executable", async () => {
    expect(await checker.check(vault.toBase58())).toEqual({ kind: "program_owned", owner: someProgram.toBase58() });
    expect(await checker.check(TOKEN_PROGRAM_ID.toBase58())).toEqual({ kind: "executable" });
  });

  it("anything but a base58 32-byte key is invalid", async () => {
    for (const bad of ["", "hello", "0OIl" + "1".repeat(40), "1".repeat(45), wallet.toBase58().slice(0, 30)]) {
      expect(await checker.check(bad)).toEqual({ kind: "invalid" });
    }
  });

  it("an RPC failure is a RemoteError naming the call, without the node's URL", async () => {
    sol.failNext("getAccountInfo", { httpStatus: 503, body: "unavailable" });
    const err = await checker.check(wallet.toBase58()).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteError);
    expect((err as RemoteError).message).not.toContain(sol.url);
    const down = new SolanaAddressChecker({ rpcUrl: "http://127.0.0.1:9", timeoutMs: 2_000 });
    await expect(down.check(wallet.toBase58())).rejects.toBeInstanceOf(RemoteError);
  });
});
