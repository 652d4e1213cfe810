import { createHash, randomInt } from "node:crypto";
import type { LRUCache } from "lru-cache";
import { lru } from "./lru.js";
import { UserError } from "../errors.js";
import { identityKey, type Identity, type Platform, type Role, type User } from "../domain/identity.js";
import type { AuditLog } from "../ports/audit.port.js";
import type { IdentityInvalidations, IdentityPort, ResolvedUser, UserResolver } from "../ports/identity.port.js";
import type { Clock } from "../ports/clock.port.js";
import type { LinkCodeStore } from "../ports/link-codes.port.js";
import type { RateLimiter, RateLimiterFactory } from "../ports/rate-limit.port.js";
import type { UserRepository, UserWithIdentities } from "../ports/users.port.js";

export type { ResolvedUser } from "../ports/identity.port.js";

export const LINK_CODE_TTL_MS = 10 * 60_000;
/** Crockford-style alphabet: no 0/O, 1/I/L confusion. */
const CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
const CODE_LENGTH = 8;

export const hashLinkCode = (code: string) =>
  createHash("sha256").update(code.trim().toUpperCase()).digest("hex");

/**
 * Identity lookups kept in-process by default: a bounded LRU of about 1 KB an entry (measured: 990
 * bytes with its indexes), so up to ~95 MiB when 100,000 different senders wrote within the entries'
 * lifetime, nothing when idle. Sized for 100,000 active users: with 50,000, half the messages of
 * 100,000 users drawn at random missed and paid a database read (a miss costs ~10x a hit).
 */
export const IDENTITY_CACHE_MAX = 100_000;

interface Entry {
  at: number;
  value: UserWithIdentities;
  /** The answer handed out for this entry, made on the first hit (the role check included). */
  resolved?: ResolvedUser;
}

/**
 * Who is speaking: one user behind every linked platform identity, with roles.
 * Lookups are cached in-process (the hot path of every message) in a bounded LRU keyed by
 * platform:id: a flood of new senders evicts the least recently seen, never everyone. An entry
 * stays until something changes its answer: a /link evicts both users' identities, a role change
 * the user's; with several processes the eviction is also published (`invalidations`) to the
 * others. `cacheTtlMs` (unset: no expiry) is only a safety net for those deployments, where a
 * published eviction can be lost while Redis reconnects.
 */
export class IdentityService implements UserResolver, IdentityPort {
  private readonly cache: LRUCache<string, Entry>;
  /**
   * userId -> the cache keys of its identities, so an eviction by user costs its own entries only:
   * the one key itself for a user with one identity cached (nearly all), a Set beyond that.
   */
  private readonly byUser = new Map<string, string | Set<string>>();
  /** Bumped by every eviction: a lookup that raced one is answered but not cached. */
  private generation = 0;
  private readonly unsubscribe: () => void;
  private readonly linkAttempts: RateLimiter;
  private readonly linkIssues: RateLimiter;

  constructor(
    private readonly deps: {
      users: UserRepository;
      linkCodes: LinkCodeStore;
      audit: AuditLog;
      clock: Clock;
      limiters: RateLimiterFactory;
      /** `platform:id` keys from ADMIN_IDS (plus the local console user). */
      adminKeys: ReadonlySet<string>;
      /** Safety-net expiry for multi-process deployments; unset or 0: entries live until evicted. */
      cacheTtlMs?: number;
      cacheMax?: number;
      /** Evictions heard from and told to the other processes (Redis); absent with one process. */
      invalidations?: IdentityInvalidations;
    },
  ) {
    this.cache = lru<string, Entry>(deps.cacheMax ?? IDENTITY_CACHE_MAX, {
      dispose: (e, key) => this.unindex(e.value.user.id, key),
    });
    this.unsubscribe = deps.invalidations?.subscribe((ids) => this.forgetUsers(ids)) ?? (() => {});
    this.linkAttempts = deps.limiters.create("link-redeem", { points: 5, durationS: 600 });
    this.linkIssues = deps.limiters.create("link-issue", { points: 5, durationS: 600 });
  }

  resolveCached(platform: Platform, platformUserId: string, displayName: string): ResolvedUser | undefined {
    const found = this.cache.get(identityKey(platform, platformUserId));
    const ttl = this.deps.cacheTtlMs;
    if (!found || (ttl && this.deps.clock.now() - found.at > ttl)) return undefined;
    const { user, identity, identities } = found.value;
    if (displayName && identity.displayName !== displayName) return undefined; // resolve writes the new name
    return (found.resolved ??= { user, identity, identities, isAdmin: this.isAdmin(user, identities) });
  }

  async resolve(platform: Platform, platformUserId: string, displayName: string): Promise<ResolvedUser> {
    if (platform === "web") return this.resolveWeb(platformUserId);
    const key = identityKey(platform, platformUserId);
    const now = this.deps.clock.now();
    const ttl = this.deps.cacheTtlMs;
    let found = this.cache.get(key);
    if (!found || (ttl && now - found.at > ttl)) {
      const gen = this.generation;
      const value =
        (await this.deps.users.findByIdentity(platform, platformUserId)) ??
        (await this.deps.users.createWithIdentity({ platform, platformUserId, displayName, now }));
      found = { at: now, value };
      if (gen === this.generation) this.remember(key, found);
    }
    const { user, identity, identities } = found.value;
    if (displayName && identity.displayName !== displayName) {
      await this.deps.users.rename(platform, platformUserId, displayName);
      identity.displayName = displayName;
    }
    return { user, identity, identities, isAdmin: this.isAdmin(user, identities) };
  }

