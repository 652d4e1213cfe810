import { z } from "zod";
import { formatUsd } from "../core/domain/format.js";
import { mintFromPaste } from "../core/domain/mint-paste.js";
import type { TokenCard } from "../core/domain/token-card.js";
import type { Order } from "../core/domain/order.js";
import { DEFAULT_USER_SETTINGS, type UserSettings } from "../core/domain/user-settings.js";
import { isUserError, UserError } from "../core/errors.js";
import type { TokenCardsPort } from "../core/ports/token-safety.port.js";
import { defineCommand, type CommandContext } from "../core/router/command.js";
import type { Button, Reply } from "../core/router/message.js";
import { bold, code, reply } from "../core/router/reply.js";
import { notifyTarget, previewReply, spec, TRADE_NEEDS, tradeActions } from "./trade.common.js";
import { renderCard, renderCompactCard, riskyFlags } from "./token.format.js";

/** /token: the card reads public data; its buy buttons go through the trade path (preview, Confirm). */
const TOKEN_NEEDS = [...TRADE_NEEDS, "tokenCards", "settings"] as const;
type TokenNeed = (typeof TOKEN_NEEDS)[number];

const mintArg = z.string().regex(/^[1-9A-HJ-NP-Za-km-z]{32,44}$/);
/** A preset as stored in the user's settings: a plain decimal amount of the pay token. */
const presetArg = z.string().regex(/^\d{1,12}(\.\d{1,9})?$/);
const payArg = z.enum(["SOL", "USDC"]);

/** A card's preset button: buy `amount` of `pay` worth of `mint`. */
const buyRef = z.object({ mint: mintArg, amount: presetArg, pay: payArg });
/** A card's "Custom" button: how to buy another amount. */
const customRef = z.object({ mint: mintArg, pay: payArg });

/** The card port, or a clear answer when this deployment has no token cards wired. */
function cardsOf(ctx: CommandContext<"tokenCards">): TokenCardsPort {
  const port = ctx.services.tokenCards;
  if (!port) throw new UserError("bad_token", "Token cards are not enabled on this deployment; /price still works.");
  return port;
}

/** The requester's settings (the defaults when settings are not wired). */
const settingsOf = (ctx: CommandContext<"settings">): Promise<UserSettings> =>
  ctx.services.settings ? ctx.services.settings.get(ctx.user.id) : Promise.resolve(DEFAULT_USER_SETTINGS);

/**
 * The card's buy buttons, bound to the requester: the presets in one group (one press uses them all, so
 * a double tap buys once) and "Custom" in its own. None for the token the user pays with.
 */
async function buyButtons(ctx: CommandContext<TokenNeed>, card: TokenCard): Promise<Button[][] | string> {
  const s = await settingsOf(ctx);
  const pay = s.payToken;
  const other = pay === "SOL" ? "USDC" : "SOL";
  const payToken = await ctx.services.tokens.resolve(pay);
  if (payToken.mint === card.mint) {
    return `The buy buttons pay with ${pay}, so its own card has none: buy it with /buy ${pay} <amount> ${other}, or pay with ${other} (/settings pay ${other.toLowerCase()}).`;
  }
  // A token the trade policy refuses (deny list, allow list, unverified) gets no buy buttons, but the reason.
  const blocked = await tradeBlocked(ctx, card.mint);
  if (blocked) return blocked;
  return presetButtons(ctx, s, card.mint, pay);
}

/** The presets (one group: one press uses them all) and "Custom amount" (its own), bound to the requester. */
async function presetButtons(ctx: CommandContext<TokenNeed>, s: UserSettings, mint: string, pay: "SOL" | "USDC"): Promise<Button[][]> {
  const presets = s.buyPresets[pay].filter((p) => presetArg.safeParse(p).success).slice(0, 4);
  const buys = presets.length
    ? await ctx.buttons(presets.map((amount) => ({ label: `Buy ${amount} ${pay}`, action: "buy", payload: { mint, amount, pay } })))
    : [];
  const custom = await ctx.buttons([{ label: "Custom amount", action: "custom", payload: { mint, pay } }]);
  return [buys, custom].filter((row) => row.length);
}

/** Why the trade policy (token lists, TOKEN_SAFETY=block) would refuse buying this mint here, or undefined when it would not. */
async function tradeBlocked(ctx: CommandContext<TokenNeed>, mint: string): Promise<string | undefined> {
  try {
    const token = await ctx.services.tokens.resolve(mint);
    ctx.services.trading.checkToken(token);
    // TOKEN_SAFETY=block and red flags (or checks that could not run): the preview would refuse it
    const judged = await ctx.services.trading.judgeReceived(token);
    return judged?.kind === "refuse" ? judged.message : undefined; // "Buying X is blocked on this bot (TOKEN_SAFETY=block): ..."
  } catch (err) {
    if (!isUserError(err)) throw err;
    return `Buying: ${err.message}`;
  }
}

