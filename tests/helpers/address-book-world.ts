import { Keypair, type PublicKey } from "@solana/web3.js";
import { SolanaAddressChecker } from "../../adapters/solana/address-check.js";
import type { Db } from "../../db/index.js";
import { decodeReply } from "../../db/repositories/outbox.repository.js";
import type { Reply } from "../../core/domain/message.js";
import { startSolanaFake, type SolanaFake } from "../fakes/solana/rpc-server.js";
import { makeTestApp, type TestApp } from "./app.js";
import { FakeTwoFactor } from "./two-factor.js";

/**
 * The address book's world: the whole app on a test database, a fake Solana node (LiteSVM) checked
 * by the real adapter, and a stand-in 2FA. Alice is telegram:1001 (linked to discord:2002 by `link()`);
 * the admin is telegram:9999.
 */
export interface WithdrawWorld {
  app: TestApp;
  sol: SolanaFake;
  tf: FakeTwoFactor;
  /** A funded System-owned wallet (a valid withdrawal address). */
  wallet: () => PublicKey;
  /** The user id behind a telegram account. */
  userOf(id: string, platform?: "telegram" | "discord"): Promise<string>;
  /** Links discord:2002 to telegram:1001 through /link. */
  link(): Promise<void>;
  /** The outbox rows announcing the address book's changes: target and reply. */
  notices(): Promise<Array<{ key: string; platform: string; chatId: string; reply: Reply }>>;
  close(): Promise<void>;
}

export const ALICE = { platform: "telegram" as const, id: "1001" };
export const ALICE_DISCORD = { platform: "discord" as const, id: "2002" };
export const ADMIN = { platform: "telegram" as const, id: "9999" };

export async function withdrawWorld(db: Db, opts: { env?: Record<string, string> } = {}): Promise<WithdrawWorld> {
  const sol = await startSolanaFake();
  const tf = new FakeTwoFactor();
  const app = await makeTestApp({
    db,
    env: { ADMIN_IDS: "telegram:9999", ...opts.env },
    withdrawals: { twoFactor: tf, addressCheck: new SolanaAddressChecker({ rpcUrl: sol.url, timeoutMs: 5_000 }) },
  });
  const userOf = async (id: string, platform: "telegram" | "discord" = "telegram") => (await app.services.identity.resolve(platform, id, `user${id}`)).user.id;
  return {
    app,
    sol,
    tf,
    wallet: () => {
      const k = Keypair.generate().publicKey;
      sol.airdrop(k, 1_000_000_000n);
      return k;
    },
    userOf,
    async link() {
      const r = await app.say("/link", ALICE);
      const code = /Your link code: (\S+)/.exec(r.text)?.[1];
      if (!code) throw new Error(`no link code in: ${r.text}`);
      const done = await app.say(`/link ${code}`, ALICE_DISCORD);
      if (!done.text.includes("Linked.")) throw new Error(`not linked: ${done.text}`);
    },
    async notices() {
      const rows = await db.db.selectFrom("outbox").select(["dedupe_key", "platform", "chat_id", "payload"]).where("dedupe_key", "like", "withdraw:%").orderBy("created_at").orderBy("dedupe_key").execute();
      return rows.map((r) => ({ key: r.dedupe_key, platform: r.platform, chatId: r.chat_id, reply: decodeReply(r.payload) }));
    },
    close: async () => {
      await app.close();
      await sol.close();
    },
  };
}
