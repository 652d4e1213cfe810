import { plainAmount } from "../core/domain/money.js";
import type { Order } from "../core/domain/order.js";
import type { WebReads } from "../adapters/web/server.js";
import type { App } from "./app.js";

/** USD figures to a millionth of a dollar: no float noise (0.39999999999997726) on the wire. */
const usd = (v: number) => Math.round(v * 1e6) / 1e6;
const share = (v: number | undefined, total: number) => (v === undefined || total <= 0 ? null : v / total);

function tradeJson(o: Order, explorer: (sig: string) => string) {
  const buy = o.side === "buy";
  const token = buy ? o.output : o.input;
  const units = buy ? (o.filledOut ?? o.quotedOut) : (o.filledIn ?? o.inAmount);
  return {
    id: o.id,
    side: buy ? ("buy" as const) : ("sell" as const),
    symbol: token.symbol,
    amount: plainAmount(units, token.decimals),
    status: o.status,
    createdAt: o.createdAt,
    ...(o.signature ? { signature: o.signature, ...(o.mode === "live" ? { explorerUrl: explorer(o.signature) } : {}) } : {}),
  };
}

/** What the REST API reads straight from the services, in the shapes of its schemas. */
export function webReads(app: App): WebReads {
  const s = app.services;
  return {
    async me(userId) {
      const user = await app.repos.users.get(userId);
      const identities = await app.repos.users.identities(userId);
      const admin = user ? s.identity.isAdmin(user, identities) : false;
      return { name: user?.displayName || identities[0]?.displayName || userId.slice(0, 8), role: admin ? "admin" : "user" };
    },
    async portfolio(userId) {
      const sections = await s.portfolio.summary(userId);
      const totalUsd = sections.reduce((a, x) => a + x.totalUsd, 0);
      const holdings = sections.flatMap((x) =>
        x.holdings.map((h) => ({
          symbol: h.token.symbol,
          mint: h.token.mint,
          amount: plainAmount(h.amount, h.token.decimals),
          priceUsd: h.quote?.usd ?? null,
          valueUsd: h.usd === undefined ? null : usd(h.usd),
          share: share(h.usd, totalUsd),
        })),
      );
      const sum = (k: "unrealizedUsd" | "realizedUsd") => (sections.some((x) => x[k] !== undefined) ? usd(sections.reduce((a, x) => a + (x[k] ?? 0), 0)) : null);
      return { mode: app.config.TRADING_MODE, totalUsd: usd(totalUsd), holdings, pnl: { unrealizedUsd: sum("unrealizedUsd"), realizedUsd: sum("realizedUsd") } };
    },
    async history(userId, sinceMs) {
      const h = await s.portfolio.history(userId, sinceMs);
      return h.points.map((p) => ({ t: p.at, valueUsd: p.valueUsd }));
    },
    async trades(userId) {
      const orders = await s.trading.orders(userId, 100);
      return orders.filter((o) => o.side === "buy" || o.side === "sell").map((o) => tradeJson(o, s.info.explorerTx));
    },
    async prices(tokens) {
      const out: Array<{ symbol: string; priceUsd: number; at: number }> = [];
      for (const raw of tokens) {
        const t = await s.tokens.resolve(raw).catch(() => undefined);
        if (!t) continue;
        const q = await s.market.getPrice(t).catch(() => undefined);
        if (q) out.push({ symbol: t.symbol, priceUsd: q.usd, at: q.at });
      }
      return out;
    },
    async alerts(userId) {
      const list = await s.alerts.list(userId);
      return list.map((a) => ({ id: a.id, text: `${a.symbol} ${a.kind.replace("_", " ")} ${a.kind === "move" ? `${a.pct}%` : a.level}${a.repeat ? " (repeats)" : ""}` }));
    },
    async automations(userId) {
      const list = await s.automations.list(userId);
      return list.map((a) => ({ id: a.id, kind: a.rule.kind, status: a.state, text: `${a.rule.kind} ${a.rule.token.symbol}` }));
    },
    async settings(userId) {
      const v = await s.settings.get(userId);
      const settings = [
        { name: "slippage", value: v.slippageBps === null ? "default" : `${v.slippageBps} bps` },
        { name: "presets", value: `SOL ${v.buyPresets.SOL.join(" ")}; USDC ${v.buyPresets.USDC.join(" ")}` },
        { name: "pay", value: v.payToken },
        { name: "quickbuy", value: v.quickBuyMaxUsd === null ? "off" : `$${v.quickBuyMaxUsd}` },
        { name: "alerts", value: v.pushPlatforms === null ? "all" : v.pushPlatforms.join(" ") },
        { name: "quiet", value: v.quietHours === null ? "off" : JSON.stringify(v.quietHours) },
        { name: "fee", value: String(v.priorityFee) },
      ];
      return { settings, text: settings.map((x) => `${x.name}: ${x.value}`).join("\n") };
    },
    async treasury() {
      const t = s.treasury;
      if (!t) return undefined;
      const st = await t.state();
      const plan = await t.plan().catch(() => undefined);
      const symbols = new Set([...Object.keys(t.settings.targets), ...Object.keys(plan?.plan.before ?? {})]);
      const valueUsd = plan?.valueUsd ?? 0;
      const allocation = [...symbols].map((symbol) => {
        const pct = plan?.plan.before[symbol] ?? 0;
        return { symbol, share: pct / 100, target: t.settings.targets[symbol] !== undefined ? t.settings.targets[symbol]! / 100 : null, valueUsd: (valueUsd * pct) / 100 };
      });
      const breakers = Object.entries(st.breakers).map(([k, v]) => `${k}: ${v}`);
      const text = [`mode ${t.settings.mode}`, st.paused ? `paused${st.pausedReason ? ` (${st.pausedReason})` : ""}` : "running", ...breakers].join("\n");
      return { enabled: true, paused: st.paused, text, allocation };
    },
    async audit(limit) {
      const rows = await s.audit.recent(limit);
      return rows.map((e) => ({ at: e.at, userId: e.userId ?? null, platform: e.platform ?? null, action: e.action, detail: e.detail ?? {} }));
    },
  };
}