/**
 * A preset press. Normally the usual preview with Confirm (the same path as /buy, so the token-safety
 * policy and its risk acknowledgement apply). With quick-buy on, a preset worth at most the user's limit
 * executes at once, through the same once-only confirm, but only for a token whose checks all ran and
 * raised no red flag or warning: a risky or partly checked token always gets the preview.
 */
async function buyPreset(ctx: CommandContext<TokenNeed>, p: z.infer<typeof buyRef>): Promise<Reply> {
  const { tokens, trading } = ctx.services;
  const input = await tokens.resolve(p.pay);
  const output = await tokens.resolve(p.mint);
  const settings = await settingsOf(ctx);
  let order: Order;
  try {
    order = await trading.preview(ctx.user.id, { side: "buy", input, output, amount: spec(p.amount, input, false) }, notifyTarget(ctx));
  } catch (err) {
    if (!isUserError(err)) throw err;
    // Refused before any order exists (not enough to pay with, a cap, the token policy): this press used
    // the card's buttons, so the answer carries them again, with the way to pay with the other token.
    const other = p.pay === "SOL" ? "USDC" : "SOL";
    const out = reply("error").line(err.message);
    if (err.code === "insufficient_balance") out.line(`Nothing was bought. To pay with ${other} instead: /settings pay ${other.toLowerCase()}`);
    for (const row of await presetButtons(ctx, settings, p.mint, p.pay)) out.buttons(...row);
    return out.private_().build();
  }
  const limit = settings.quickBuyMaxUsd;
  if (limit === null || !(order.usdValue <= limit)) return previewReply(ctx, order);
  const safety = await cardsOf(ctx).safety(p.mint).catch(() => undefined);
  if (!safety || safety.missing.length || riskyFlags(safety).length) {
    const why = !safety || safety.missing.length ? "not every safety check could run" : "this token has safety flags";
    return withNote(await previewReply(ctx, order), `Quick buy skipped: ${why}, so you confirm this one yourself.`);
  }
  ctx.log.info({ order: order.id, usd: order.usdValue, limit }, "quick buy: preset under the user's limit, executed without a preview");
  let told: Reply;
  try {
    told = await tradeActions.confirm.run(ctx, { orderId: order.id });
  } catch (err) {
    // The trade policy wants the risk acknowledged after all: the order is still previewed, so show it.
    if (!isUserError(err) || err.code !== "token_unsafe") throw err;
    return withNote(await previewReply(ctx, order), "Quick buy skipped: this trade needs your explicit acknowledgement of the risks.");
  }
  return {
    ...told,
    editsOriginal: false,
    blocks: [{ type: "text", spans: [bold("Quick buy"), ` (${formatUsd(order.usdValue)}, your limit ${formatUsd(limit)}; change it in /settings)`] }, ...told.blocks],
  };
}

const withNote = (out: Reply, note: string): Reply => ({ ...out, blocks: [...out.blocks, { type: "text", spans: [note] }] });

async function customAmount(ctx: CommandContext<TokenNeed>, p: z.infer<typeof customRef>): Promise<Reply> {
  return reply()
    .line("Send the amount of ", p.pay, " to spend, like this:")
    .line(code(`/buy ${p.mint} 0.25 ${p.pay}`))
    .line("You get the usual preview first; nothing happens until you press Confirm.")
    .private_()
    .build();
}

export default defineCommand({
  name: "token",
  group: "Market",
  summary: "Token card: price, liquidity, market cap, holders and safety checks, with buy buttons",
  usage: "token <symbol|mint>",
  examples: ["/token BONK", "/token JUPyiwrYJFskUPiHa7hkeR8VUtAeFoSYbKedZNsDvCN"],
  scope: "public",
  args: z.object({
    query: z
      .string()
      .min(1, "Name a token, e.g. /token BONK")
      .max(300)
      .describe(
        "The token's symbol or mint address (or a pump.fun, Jupiter, Birdeye, DexScreener or Solscan link). Use for questions like 'is this token safe?', 'is X a rug?', 'what is <mint>?', 'who holds X?': the card shows the chain's red flags (mint and freeze authority, top holders, Token-2022 fees and delegates).",
      ),
  }),
  positional: ["query"],
  needs: TOKEN_NEEDS,
  async run(ctx, { query }) {
    const card = await cardsOf(ctx).card(mintFromPaste(query) ?? query);
    // X: short text, no buttons (nothing there can be pressed, and trades are private)
    if (ctx.msg.platform === "twitter") return renderCompactCard(card).build();
    const out = renderCard(card, ctx.services.clock.now());
    const rows = await buyButtons(ctx, card);
    if (typeof rows === "string") for (const l of rows.split("\n")) out.line(l);
    else for (const row of rows) out.buttons(...row);
    return out.build();
  },
  actions: {
    ...tradeActions,
    buy: { payload: buyRef, run: buyPreset },
    custom: { payload: customRef, run: customAmount },
  },
});
