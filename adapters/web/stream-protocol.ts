import { z } from "zod";
import { plainAmount } from "../../core/domain/money.js";
import type { Order } from "../../core/domain/order.js";
import type { PriceTick } from "../../core/domain/price.js";
import type { PushEvent } from "../../core/services/notifications.service.js";

/**
 * The wire protocol of `/api/v1/stream` (JSON text frames).
 *
 * Client -> server:
 *   {type:"auth", token}                       first message, when the upgrade carried no credentials (`?auth=message`)
 *   {type:"subscribe", prices:["SOL",...]}     price ticks of these symbols from now on (the last known one at once)
 *   {type:"unsubscribe", prices:["SOL",...]}   no more ticks of these
 *   {type:"pong"}                              answer to a ping (any message counts)
 * Server -> client:
 *   {type:"ready", userId}                     authenticated: the user's own events follow from now on
 *   {type:"subscribed", prices:[...]}          every symbol subscribed after the request (also after unsubscribe)
 *   {type:"price", symbol, priceUsd, at, source}
 *   {type:"event", event:{ kind:"fill"|"order"|"alert"|"automation", ... }}   only the user's own
 *   {type:"ping"}                              every 20 s; no message back for two pings: closed
 *   {type:"error", error, message}             a message that was not understood (the connection stays)
 * Close codes: 1001 server shutting down, 1008 policy (bad origin, too many subscriptions), 1013 too
 * slow (more than 1 MiB waiting to be sent: dropped, not buffered), 4401 not authenticated (no or a bad
 * `auth` message in time, or the session or token was revoked), 4408 heartbeat missed, 4429 too many
 * connections for this user.
 */

const symbols = z.array(z.string().trim().min(1).max(32)).max(100);

export const clientMessage = z.discriminatedUnion("type", [
  z.object({ type: z.literal("auth"), token: z.string().min(1).max(512) }),
  z.object({ type: z.literal("subscribe"), prices: symbols }),
  z.object({ type: z.literal("unsubscribe"), prices: symbols }),
  z.object({ type: z.literal("pong") }),
]);
export type ClientMessage = z.infer<typeof clientMessage>;

/** A message parsed, or why not (the error frame's code and text). */
export function parseClientMessage(data: string): { ok: true; msg: ClientMessage } | { ok: false; message: string } {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return { ok: false, message: "not JSON" };
  }
  const r = clientMessage.safeParse(json);
  if (!r.success) return { ok: false, message: r.error.issues.map((i) => `${i.path.join(".") || "message"}: ${i.message}`).join("; ") };
  return { ok: true, msg: r.data };
}

export const normalSymbol = (s: string): string => s.trim().toUpperCase();

/** One tick's frame: made once and sent as the same bytes to every subscriber. */
export function priceFrame(t: PriceTick): Buffer {
  return Buffer.from(JSON.stringify({ type: "price", symbol: t.symbol, priceUsd: t.usd, at: t.at, source: t.source }));
}

export const frame = (msg: Record<string, unknown>): Buffer => Buffer.from(JSON.stringify(msg));

/** Token amounts on the wire: a plain decimal string (never a float, no thousands separators). */
const amount = (units: bigint | null, decimals: number): string | null => (units === null ? null : plainAmount(units, decimals));

/** What the stream says of an order: no quote internals, no raw transaction. */
function orderView(o: Order, explorerTx?: (sig: string) => string) {
  return {
    orderId: o.id,
    mode: o.mode,
    side: o.side,
    status: o.status,
    input: { symbol: o.input.symbol, mint: o.input.mint, amount: amount(o.filledIn ?? o.inAmount, o.input.decimals) },
    output: { symbol: o.output.symbol, mint: o.output.mint, amount: amount(o.filledOut ?? o.quotedOut, o.output.decimals) },
    usdValue: o.usdValue,
    signature: o.signature,
    ...(o.signature && explorerTx ? { explorerUrl: explorerTx(o.signature) } : {}),
    error: o.error,
    ...(o.automation ? { automationId: o.automation.id } : {}),
    createdAt: o.createdAt,
    finalAt: o.finalAt,
  };
}

export type StreamEvent = Record<string, unknown> & { kind: "fill" | "order" | "alert" | "automation" };

/**
 * A push as the stream tells it (typed fields for the dashboard to render), or undefined for pushes the
 * stream does not carry (security notices about the withdrawal address book stay in the chats).
 */
export function streamEvent(e: PushEvent, explorerTx?: (sig: string) => string): StreamEvent | undefined {
  switch (e.type) {
    case "trade.filled":
      return { kind: "fill", ...orderView(e.order, explorerTx) };
    case "trade.failed":
    case "trade.expired":
    case "trade.refused":
      return { kind: "order", outcome: e.type.slice("trade.".length), ...orderView(e.order, explorerTx) };
    case "alert.fired":
      return {
        kind: "alert",
        alertId: e.alert.id,
        alertKind: e.alert.kind,
        symbol: e.alert.symbol,
        level: e.alert.level,
        value: e.value,
        firing: e.firing,
        repeat: e.alert.repeat,
        at: e.tick?.at ?? e.marketNow,
      };
    case "automation.fired": {
      const o = e.outcome;
      return {
        kind: "automation",
        automationId: e.automation.id,
        rule: e.automation.rule.kind,
        symbol: e.automation.rule.token.symbol,
        firing: e.n,
        outcome: o.kind,
        ...(o.kind === "filled" ? { order: orderView(o.order, explorerTx) } : { reason: o.reason }),
        ...(o.kind === "failed" && o.order ? { order: orderView(o.order, explorerTx) } : {}),
        priceUsd: e.priceUsd,
        state: e.state,
        cancelled: e.cancelled.map((a) => a.id),
        pausedAll: e.pausedAll,
      };
    }
    default:
      return undefined;
  }
}
