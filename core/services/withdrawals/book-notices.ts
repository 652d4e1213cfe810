import { formatUtc } from "../../domain/format.js";
import type { Button, Reply, Span } from "../../domain/message.js";
import type { WithdrawAddress } from "../../ports/withdrawals.port.js";

/**
 * What happened to a user's withdrawal address book, announced at once on every platform they linked
 * (never held by quiet hours): an addition carries the one-tap "This wasn't me" that freezes withdrawals.
 */
export type WithdrawBookEvent =
  | { type: "withdraw.book"; what: "added"; id: string; userId: string; at: number; address: WithdrawAddress; buttons: Button[] }
  | { type: "withdraw.book"; what: "removed"; id: string; userId: string; at: number; address: WithdrawAddress }
  | { type: "withdraw.book"; what: "frozen"; id: string; userId: string; at: number; reason: string }
  | { type: "withdraw.book"; what: "unfrozen"; id: string; userId: string; at: number; removed: WithdrawAddress[] };

const code = (text: string): Span => ({ text, style: "code" });
const bold = (text: string): Span => ({ text, style: "bold" });
const line = (...spans: Span[]): Reply["blocks"][number] => ({ type: "text", spans });

/** The announcement as a private Reply (platform-neutral; each adapter renders it). */
export function bookNoticeReply(e: WithdrawBookEvent): Reply {
  if (e.what === "added") {
    return {
      kind: "warning",
      private: true,
      blocks: [
        line(bold("Withdrawal address added: "), code(e.address.label), " ", code(e.address.address)),
        line(`Added ${formatUtc(e.at)}; withdrawals to it are possible from ${formatUtc(e.address.usableAt)}.`),
        ...(e.address.warning ? [line("Warning: ", e.address.warning)] : []),
        line("If this wasn't you, press the button: every withdrawal is frozen at once. Then secure your accounts and your 2FA app, and unfreeze with /withdraw unfreeze <2FA code>."),
      ],
      buttons: [e.buttons],
    };
  }
  if (e.what === "removed") {
    return {
      kind: "info",
      private: true,
      blocks: [line(bold("Withdrawal address removed: "), code(e.address.label), " ", code(e.address.address), ` (${formatUtc(e.at)}).`)],
    };
  }
  if (e.what === "frozen") {
    return {
      kind: "warning",
      private: true,
      blocks: [
        line(bold("Withdrawals frozen"), ` (${formatUtc(e.at)}): ${e.reason}.`),
        line("Nothing can be withdrawn until you unfreeze with /withdraw unfreeze <2FA code>; addresses still waiting out their delay are then removed."),
      ],
    };
  }
  const gone = e.removed.map((a) => a.label).join(", ");
  return {
    kind: "info",
    private: true,
    blocks: [
      line(bold("Withdrawals unfrozen"), ` (${formatUtc(e.at)}).`),
      ...(e.removed.length ? [line(`Removed because they were added shortly before the freeze: ${gone}.`)] : []),
    ],
  };
}

/** `withdraw:<event id>:<what>`: the same announcement never makes a second message. */
export const bookNoticeKey = (e: WithdrawBookEvent) => `withdraw:${e.id}:${e.what}`;
