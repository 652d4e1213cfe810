import { randomBytes } from "node:crypto";
import { formatUtc } from "../../domain/format.js";
import { isLabel, labelKey, MAX_ADDRESSES_PER_USER, untilText } from "../../domain/withdraw-address.js";
import { RemoteError, UserError, isUserError } from "../../errors.js";
import type { AddressBookPort, AddressBookStore, AddressChecker, AddressFacts, PendingAddition } from "../../ports/address-book.port.js";
import type { ActionsPort } from "../../ports/actions.port.js";
import type { NewOutboxMessage } from "../../ports/alerts.port.js";
import type { AuditLog } from "../../ports/audit.port.js";
import type { Clock } from "../../ports/clock.port.js";
import type { KvStore } from "../../ports/kv.port.js";
import type { Logger } from "../../ports/logger.port.js";
import type { TwoFactorPort } from "../../ports/two-factor.port.js";
import type { WithdrawAddress, WithdrawFreeze } from "../../ports/withdrawals.port.js";
import type { PushEvent } from "../push-events.js";
import type { WithdrawBookEvent } from "./book-notices.js";

export interface AddressBookDeps {
  store: AddressBookStore;
  checker: AddressChecker;
  twoFactor: TwoFactorPort;
  actions: ActionsPort;
  /** The outbox rows of an announcement on every linked platform (Notifications.announcement). */
  notices: { announcement(userId: string, e: PushEvent): Promise<NewOutboxMessage[]> };
  kv: KvStore;
  audit: AuditLog;
  clock: Clock;
  log: Logger;
  /** The user's own Purser wallets (custodial and watch-only): never a withdrawal address. */
  ownAddresses(userId: string): Promise<string[]>;
  /** WITHDRAW_ADDRESS_DELAY_H in ms. */
  delayMs: number;
  maxPerUser?: number;
  /** How long a `/withdraw add` waits for its code (default 10 min). */
  pendingTtlMs?: number;
  /** How long "This wasn't me" can be pressed (default: the delay plus 7 days). */
  buttonTtlMs?: number;
}

const GLOBAL_KEY = "withdraw:global-freeze";
const pendingKey = (userId: string) => `withdraw:pending-add:${userId}`;
const newId = () => `wa_${randomBytes(9).toString("base64url")}`;

interface StoredPending extends PendingAddition {
  ref: string;
  expiresAt: number;
}

/** Why an address is refused, or the warning it is added with. */
function judge(facts: AddressFacts, address: string): { refuse: string } | { warning?: string } {
  switch (facts.kind) {
    case "invalid":
      return { refuse: `${address} is not a Solana address.` };
    case "off_curve":
      return { refuse: "That address is off the ed25519 curve (a program-derived address): no one holds a key for it, so funds sent there could be lost. Give a wallet address." };
    case "token_account":
      return { refuse: "That is a token account, not a wallet. Give the wallet address that owns it." };
    case "mint":
      return { refuse: "That is a token mint, not a wallet." };
    case "executable":
      return { refuse: "That is a program, not a wallet." };
    case "program_owned":
      return { warning: `the account is owned by the program ${facts.owner}, not a plain wallet: make sure that program (a multisig, an exchange) can move funds sent to it` };
    case "wallet":
      return {};
  }
}

/**
 * The withdrawal address book (issue 19). An address is added only with a 2FA code, after the chain
 * says it is a wallet (on-curve key, not a token account or mint, not the user's own Purser wallet),
 * and is usable only WITHDRAW_ADDRESS_DELAY_H later. Every addition is announced at once on every
 * platform the user linked, with a "This wasn't me" button that freezes all their withdrawals; the
 * announcement rows are written in the same transaction as the change. Every step is audited.
 */
export class AddressBookService implements AddressBookPort {
  private readonly max: number;

  constructor(private readonly d: AddressBookDeps) {
    this.max = d.maxPerUser ?? MAX_ADDRESSES_PER_USER;
  }

