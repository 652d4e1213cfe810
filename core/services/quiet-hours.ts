import type { Block, Reply } from "../domain/message.js";
import type { NewOutboxMessage } from "../ports/alerts.port.js";
import type { HeldPush, HeldPushStore, QuietHoursGate } from "../ports/held-pushes.port.js";
import type { Logger } from "../ports/logger.port.js";

/** Most lines one summary lists; the rest are counted. */
export const SUMMARY_MAX_LINES = 25;

const NOUNS: Record<string, [string, string]> = {
  alert: ["alert", "alerts"],
  "trade.filled": ["fill", "fills"],
  "trade.failed": ["failed trade", "failed trades"],
  "trade.expired": ["expired order", "expired orders"],
  "trade.refused": ["refused trade", "refused trades"],
  automation: ["automation update", "automation updates"],
};
const nounOf = (kind: string, n: number) => {
  const [one, many] = NOUNS[kind] ?? ["other message", "other messages"];
  return `${n} ${n === 1 ? one : many}`;
};

/** The first line a push says: its first text, or its first table row. */
function headline(r: Reply): string {
  for (const b of r.blocks) {
    if (b.type === "text") {
      const t = b.spans.map((s) => (typeof s === "string" ? s : s.text)).join("").trim();
      if (t) return t.split("\n")[0]!.slice(0, 200);
    }
    if (b.type === "table" && b.rows[0]) return `${b.rows[0][0]}: ${b.rows[0][1]}`.slice(0, 200);
  }
  return "";
}

/**
 * The one message a user gets when their quiet hours end: what was held, counted by kind
 * ("While you were away: 3 alerts, 1 fill"), then a line for each. Copies of one push to several of
 * the user's chats count once. It goes to the chat of the first held push itself (not a copy).
 */
export function quietSummary(userId: string, held: readonly HeldPush[]): NewOutboxMessage {
  const seen = new Set<string>();
  const pushes = held.filter((h) => {
    const base = h.dedupeKey.split(">")[0]!;
    if (seen.has(base)) return false;
    seen.add(base);
    return true;
  });
  const counts = new Map<string, number>();
  for (const p of pushes) counts.set(p.kind, (counts.get(p.kind) ?? 0) + 1);
  // Kinds in a fixed order (alerts, fills, other trade news, automations, the rest), pushes in the order they came.
  const rank = (k: string) => (k in NOUNS ? Object.keys(NOUNS).indexOf(k) : Object.keys(NOUNS).length);
  const kinds = [...counts].sort((a, b) => rank(a[0]) - rank(b[0]));
  const title = `While you were away: ${kinds.map(([k, n]) => nounOf(k, n)).join(", ")}`;
  const lines = pushes.slice(0, SUMMARY_MAX_LINES).map((p) => `• ${headline(p.reply) || nounOf(p.kind, 1)}`);
  if (pushes.length > SUMMARY_MAX_LINES) lines.push(`… and ${pushes.length - SUMMARY_MAX_LINES} more`);
  const blocks: Block[] = [
    { type: "text", spans: [{ text: title, style: "bold" }] },
    { type: "text", spans: [lines.join("\n")] },
  ];
  const first = held.find((h) => !h.dedupeKey.includes(">")) ?? held[0]!;
  const until = Math.max(...held.map((h) => h.until));
  return {
    dedupeKey: `quiet:${userId}:${until}:${held[0]!.id}`,
    kind: "quiet.summary",
    target: first.target,
    reply: { kind: "info", blocks },
  };
}

export interface QuietHoursDeps {
  gate: QuietHoursGate;
  held: HeldPushStore;
  log: Logger;
}

/** The dispatcher's part of quiet hours: which claimed pushes to hold, and the summaries of those whose hours ended. */
export class QuietHours {
  constructor(private readonly d: QuietHoursDeps) {}

  /** Writes one summary per user whose held pushes' quiet hours ended by `now`. Returns how many users were summarised. */
  async summariseDue(now: number, limit = 50): Promise<number> {
    let n = 0;
    for (const userId of await this.d.held.dueUsers(now, limit)) {
      const taken = await this.d.held.summarise(userId, now, (held) => quietSummary(userId, held));
      if (taken) {
        n++;
        this.d.log.info({ user: userId, held: taken }, "quiet hours over: summary of held pushes queued");
      }
    }
    return n;
  }

  /** Until when each user's pushes are held now (users whose settings say deliver are absent). */
  async holds(userIds: Iterable<string>, now: number): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    // One settings read per user of the round, side by side (the pool queues them).
    await Promise.all(
      [...new Set(userIds)].map(async (u) => {
        const until = await this.d.gate.holdUntil(u, now).catch((err: unknown) => {
          this.d.log.warn({ err, user: u }, "quiet hours not known: push delivered");
          return null;
        });
        if (until !== null) out.set(u, until);
      }),
    );
    return out;
  }

  hold(id: string, owner: string, until: number): Promise<boolean> {
    return this.d.held.hold(id, owner, until);
  }
}
