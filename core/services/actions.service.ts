import { randomBytes } from "node:crypto";
import { UserError } from "../errors.js";
import type { Button } from "../domain/message.js";
import type { ActionRecord, ActionTokenStore } from "../ports/action-tokens.port.js";
import type { ActionsPort, ButtonSpec } from "../ports/actions.port.js";
import type { Clock } from "../ports/clock.port.js";

export type { ButtonSpec } from "../ports/actions.port.js";

/** Opaque tokens fit Telegram's 64-byte callback_data and Discord's 100-char custom_id. */
const newToken = () => "a1." + randomBytes(15).toString("base64url");

/**
 * Buttons bound to the person who caused them. The platform sees only an opaque token; the
 * meaning (command, action, payload, owner, expiry) stays in the database. Buttons issued
 * together form a group: pressing one uses the whole group, once, across processes. A payload is
 * JSON read back untrusted: the router reads it with the zod schema the command declares for that
 * action (own keys only, nothing undeclared) before the command sees it.
 */
export class ActionService implements ActionsPort {
  constructor(private readonly deps: { store: ActionTokenStore; clock: Clock; defaultTtlMs?: number }) {}

  async issue(userId: string, command: string, specs: ButtonSpec[], ttlMs?: number): Promise<Button[]> {
    const now = this.deps.clock.now();
    const groupId = newToken();
    const expiresAt = now + (ttlMs ?? this.deps.defaultTtlMs ?? 15 * 60_000);
    const records: ActionRecord[] = specs.map((s) => ({
      token: newToken(),
      groupId,
      userId,
      command,
      action: s.action,
      payload: s.payload ?? null,
      expiresAt,
      usedAt: null,
    }));
    await this.deps.store.insert(records);
    return records.map((r, i) => {
      const spec = specs[i]!;
      return spec.style ? { label: spec.label, action: r.token, style: spec.style } : { label: spec.label, action: r.token };
    });
  }

  /**
   * Resolves a pressed token for `userId`. A stranger's press consumes nothing.
   * Throws UserError: action_unknown (forged), not_your_button, action_used, action_expired.
   */
  async use(token: string, userId: string): Promise<ActionRecord> {
    if (!/^a1\.[A-Za-z0-9_-]{10,40}$/.test(token)) throw new UserError("action_unknown", "That button is not valid.");
    const rec = await this.deps.store.get(token);
    if (!rec) throw new UserError("action_unknown", "That button is not valid (or is too old).");
    if (rec.userId !== userId) throw new UserError("not_your_button", "This is not your button.");
    if (rec.usedAt !== null) throw new UserError("action_used", "Already done: that button was used.");
    const now = this.deps.clock.now();
    if (rec.expiresAt <= now) throw new UserError("action_expired", "That button has expired; run the command again.");
    const mine = await this.deps.store.consumeGroup(rec.groupId, now);
    if (!mine) throw new UserError("action_used", "Already done: that button was used.");
    return rec;
  }
}