  get delayMs(): number {
    return this.d.delayMs;
  }

  private audit(userId: string | null, action: string, detail: Record<string, unknown>): Promise<void> {
    return this.d.audit.record({ at: this.d.clock.now(), userId, action, detail });
  }

  /** Everything an addition must pass, the code aside; the warning it is added with. */
  private async check(userId: string, label: string, address: string): Promise<{ warning?: string }> {
    if (!isLabel(label)) throw new UserError("bad_args", "A label is 1-32 characters: letters, digits, _ and -.", { label: label.slice(0, 40) });
    if (!(await this.d.twoFactor.enabled(userId))) throw new UserError("withdraw_needs_2fa", "Turn on 2FA first: /2fa setup");
    const frozen = await this.d.store.freezeOf(userId);
    if (frozen) throw this.frozenError({ frozen: true, by: "user", at: frozen.at });
    const book = await this.d.store.list(userId);
    const key = labelKey(label);
    if (book.some((a) => labelKey(a.label) === key)) throw new UserError("withdraw_address_exists", `You already have an address labelled ${label}. Remove it first: /withdraw remove ${label}`);
    const same = book.find((a) => a.address === address);
    if (same) throw new UserError("withdraw_address_exists", `That address is already in your book as ${same.label}.`);
    if (book.length >= this.max) throw new UserError("withdraw_address_limit", `You have ${this.max} addresses, the most allowed. Remove one first (/withdraw remove <label>).`);
    if ((await this.d.ownAddresses(userId)).includes(address)) {
      throw new UserError("withdraw_address_refused", "That is one of your own Purser wallets: withdraw to a wallet outside Purser.");
    }
    let facts: AddressFacts;
    try {
      facts = await this.d.checker.check(address);
    } catch (err) {
      if (isUserError(err)) throw err;
      this.d.log.warn({ err, user: userId }, "withdrawal address check failed");
      const retry = err instanceof RemoteError && !err.retryable ? "" : " Try again in a minute.";
      throw new UserError("withdraw_check_failed", `I could not check the address right now (the Solana node did not answer), so nothing was added.${retry}`);
    }
    const verdict = judge(facts, address);
    if ("refuse" in verdict) throw new UserError(facts.kind === "invalid" ? "bad_address" : "withdraw_address_refused", verdict.refuse, { kind: facts.kind });
    return verdict;
  }

  /** Runs a step, auditing a refusal (its code, never a 2FA code) before passing it on. */
  private async refusedAudited<T>(userId: string, action: string, detail: Record<string, unknown>, step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (err) {
      await this.audit(userId, `${action}.refused`, { ...detail, code: isUserError(err) ? err.code : "error" }).catch(() => undefined);
      throw err;
    }
  }

  async prepareAdd(userId: string, label: string, address: string): Promise<PendingAddition> {
    return this.refusedAudited(userId, "withdraw.address.add", { label, address }, async () => {
      const { warning } = await this.check(userId, label, address);
      const ttl = this.d.pendingTtlMs ?? 10 * 60_000;
      const pending: StoredPending = { ref: randomBytes(9).toString("base64url"), label, address, ...(warning ? { warning } : {}), expiresAt: this.d.clock.now() + ttl };
      await this.d.kv.set(pendingKey(userId), JSON.stringify(pending), this.d.clock.now());
      await this.d.twoFactor.expectCode(userId, { kind: "address_add", ref: pending.ref }, ttl);
      await this.audit(userId, "withdraw.address.pending", { label, address });
      return { label, address, ...(warning ? { warning } : {}) };
    });
  }

