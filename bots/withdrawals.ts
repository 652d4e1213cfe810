import type { AddressChecker } from "../core/ports/address-book.port.js";
import type { TwoFactorPort } from "../core/ports/two-factor.port.js";
import type { WithdrawAddressBook } from "../core/ports/withdrawals.port.js";
import { AddressBookService } from "../core/services/withdrawals/address-book.js";
import type { Services } from "./services.js";
import type { Clock } from "../core/ports/clock.port.js";
import type { Logger } from "../core/ports/logger.port.js";
import type { Repositories } from "../db/index.js";
import type { Config } from "./config.js";
import { lazyAdapter } from "./lazy.js";

/** The parts of the wiring (bots/wiring.ts) the book is built from. */
interface BookWiring {
  config: Config;
  clock: Clock;
  log: Logger;
  stores: { repos: Repositories };
}

/** What tests put in place of the outside parts of withdrawals. */
export interface WithdrawalOverrides {
  /** The 2FA service (until it is wired here, tests pass one; without one there is no address book). */
  twoFactor?: TwoFactorPort;
  /** The chain check of a withdrawal address (default: SOLANA_RPC_URL). */
  addressCheck?: AddressChecker;
  /** An address book in place of the real one (the withdrawal service's tests). */
  book?: WithdrawAddressBook;
}

/**
 * The withdrawal address book (issue 19) over the database, the chain check, 2FA, buttons and the
 * outbox (announcements on every linked platform). The withdrawal service (orders, transactions) is
 * built beside it and gets this book as `book`; until then `withdrawals` says withdrawals are off.
 */
export function buildAddressBook(w: BookWiring, services: Pick<Services, "actions" | "notifications">, twoFactor: TwoFactorPort, over: WithdrawalOverrides = {}): AddressBookService {
  const { config, clock, log } = w;
  const { repos } = w.stores;
  return new AddressBookService({
    store: repos.addressBook,
    checker:
      over.addressCheck ??
      lazyAdapter<AddressChecker>(async () => new (await import("../adapters/solana/address-check.js")).SolanaAddressChecker({ rpcUrl: config.SOLANA_RPC_URL }), { check: true }),
    twoFactor,
    actions: services.actions,
    notices: services.notifications,
    kv: repos.kv,
    audit: repos.audit,
    clock,
    log: log.child({ component: "withdraw-book" }),
    ownAddresses: async (userId) => (await repos.wallets.list(userId)).map((x) => x.address),
    delayMs: config.WITHDRAW_ADDRESS_DELAY_H * 3_600_000,
  });
}


/** Adds the address book (and the book-only withdrawals port) to the services when 2FA is there. */
export function addAddressBook(w: BookWiring, services: Services, twoFactor: TwoFactorPort | undefined, over: WithdrawalOverrides = {}): void {
  if (!twoFactor) {
    w.log.info({ component: "withdraw-book" }, "no 2FA service: the withdrawal address book is off");
    return;
  }
  const book = buildAddressBook(w, services, twoFactor, over);
  services.addressBook = book;
}
