import { Keypair, PublicKey } from "@solana/web3.js";
import { SolanaChain } from "../../adapters/solana/solana-chain.js";
import { SolanaWithdrawals } from "../../adapters/solana/withdraw-tx.js";
import { withdrawCodeHandler, withdrawSendActions, previewWithdrawal } from "../../commands/withdraw.send.js";
import { silentLogger, type Logger } from "../../core/ports/logger.port.js";
import type { Chain, KeyVault } from "../../core/ports/trading.port.js";
import type { WithdrawChain } from "../../core/ports/withdraw-tx.port.js";
import type { WithdrawRequest } from "../../core/ports/withdrawals.port.js";
import { plainText } from "../../core/router/reply.js";
import type { Reply } from "../../core/router/message.js";
import type { SwapWorld } from "../fakes/solana/swap-harness.js";
import type { FakeClock } from "./clock.js";
import { commandContext } from "./command-context.js";
import { tradingWorld, type TradingWorld } from "./trading-world.js";
import { FakeAddressBook, FakeTwoFactor, GOOD_CODE } from "./withdrawals.js";

export const MASTER_KEY = "test-master-key-0123456789abcdefghijklmnop";

/** A Purser wired for withdrawals on the LiteSVM world, with a fake address book and 2FA, and its user. */
export interface WithdrawWorld {
  w: TradingWorld;
  book: FakeAddressBook;
  twoFactor: FakeTwoFactor;
  close(): Promise<void>;
}

export interface WithdrawWorldOptions {
  env?: Record<string, string>;
  /** Wraps the real chain (a crash around sending). */
  chain?: (real: Chain) => Chain;
  /** Wraps the real withdrawal builder (a tampered transaction). */
  withdrawTx?: (real: SolanaWithdrawals) => WithdrawChain;
  vault?: KeyVault;
  log?: Logger;
  twoFactor?: FakeTwoFactor;
}

export async function withdrawWorld(world: SwapWorld, db: string, clock: FakeClock, o: WithdrawWorldOptions = {}): Promise<WithdrawWorld> {
  const log = o.log ?? silentLogger;
  const real = new SolanaChain({ rpcUrl: world.sol.url, wsUrl: world.sol.wsUrl, log });
  const realTx = new SolanaWithdrawals({ rpcUrl: world.sol.url, maxPriorityFeeLamports: 1_000_000, log });
  const book = new FakeAddressBook(() => clock.now());
  const twoFactor = o.twoFactor ?? new FakeTwoFactor(() => clock.now());
  const w = await tradingWorld({
    world,
    clock,
    env: { TRADING_MODE: "live", MASTER_KEY, DATABASE_URL: db, WITHDRAWALS: "on", ...o.env },
    trading: {
      chain: o.chain ? o.chain(real) : real,
      withdrawTx: o.withdrawTx ? o.withdrawTx(realTx) : realTx,
      confirmWaitMs: 1500,
      ...(o.vault ? { vault: o.vault } : {}),
    },
    withdrawals: { book, twoFactor },
    log,
  });
  return { w, book, twoFactor, close: () => w.close() };
}

/** The user "42" on Telegram: their custodial wallet (funded with SOL and USDC in live mode). */
export async function userWithWallet(x: WithdrawWorld, fund = true): Promise<{ userId: string; wallet: PublicKey }> {
  const r = await x.w.app.say("/wallet new", { id: "42" });
  const address = /Your new wallet: (\w+)/.exec(r.text)?.[1];
  const userId = (await x.w.app.repos.users.findByIdentity("telegram", "42"))!.user.id;
  if (!address) return { userId, wallet: PublicKey.default };
  const wallet = new PublicKey(address);
  if (fund) {
    x.w.world.sol.airdrop(wallet, 2_000_000_000n);
    x.w.world.sol.mintTo(x.w.world.mints.USDC, wallet, 500_000_000n);
  }
  return { userId, wallet };
}

export const newAddress = () => Keypair.generate().publicKey;

/** The /withdraw command's context for the user (telegram, private chat 42), from the app's services. */
export function withdrawCtx(x: WithdrawWorld, userId: string) {
  const s = x.w.app.services;
  return commandContext(
    { withdrawals: s.withdrawals!, twoFactor: x.twoFactor, clock: s.clock, info: s.info },
    {
      user: { id: userId, displayName: "alice", role: "user", createdAt: 0 },
      msg: { platform: "telegram", updateId: "1", chat: { id: "42", kind: "private" }, sender: { id: "42", name: "alice" }, text: "" },
    },
  );
}

export type WithdrawCtx = ReturnType<typeof withdrawCtx>;

/** /withdraw <amount> <token> to <label>: the preview's text and its order. */
export async function preview(x: WithdrawWorld, userId: string, req: WithdrawRequest): Promise<{ ctx: WithdrawCtx; text: string; orderId: string; reply: Reply }> {
  const ctx = withdrawCtx(x, userId);
  const reply = await previewWithdrawal(ctx, req);
  const spec = ctx.issued.specs.find((s) => s.action === "withdrawConfirm");
  const orderId = (spec?.payload as { orderId?: string } | undefined)?.orderId;
  if (!orderId) throw new Error(`no Confirm in: ${plainText(reply)}`);
  return { ctx, text: plainText(reply), orderId, reply };
}

/** Presses Confirm (which asks for the code), then sends the code as the 2FA step's handler would. */
export async function confirmWithCode(x: WithdrawWorld, ctx: WithdrawCtx, orderId: string, code = GOOD_CODE): Promise<{ asked: string; reply: Reply; text: string }> {
  const asked = plainText(await withdrawSendActions.withdrawConfirm.run(ctx, { orderId }));
  const step = await x.twoFactor.takeExpected(ctx.user.id);
  if (!step) throw new Error(`no code asked for: ${asked}`);
  const reply = await withdrawCodeHandler(ctx, step, code);
  return { asked, reply, text: plainText(reply) };
}

/** A plain object whose methods call the real chain (so single methods can be overridden). */
export function bindChain(real: Chain): Chain {
  return {
    balances: (o) => real.balances(o),
    inspect: (t, e) => real.inspect(t, e),
    send: (t) => real.send(t),
    status: (s, h) => real.status(s, h),
    blockHeight: () => real.blockHeight(),
    executed: (s, o) => real.executed(s, o),
  };
}