  async completeAdd(userId: string, ref: string, code: string): Promise<WithdrawAddress> {
    const raw = await this.d.kv.get(pendingKey(userId));
    let p: Partial<StoredPending> = {};
    try {
      p = raw ? (JSON.parse(raw) as Partial<StoredPending>) : {};
    } catch {
      p = {};
    }
    if (!p.ref || p.ref !== ref || !p.label || !p.address || (p.expiresAt ?? 0) <= this.d.clock.now()) {
      await this.audit(userId, "withdraw.address.add.refused", { code: "withdraw_code_expired" });
      throw new UserError("withdraw_code_expired", "No address is waiting for a code any more: run /withdraw add <label> <address> again.");
    }
    // One code, one try: the 2FA step was taken already.
    await this.d.kv.set(pendingKey(userId), "{}", this.d.clock.now());
    return this.add(userId, p.label, p.address, code);
  }

  async add(userId: string, label: string, address: string, code: string): Promise<WithdrawAddress> {
    return this.refusedAudited(userId, "withdraw.address.add", { label, address }, async () => {
      const { warning } = await this.check(userId, label, address);
      await this.d.twoFactor.verify(userId, code, "address_add");
      const now = this.d.clock.now();
      const a: WithdrawAddress = { id: newId(), userId, label, address, addedAt: now, usableAt: now + this.d.delayMs, ...(warning ? { warning } : {}) };
      const buttons = await this.d.actions.issue(
        userId,
        "withdraw",
        [{ label: "This wasn't me", action: "notme", payload: { id: a.id }, style: "danger" }],
        this.d.buttonTtlMs ?? this.d.delayMs + 7 * 86_400_000,
      );
      const rows = await this.d.notices.announcement(userId, this.event({ what: "added", id: a.id, userId, at: now, address: a, buttons }));
      const r = await this.d.store.insert(a, this.max, rows, now);
      if (r.kind === "exists") throw new UserError("withdraw_address_exists", `You already have an address labelled ${label}.`);
      if (r.kind === "full") throw new UserError("withdraw_address_limit", `You have ${this.max} addresses, the most allowed.`);
      await this.audit(userId, "withdraw.address.added", { id: a.id, label, address, usableAt: a.usableAt, ...(warning ? { warning } : {}), announced: rows.length });
      return a;
    });
  }

  private event(e: WithdrawBookEvent extends infer E ? (E extends unknown ? Omit<E, "type"> : never) : never): WithdrawBookEvent {
    return { type: "withdraw.book", ...e } as WithdrawBookEvent;
  }

  list(userId: string): Promise<WithdrawAddress[]> {
    return this.d.store.list(userId);
  }

  private async find(userId: string, label: string): Promise<WithdrawAddress> {
    const a = isLabel(label) ? await this.d.store.find(userId, label) : undefined;
    if (!a) throw new UserError("withdraw_address_unknown", `No address labelled ${label.slice(0, 32)} in your book. See /withdraw addresses.`);
    return a;
  }

  async remove(userId: string, label: string): Promise<WithdrawAddress> {
    return this.refusedAudited(userId, "withdraw.address.remove", { label }, async () => {
      const a = await this.find(userId, label);
      const now = this.d.clock.now();
      const rows = await this.notices(userId, this.event({ what: "removed", id: a.id, userId, at: now, address: a }));
      const n = await this.d.store.remove(userId, [a.id], rows, now);
      if (!n) throw new UserError("withdraw_address_unknown", `No address labelled ${label} in your book.`);
      await this.audit(userId, "withdraw.address.removed", { id: a.id, label: a.label, address: a.address });
      return a;
    });
  }

  /** Announcement rows, or none when the linked accounts cannot be read (a removal or a freeze must not wait on them). */
  private async notices(userId: string, e: WithdrawBookEvent): Promise<NewOutboxMessage[]> {
    try {
      return await this.d.notices.announcement(userId, e);
    } catch (err) {
      this.d.log.warn({ err, user: userId, what: e.what }, "withdrawal notice not planned: linked accounts unreadable");
      return [];
    }
  }