  /**
   * The web dashboard and API (issue 21) speak for a user already signed in: the sender id is Purser's
   * own user id (never a platform's), so it names that user and creates nothing. Read each time (a
   * primary-key lookup), so a role change or a link shows at once.
   */
  private async resolveWeb(userId: string): Promise<ResolvedUser> {
    const user = await this.deps.users.get(userId);
    if (!user) throw new Error("web sender is not a known user");
    const identities = await this.deps.users.identities(userId);
    const identity: Identity = { platform: "web", platformUserId: userId, userId, displayName: user.displayName, linkedAt: user.createdAt };
    return { user, identity, identities, isAdmin: this.isAdmin(user, identities) };
  }

  isAdmin(user: User, identities: Identity[]): boolean {
    if (user.role === "admin") return true;
    return identities.some((i) => this.deps.adminKeys.has(identityKey(i.platform, i.platformUserId)));
  }

  /** Issues a one-time link code valid for ten minutes. */
  async issueLinkCode(userId: string): Promise<{ code: string; expiresAt: number }> {
    const rl = await this.linkIssues.consume(userId);
    if (!rl.allowed) throw new UserError("rate_limited", "Too many link codes asked for; try again later.", rl);
    let code = "";
    for (let i = 0; i < CODE_LENGTH; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
    const now = this.deps.clock.now();
    const expiresAt = now + LINK_CODE_TTL_MS;
    await this.deps.linkCodes.create({ codeHash: hashLinkCode(code), userId, now, expiresAt });
    await this.deps.audit.record({ at: now, userId, action: "link.code_issued" });
    return { code, expiresAt };
  }

  /** Joins the presenting user's identities to the user that issued `code`. */
  async redeemLinkCode(presenter: ResolvedUser, rawCode: string): Promise<{ userId: string; identities: Identity[] }> {
    const rl = await this.linkAttempts.consume(presenter.user.id);
    if (!rl.allowed) {
      throw new UserError("rate_limited", "Too many link attempts; wait a few minutes and try again.", rl);
    }
    const code = rawCode.trim().toUpperCase();
    if (!/^[A-Z0-9]{4,16}$/.test(code)) throw new UserError("link_code_invalid", "That is not a link code.");
    const now = this.deps.clock.now();
    const hash = hashLinkCode(code);
    const target = await this.deps.linkCodes.owner(hash);
    if (target === presenter.user.id) {
      throw new UserError("link_same_user", "That code belongs to this account already: use it from another platform.");
    }
    if (target) {
      const targetIds = await this.deps.users.identities(target);
      const clash = presenter.identities.find((p) => targetIds.some((t) => t.platform === p.platform));
      if (clash) {
        throw new UserError(
          "link_platform_taken",
          `That account already has a ${clash.platform} identity; one identity per platform.`,
        );
      }
    }
    const used = await this.deps.linkCodes.consume(hash, presenter.user.id, now);
    if (!used.ok) {
      await this.deps.audit.record({
        at: now,
        userId: presenter.user.id,
        platform: presenter.identity.platform,
        action: "link.refused",
        detail: { reason: used.reason },
      });
      const text = {
        unknown: "That link code is not valid.",
        used: "That link code was already used. Ask for a new one with /link.",
        expired: "That link code has expired. Ask for a new one with /link.",
      }[used.reason];
      throw new UserError(`link_code_${used.reason}`, text);
    }
    await this.deps.users.merge(presenter.user.id, used.userId, now);
    await this.invalidate([presenter.user.id, used.userId]);
    await this.deps.audit.record({
      at: now,
      userId: used.userId,
      platform: presenter.identity.platform,
      action: "link.joined",
      detail: { from: presenter.user.id, identity: identityKey(presenter.identity.platform, presenter.identity.platformUserId) },
    });
    return { userId: used.userId, identities: await this.deps.users.identities(used.userId) };
  }

  /** Changes a user's role; every process sees it on the user's next message. */
  async setRole(userId: string, role: Role): Promise<void> {
    await this.deps.users.setRole(userId, role);
    await this.invalidate([userId]);
  }

  /** Evicts these users here at once, then tells the other processes (if any). */
  async invalidate(userIds: readonly string[]): Promise<void> {
    this.forgetUsers(userIds);
    await this.deps.invalidations?.publish(userIds);
  }

  /** Drops the cached lookups of every identity of `userId` (this process only). */
  forgetUser(userId: string): void {
    this.forgetUsers([userId]);
  }

  private forgetUsers(userIds: readonly string[]): void {
    this.generation++;
    for (const id of userIds) {
      const keys = this.byUser.get(id);
      for (const key of typeof keys === "string" ? [keys] : [...(keys ?? [])]) this.cache.delete(key);
    }
  }

  forget(): void {
    this.generation++;
    this.cache.clear();
  }

  /** How many lookups are cached (tests check the bound). */
  get cached(): number {
    return this.cache.size;
  }

  /** Stops hearing other processes' evictions. */
  close(): void {
    this.unsubscribe();
  }

  private remember(key: string, e: Entry) {
    this.cache.set(key, e);
    const id = e.value.user.id;
    const keys = this.byUser.get(id);
    if (keys === undefined || keys === key) this.byUser.set(id, key);
    else if (typeof keys === "string") this.byUser.set(id, new Set([keys, key]));
    else keys.add(key);
  }

  private unindex(userId: string, key: string) {
    const keys = this.byUser.get(userId);
    if (keys === undefined) return;
    if (typeof keys === "string") {
      if (keys === key) this.byUser.delete(userId);
      return;
    }
    keys.delete(key);
    if (!keys.size) this.byUser.delete(userId);
  }
}
