// Portfolio: total (live), holdings, allocation, value over time, PnL, and a buy/sell with preview + Confirm.
import { useEffect, useState } from "/web/vendor/preact-hooks.mjs";
import { get, post } from "./api.js";
import { ValueChart } from "./chart.js";
import { livePrice, streamStatus, useEvents, useLive, watchPrices } from "./stream.js";
import { Badge, ErrorLine, Loading, Preview, Table, Value, amount, html, label, pct, signedUsd, usd, useData } from "./ui.js";

/** Holdings valued at the latest live price where one has arrived, else the server's. */
function valued(holdings) {
  const rows = holdings.map((h) => {
    const live = livePrice(h.symbol);
    const known = (v) => (v === null || v === undefined ? undefined : Number(v));
    const priceUsd = live ? live.priceUsd : known(h.priceUsd);
    const valueUsd = live && Number.isFinite(Number(h.amount)) ? Number(h.amount) * live.priceUsd : known(h.valueUsd);
    return { ...h, priceUsd, valueUsd, live: Boolean(live) };
  });
  const total = rows.reduce((s, r) => s + (Number.isFinite(r.valueUsd) ? r.valueUsd : 0), 0);
  return { rows: rows.map((r) => ({ ...r, share: total > 0 && Number.isFinite(r.valueUsd) ? (r.valueUsd / total) * 100 : undefined })), total };
}

const COLORS = ["#3b82f6", "#22c55e", "#f59e0b", "#ef4444", "#a855f7", "#14b8a6", "#ec4899", "#64748b"];

function Allocation({ rows }) {
  const shown = rows.filter((r) => (r.share ?? 0) > 0);
  return html`<div class="alloc" role="img" aria-label="Allocation">
      ${shown.map((r, i) => html`<span style=${{ width: `${r.share}%`, background: COLORS[i % COLORS.length] }} title=${`${r.symbol} ${pct(r.share)}`}></span>`)}
    </div>
    <ul class="legend">${shown.map((r, i) => html`<li><i style=${{ background: COLORS[i % COLORS.length] }}></i>${r.symbol} ${pct(r.share)}</li>`)}</ul>`;
}

function Pnl({ pnl }) {
  if (!pnl || typeof pnl !== "object") return null;
  const entries = Object.entries(pnl);
  return html`<dl class="kv pnl">${entries.map(([k, v]) => {
    const n = Number(v);
    const money = typeof v === "number" || (typeof v === "string" && v !== "" && Number.isFinite(n));
    const cls = money ? (n > 0 ? "up" : n < 0 ? "down" : "") : "";
    return html`<dt>${label(k)}</dt><dd class=${cls}>${money ? (/pct|percent/i.test(k) ? pct(n) : signedUsd(n)) : html`<${Value} v=${v} />`}</dd>`;
  })}</dl>`;
}

export function TradeForm({ onDone }) {
  const [form, setForm] = useState({ side: "buy", token: "SOL", amount: "10", pay: "" });
  const [preview, setPreview] = useState(null);
  const [error, setError] = useState(null);
  const set = (k) => (e) => setForm({ ...form, [k]: e.currentTarget.value });
  const submit = async (e) => {
    e.preventDefault();
    setError(null);
    setPreview(null);
    try {
      const body = { side: form.side, token: form.token.trim(), amount: form.amount.trim(), ...(form.pay.trim() ? { pay: form.pay.trim() } : {}) };
      setPreview((await post("/trades/preview", body)).preview);
    } catch (err) {
      setError(err);
    }
  };
  return html`<form class="trade" onSubmit=${submit} aria-label="Trade">
      <label>Side <select name="side" value=${form.side} onChange=${set("side")}><option value="buy">Buy</option><option value="sell">Sell</option></select></label>
      <label>Token <input name="token" value=${form.token} onInput=${set("token")} required maxlength="64" /></label>
      <label>Amount <input name="amount" value=${form.amount} onInput=${set("amount")} required inputmode="decimal" maxlength="32" /></label>
      <label>${form.side === "buy" ? "Pay with" : "Receive"} <input name="pay" value=${form.pay} onInput=${set("pay")} placeholder="USDC" maxlength="64" /></label>
      <button class="primary" type="submit">Preview</button>
    </form>
    <${ErrorLine} error=${error} />
    ${preview && html`<${Preview} key=${preview.text} preview=${preview} onDone=${onDone} />`}`;
}

export function Portfolio() {
  useLive();
  const portfolio = useData(() => get("/portfolio"));
  const history = useData(() => get("/portfolio/history"));
  const reload = () => {
    portfolio.reload();
    history.reload();
  };
  // A fill moves the balance: the stream says so; without a live stream, the Confirm's answer reloads instead.
  useEvents((ev) => {
    if (ev.kind === "fill" || ev.kind === "order" || ev.kind === "automation") reload();
  });
  useEffect(() => {
    if (portfolio.data) watchPrices(portfolio.data.holdings.map((h) => h.symbol));
  }, [portfolio.data]);
  return html`<section aria-labelledby="h-portfolio">
    <${Loading} state=${portfolio}>${(p) => {
      const { rows, total } = valued(p.holdings);
      return html`<header class="head">
          <h1 id="h-portfolio">Portfolio</h1>
          <${Badge} kind=${p.mode === "live" ? "live-mode" : "paper"}>${p.mode === "live" ? "LIVE" : "paper"}<//>
        </header>
        <p class="total">Total <strong data-testid="total">${usd(total || p.totalUsd)}</strong></p>
        <div class="grid">
          <article class="card"><h2>Holdings</h2>
            <${Table} label="Holdings" head=${["Token", "Amount", "Price", "Value", "Share"]}
              rows=${rows.map((r) => [html`<b>${r.symbol}</b>`, html`<span data-testid=${`amount-${r.symbol}`}>${amount(r.amount)}</span>`, html`<span class=${r.live ? "live-price" : ""}>${usd(r.priceUsd)}</span>`, usd(r.valueUsd), pct(r.share)])}
              empty="No holdings yet." />
          </article>
          <article class="card"><h2>Allocation</h2><${Allocation} rows=${rows} /></article>
          <article class="card wide"><h2>Value over time</h2>
            <${Loading} state=${history}>${(h) => html`<${ValueChart} points=${h.points} />`}<//>
          </article>
          <article class="card"><h2>Profit and loss</h2><${Pnl} pnl=${p.pnl} /></article>
          <article class="card"><h2>Trade</h2><${TradeForm} onDone=${() => streamStatus() !== "live" && reload()} /></article>
        </div>`;
    }}<//>
  </section>`;
}