  async usable(userId: string, label: string): Promise<WithdrawAddress> {
    return this.refusedAudited(userId, "withdraw.address.use", { label }, async () => {
      const a = await this.find(userId, label);
      const state = await this.freezeState(userId);
      if (state.frozen) throw this.frozenError(state);
      const now = this.d.clock.now();
      if (now < a.usableAt) {
        throw new UserError(
          "withdraw_address_young",
          `${a.label} becomes usable at ${formatUtc(a.usableAt)} (in ${untilText(a.usableAt - now)}): a new address waits ${Math.round(this.d.delayMs / 3_600_000)} h before anything can be sent to it.`,
          { usableAt: a.usableAt },
        );
      }
      return a;
    });
  }

  private frozenError(s: WithdrawFreeze): UserError {
    if (s.by === "global") return new UserError("withdraw_frozen", "Withdrawals are frozen by the operator right now. Nothing can be withdrawn until they lift it.", { by: "global" });
    const since = s.at ? ` since ${formatUtc(s.at)}` : "";
    return new UserError("withdraw_frozen", `Your withdrawals are frozen${since}. Unfreeze with /withdraw unfreeze <2FA code>.`, { by: "user" });
  }

  async freeze(userId: string, reason: string): Promise<void> {
    const now = this.d.clock.now();
    const rows = await this.notices(userId, this.event({ what: "frozen", id: `${userId}:${now}`, userId, at: now, reason }));
    const fresh = await this.d.store.freeze(userId, { at: now, reason }, rows, now);
    await this.audit(userId, "withdraw.freeze", { reason, already: !fresh });
  }

  async unfreeze(userId: string, code: string): Promise<{ removed: WithdrawAddress[] }> {
    return this.refusedAudited(userId, "withdraw.unfreeze", {}, async () => {
      const f = await this.d.store.freezeOf(userId);
      if (!f) throw new UserError("bad_args", "Your withdrawals are not frozen.");
      await this.d.twoFactor.verify(userId, code, "withdraw");
      // What was still waiting out its delay when the freeze began may be the intruder's: it goes.
      const removed = (await this.d.store.list(userId)).filter((a) => a.usableAt > f.at);
      const now = this.d.clock.now();
      const rows = await this.notices(userId, this.event({ what: "unfrozen", id: `${userId}:${f.at}`, userId, at: now, removed }));
      if (!(await this.d.store.unfreeze(userId, removed.map((a) => a.id), rows, now))) throw new UserError("bad_args", "Your withdrawals are not frozen.");
      await this.audit(userId, "withdraw.unfreeze", { frozenAt: f.at, removed: removed.map((a) => ({ label: a.label, address: a.address })) });
      return { removed };
    });
  }

  async freezeState(userId: string): Promise<WithdrawFreeze> {
    const own = await this.d.store.freezeOf(userId);
    if (own) return { frozen: true, by: "user", at: own.at };
    const g = await this.globalFreeze();
    return g.on ? { frozen: true, by: "global", ...(g.at !== undefined ? { at: g.at } : {}) } : { frozen: false };
  }

  async globalFreeze(): Promise<{ on: boolean; at?: number; by?: string }> {
    const raw = await this.d.kv.get(GLOBAL_KEY);
    if (!raw) return { on: false };
    try {
      const v = JSON.parse(raw) as { on?: unknown; at?: unknown; by?: unknown };
      return { on: v.on === true, ...(typeof v.at === "number" ? { at: v.at } : {}), ...(typeof v.by === "string" ? { by: v.by } : {}) };
    } catch {
      // Unreadable: frozen is the safe reading.
      return { on: true };
    }
  }

  async setGlobalFreeze(on: boolean, adminId: string): Promise<void> {
    const now = this.d.clock.now();
    await this.d.kv.set(GLOBAL_KEY, JSON.stringify({ on, at: now, by: adminId }), now);
    await this.audit(adminId, on ? "withdraw.global_freeze" : "withdraw.global_unfreeze", { by: adminId });
  }
}
