import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { AuditLog } from "../../ports/audit.port.js";
import type { Clock } from "../../ports/clock.port.js";
import type { ApiScope, ApiTokenRow, SignIn, WebAccessPort, WebAuthStore, WebCaller } from "../../ports/web-access.port.js";

/** A sign-in link works once, within five minutes. */
export const LOGIN_LINK_TTL_MS = 5 * 60_000;
/** last_seen_at is written at most this often per session (not on every request). */
const TOUCH_EVERY_MS = 60_000;
const TOKEN_RE = /^pst_([a-f0-9]{12})_([A-Za-z0-9_-]{43})$/;

export const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
const secret = (bytes: number) => randomBytes(bytes).toString("base64url");

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, "hex");
  const y = Buffer.from(b, "hex");
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Who may use the web dashboard and the REST API (issue 21): one-time sign-in links issued from a
 * private chat, cookie sessions, and per-user API tokens with a scope. Every secret is random, shown
 * once, and stored as its sha256; every token is checked against the store on every request, so a
 * revocation takes effect at once.
 */
export class WebAccessService implements WebAccessPort {
  readonly baseUrl: string;

  constructor(
    private readonly deps: {
      store: WebAuthStore;
      audit: AuditLog;
      clock: Clock;
      baseUrl: string;
      sessionDays: number;
    },
  ) {
    this.baseUrl = deps.baseUrl.replace(/\/+$/, "");
  }

  async issueLoginLink(userId: string): Promise<{ url: string; expiresAt: number }> {
    const token = secret(32);
    const now = this.deps.clock.now();
    const expiresAt = now + LOGIN_LINK_TTL_MS;
    await this.deps.store.createLoginLink({ tokenHash: sha256(token), userId, now, expiresAt });
    await this.deps.audit.record({ at: now, userId, action: "web.link_issued" });
    return { url: `${this.baseUrl}/web/login?t=${token}`, expiresAt };
  }

  async signIn(token: string): Promise<SignIn> {
    const now = this.deps.clock.now();
    if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return { ok: false, reason: "unknown" };
    const used = await this.deps.store.consumeLoginLink(sha256(token), now);
    if (!used.ok) {
      await this.deps.audit.record({ at: now, platform: "web", action: "web.sign_in_refused", detail: { reason: used.reason } });
      return used;
    }
    const cookie = secret(32);
    const expiresAt = now + this.deps.sessionDays * 86_400_000;
    await this.deps.store.createSession({ idHash: sha256(cookie), userId: used.userId, now, expiresAt });
    await this.deps.audit.record({ at: now, userId: used.userId, platform: "web", action: "web.sign_in" });
    return { ok: true, userId: used.userId, cookie, expiresAt };
  }

  async session(cookie: string): Promise<WebCaller | undefined> {
    if (!cookie || cookie.length > 100) return undefined;
    const now = this.deps.clock.now();
    const idHash = sha256(cookie);
    const s = await this.deps.store.findSession(idHash, now);
    if (!s) return undefined;
    if (now - s.lastSeenAt >= TOUCH_EVERY_MS) await this.deps.store.touchSession(idHash, now);
    return { userId: s.userId, via: "session", scope: "trade" };
  }

  csrfToken(cookie: string): string {
    return createHmac("sha256", cookie).update("purser-csrf").digest("base64url");
  }

  async logout(cookie: string): Promise<void> {
    await this.deps.store.revokeSession(sha256(cookie), this.deps.clock.now());
  }

  async logoutAll(userId: string): Promise<number> {
    const now = this.deps.clock.now();
    const n = await this.deps.store.revokeSessions(userId, now);
    await this.deps.audit.record({ at: now, userId, action: "web.logout_all", detail: { sessions: n } });
    return n;
  }

  async createToken(userId: string, scope: ApiScope, label: string): Promise<{ id: string; token: string }> {
    const id = randomBytes(6).toString("hex");
    const token = `pst_${id}_${secret(32)}`;
    const now = this.deps.clock.now();
    await this.deps.store.createApiToken({ id, userId, tokenHash: sha256(token), scope, label, createdAt: now });
    await this.deps.audit.record({ at: now, userId, action: "api.token_created", detail: { id, scope, label } });
    return { id, token };
  }

  listTokens(userId: string): Promise<ApiTokenRow[]> {
    return this.deps.store.listApiTokens(userId);
  }

  async revokeToken(userId: string, id: string): Promise<boolean> {
    const now = this.deps.clock.now();
    const done = await this.deps.store.revokeApiToken(userId, id, now);
    if (done) await this.deps.audit.record({ at: now, userId, action: "api.token_revoked", detail: { id } });
    return done;
  }

  async verifyToken(raw: string): Promise<WebCaller | undefined> {
    const m = TOKEN_RE.exec(raw);
    if (!m) return undefined;
    const row = await this.deps.store.findApiToken(m[1]!);
    if (!row || row.revokedAt !== null || !sameHex(row.tokenHash, sha256(raw))) return undefined;
    const now = this.deps.clock.now();
    if (row.lastUsedAt === null || now - row.lastUsedAt >= TOUCH_EVERY_MS) await this.deps.store.touchApiToken(row.id, now);
    return { userId: row.userId, via: "token", scope: row.scope, tokenId: row.id };
  }
}
