import { TOKEN_2022_PROGRAM_ID } from "@solana/spl-token";
import { Keypair, PublicKey } from "@solana/web3.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { decideMention } from "../../adapters/twitter/mention-policy.js";
import { addressAddCodeHandler } from "../../commands/withdraw.book.js";
import withdraw from "../../commands/withdraw.command.js";
import { commands } from "../../commands/index.js";
import { isLlmTool } from "../../core/router/preconditions.js";
import type { Db } from "../../db/index.js";
import { commandContext } from "../helpers/command-context.js";
import { testDatabases, type TestDb } from "../helpers/databases.js";
import { createTokenAccountAt } from "../fakes/solana/tokens.js";
import { ALICE, withdrawWorld, type WithdrawWorld } from "../helpers/address-book-world.js";

/*
 * What may be added to the address book (checked on a LiteSVM-backed node through the real adapter),
 * the code step, the limits, and where /withdraw works at all.
 */

for (const target of testDatabases()) {
  describe.skipIf(target.skip)(`withdrawal address checks, ${target.name}${target.skip ? ` (skipped: ${target.skip})` : ""}`, () => {
    let t: TestDb;
    let db: Db;
    let w: WithdrawWorld;
    let uid: string;
    beforeEach(async () => {
      t = target.make();
      db = await t.open();
      w = await withdrawWorld(db);
      uid = await w.userOf(ALICE.id);
      w.tf.enable(uid, ...Array.from({ length: 40 }, (_, i) => String(100_000 + i)));
    });
    afterEach(async () => {
      await w.close();
      await t.cleanup();
    });

    let n = 0;
    const code = () => String(100_000 + n++);
    beforeEach(() => {
      n = 0;
    });
    const add = (label: string, address: string) => w.app.say(`/withdraw add ${label} ${address} ${code()}`, ALICE);
    const book = () => w.app.services.addressBook!;

    it("token accounts, mints, off-curve addresses, programs and the user's own wallets are refused, and nothing is added", async () => {
      const owner = w.wallet();
      const mint = w.sol.createMint(6);
      const mint22 = w.sol.createMint(9, TOKEN_2022_PROGRAM_ID);
      const tokenAccount = createTokenAccountAt(w.sol.chain, Keypair.generate().publicKey, mint, owner);
      const [pda] = PublicKey.findProgramAddressSync([Buffer.from("escrow")], new PublicKey("whirLbMiicVdio4qvUfM5KAg6Ct8VwpYzGff3uctyCc"));
      const watched = w.wallet().toBase58();
      expect((await w.app.say(`/wallet watch ${watched}`, ALICE)).text).toContain("Watching");
      const cases: Array<[string, RegExp]> = [
        [tokenAccount.toBase58(), /token account, not a wallet/],
        [mint.toBase58(), /token mint/],
        [mint22.toBase58(), /token mint/],
        [pda!.toBase58(), /off the ed25519 curve/],
        ["TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA", /a program, not a wallet/],
        [watched, /your own Purser wallets/],
        ["not-an-address", /not a Solana address/],
      ];
      for (const [address, why] of cases) expect((await add("x", address)).text, address).toMatch(why);
      expect(await book().list(uid)).toEqual([]);
      expect(await w.notices()).toEqual([]);
    });

    it("an account owned by another program is added with the warning shown, in the reply, the list and the announcement", async () => {
      const vault = Keypair.generate().publicKey;
      const program = new PublicKey("whirLbMiicVdio4qvUfM5KAg6Ct8VwpYzGff3uctyCc");
      w.sol.chain.setAccount(vault, { lamports: w.sol.chain.rentExempt(64), owner: program, data: Buffer.alloc(64), executable: false });
      const r = await add("vault", vault.toBase58());
      expect(r.text).toContain("Added vault");
      expect(r.text).toContain(`Warning: the account is owned by the program ${program.toBase58()}`);
      expect((await w.app.say("/withdraw addresses", ALICE)).text).toContain("warning: the account is owned by the program");
      expect(JSON.stringify((await w.notices())[0]?.reply)).toContain("Warning: ");
    });

    it("when the node cannot be asked, the addition is refused clearly and never added unchecked", async () => {
      w.sol.failNext("getAccountInfo", { httpStatus: 503, body: "unavailable" });
      const r = await add("cold", w.wallet().toBase58());
      expect(r.text).toContain("I could not check the address right now");
      expect(await book().list(uid)).toEqual([]);
      expect((await w.app.repos.audit.recent(5, "withdraw.address.add.refused"))[0]?.detail).toMatchObject({ code: "withdraw_check_failed" });
    });

    it("without a code the addition is checked first, then waits for the next code, which completes it once", async () => {
      const cold = w.wallet().toBase58();
      const asked = await w.app.say(`/withdraw add cold ${cold}`, ALICE);
      expect(asked.text).toContain("Send your 2FA code now");
      expect(await book().list(uid)).toEqual([]);
      const step = await w.tf.takeExpected(uid);
      expect(step).toMatchObject({ kind: "address_add" });
      const ctx = commandContext({ addressBook: book(), clock: w.app.clock }, { user: { id: uid, displayName: "alice", role: "user", createdAt: 0 } });
      const done = await addressAddCodeHandler(ctx, step!, code());
      expect(done.blocks.map((b) => JSON.stringify(b)).join(" ")).toContain(cold);
      expect((await book().list(uid)).map((a) => a.label)).toEqual(["cold"]);
      // The step is used: the same reference completes nothing again.
      await expect(addressAddCodeHandler(ctx, step!, code())).rejects.toMatchObject({ code: "withdraw_code_expired" });
      // A bad address is refused before any code is asked for.
      expect((await w.app.say(`/withdraw add hot ${w.sol.createMint(6).toBase58()}`, ALICE)).text).toContain("token mint");
      expect(await w.tf.takeExpected(uid)).toBeUndefined();
    });

    it("labels are 1-32 of a-z 0-9 _ -, unique per user in any case; one address once; at most 20", async () => {
      expect((await w.app.say(`/withdraw add b@d ${w.wallet().toBase58()} ${code()}`, ALICE)).text).toContain("A label is 1-32 characters");
      expect((await w.app.say(`/withdraw add ${"x".repeat(33)} ${w.wallet().toBase58()} ${code()}`, ALICE)).text).toContain("A label is 1-32 characters");
      const cold = w.wallet().toBase58();
      await add("Cold", cold);
      expect((await add("COLD", w.wallet().toBase58())).text).toContain("already have an address labelled COLD");
      expect((await add("again", cold)).text).toContain("already in your book as Cold");
      for (let i = 1; i < 17; i++) await book().add(uid, `a${i}`, w.wallet().toBase58(), code());
      // Six at once with room for three: exactly three get in.
      const race = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => book().add(uid, `r${i}`, w.wallet().toBase58(), code())));
      expect(race.filter((r) => r.status === "fulfilled")).toHaveLength(3);
      expect(race.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason.code)).toEqual(Array(3).fill("withdraw_address_limit"));
      expect(await book().list(uid)).toHaveLength(20);
      expect((await add("one-more", w.wallet().toBase58())).text).toContain("You have 20 addresses, the most allowed");
    });

    it("/withdraw works only in a private chat: in a group it is refused (and audited) before anything runs", async () => {
      const r = await w.app.say(`/withdraw add cold ${w.wallet().toBase58()} ${code()}`, { ...ALICE, chat: "group", chatId: "-100" });
      expect(r.text).toContain("only works in a private chat");
      expect(await book().list(uid)).toEqual([]);
      expect((await w.app.say("/withdraw addresses", { ...ALICE, chat: "group", chatId: "-100" })).text).toContain("only works in a private chat");
      expect((await w.app.repos.audit.recent(5, "auth.refused"))[0]?.detail).toMatchObject({ command: "withdraw", reason: "private_only" });
    });

    it("the send form is parsed and handed to the withdrawal preview; anything else gets the usage", async () => {
      expect((await w.app.say("/withdraw 1.5 SOL to cold", ALICE)).text).toContain("Withdrawals are off on this bot (the operator's WITHDRAWALS setting).");
      expect((await w.app.say("/withdraw all USDC cold", ALICE)).text).toContain("Withdrawals are off on this bot (the operator's WITHDRAWALS setting).");
      expect((await w.app.say("/withdraw 1.5 SOL", ALICE)).text).toContain("Use /withdraw <amount|all> <token> to <label>");
      expect((await w.app.say("/withdraw lots SOL to cold", ALICE)).text).toContain("Give an amount");
    });
  });
}

describe("/withdraw is never the model's and never public", () => {
  it("is no LLM tool, and needs a private chat", () => {
    expect(isLlmTool(withdraw)).toBe(false);
    expect(withdraw.scope).toBe("private");
  });

  it("a mention on X asking to withdraw (any form of the word) is refused and never routed", () => {
    const known = new Set(commands.flatMap((c) => [c.name, ...(c.aliases ?? [])]));
    const me = { id: "1000000000000000001", username: "PurserBot" };
    for (const text of ["@PurserBot withdraw 1 SOL to cold", "@PurserBot /withdrawal add cold 9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM", "@PurserBot withdrawals?", "@PurserBot /withdraw unfreeze 123456"]) {
      expect(decideMention({ text }, me, known), text).toEqual({ kind: "refuse" });
    }
  });
});
