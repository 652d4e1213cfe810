import type { ChatKind, Platform } from "./identity.js";

export type { ChatKind, Platform } from "./identity.js";

/** What every adapter turns an incoming update into. */
export interface InboundMessage {
  platform: Platform;
  /** Platform update id: the idempotency key. A redelivered update carries the same id. */
  updateId: string;
  chat: { id: string; kind: ChatKind };
  sender: { id: string; name: string; isBot?: boolean };
  /** Message text ("" for a button press). */
  text: string;
  /** Opaque action token when the update is a button press. */
  action?: string;
  /** Platform id of the message this one replies to, if any. */
  replyTo?: string;
  /** True when the message explicitly mentions the bot (group @mention, X mention). */
  mentionsBot?: boolean;
  /**
   * The platform delivered this to this bot alone (a Discord interaction, an X mention the adapter
   * found addressed to us): a command in it is ours even without a `/cmd@bot` suffix. In a group
   * without it, only `/cmd@bot` names this bot: `/cmd` may be another bot's.
   */
  directed?: boolean;
  /** The bot's own username on this platform, so `/cmd@OtherBot` can be ignored. */
  botUsername?: string;
  /** When the platform says the message was sent. */
  sentAt?: Date;
}

/** Inline text span. */
export type Span =
  | string
  | { text: string; style: "bold" | "italic" | "code" }
  | { text: string; href: string };

export type Block =
  | { type: "text"; spans: Span[] }
  | { type: "table"; title?: string; rows: Array<[string, string]> }
  | { type: "code"; text: string }
  | { type: "image"; png: Uint8Array; caption?: string; alt: string };

export interface Button {
  label: string;
  /** Opaque single-use action token, issued by the action service. Never raw parameters. */
  action: string;
  style?: "primary" | "danger" | "secondary";
}

export type ReplyKind = "info" | "success" | "warning" | "error";

/** Platform-neutral reply; each adapter renders it its own way. */
export interface Reply {
  kind: ReplyKind;
  blocks: Block[];
  /** Rows of buttons. */
  buttons?: Button[][];
  /** Only the requester may see this (balances, wallets, trades): never posted in a group. */
  private?: boolean;
  /** A button result that reads better as an edit of the message that carried the button. */
  editsOriginal?: boolean;
  /** Ask the platform to delete the message after this many seconds, where it can. */
  deleteAfterS?: number;
  /**
   * The order whose outcome this reply tells: once it is delivered the order counts as told; an order
   * left untold (the process died first) has its outcome pushed by reconciliation.
   */
  tellsOrder?: string;
}
