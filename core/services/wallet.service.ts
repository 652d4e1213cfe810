import { randomUUID } from "node:crypto";
import { UserError, WalletKeyError } from "../errors.js";
import type { AuditLog } from "../ports/audit.port.js";
import type { Clock } from "../ports/clock.port.js";
import type { Wallet, WalletStore } from "../ports/orders.port.js";
import type { WalletsPort } from "../ports/wallets.port.js";
import type { KeyVault } from "../ports/trading.port.js";

const MAX_WALLETS = 10;

/** Watch-only addresses and custodial keypairs (secrets only ever encrypted at rest). */
export class WalletService implements WalletsPort {
  constructor(
    private readonly d: {
      store: WalletStore;
      vault?: KeyVault;
      isAddress: (s: string) => boolean;
      audit: AuditLog;
      clock: Clock;
      mode: "paper" | "live";
    },
  ) {}

  list(userId: string): Promise<Wallet[]> {
    return this.d.store.list(userId);
  }

  async watch(userId: string, address: string): Promise<Wallet> {
    const a = address.trim();
    if (!this.d.isAddress(a)) throw new UserError("bad_address", "That is not a valid Solana address (base58 public key).");
    const have = await this.d.store.list(userId);
    if (have.some((w) => w.address === a)) throw new UserError("wallet_exists", "You already have that wallet.");
    if (have.length >= MAX_WALLETS) throw new UserError("wallet_limit", `You can have at most ${MAX_WALLETS} wallets.`);
    const w: Wallet = { id: randomUUID(), userId, address: a, kind: "watch", encryptedSecret: null, createdAt: this.d.clock.now() };
    await this.d.store.add(w);
    return w;
  }

  async create(userId: string): Promise<Wallet> {
    if (this.d.mode !== "live" || !this.d.vault) {
      throw new UserError("wallet_new_disabled", "New custodial wallets need TRADING_MODE=live and MASTER_KEY set by the operator.");
    }
    const have = await this.d.store.list(userId);
    if (have.some((w) => w.kind === "custodial")) throw new UserError("wallet_exists", "You already have a custodial wallet.");
    const { address, encryptedSecret } = await this.d.vault.create();
    const w: Wallet = { id: randomUUID(), userId, address, kind: "custodial", encryptedSecret, createdAt: this.d.clock.now() };
    await this.d.store.add(w);
    await this.d.audit.record({ at: w.createdAt, userId, action: "wallet.created", detail: { address } });
    return w;
  }

  /** The secret key in base58: only for the owner, only after confirmation (the command enforces both). */
  async reveal(userId: string, walletId: string): Promise<{ address: string; secret: string }> {
    const w = (await this.d.store.list(userId)).find((x) => x.id === walletId && x.kind === "custodial");
    if (!w?.encryptedSecret || !this.d.vault) throw new UserError("wallet_unknown", "No custodial wallet to export.");
    await this.d.audit.record({ at: this.d.clock.now(), userId, action: "wallet.exported", detail: { address: w.address } });
    try {
      return { address: w.address, secret: await this.d.vault.reveal(w.encryptedSecret) };
    } catch (err) {
      if (!(err instanceof WalletKeyError)) throw err;
      await this.d.audit.record({ at: this.d.clock.now(), userId, action: "wallet.key_unreadable", detail: { wallet: w.address, during: "export" } });
      throw new UserError("wallet_key_unreadable", "Your wallet key could not be decrypted, so there is nothing to show. An admin should check MASTER_KEY.");
    }
  }
}
