// Trades: every order with its status and, once on chain, a link to the explorer. Live: refreshed on fills.
import { get } from "./api.js";
import { useEvents } from "./stream.js";
import { Badge, Loading, Table, amount, html, when, useData } from "./ui.js";

const statusKind = (s) => (/fill|done|confirm|success/i.test(s) ? "ok" : /fail|reject|expire|cancel/i.test(s) ? "bad" : "pending");

export function Trades() {
  const trades = useData(() => get("/trades"));
  useEvents((ev) => {
    if (ev.kind === "fill" || ev.kind === "order" || ev.kind === "automation") trades.reload();
  });
  return html`<section aria-labelledby="h-trades">
    <h1 id="h-trades">Trades</h1>
    <${Loading} state=${trades}>${(d) => html`<${Table} label="Trades" head=${["When", "Side", "Token", "Amount", "Status", "Transaction"]}
      empty="No trades yet."
      rows=${d.trades.map((t) => [
        when(t.createdAt),
        t.side,
        t.symbol,
        amount(t.amount),
        html`<${Badge} kind=${statusKind(t.status)}>${t.status}<//>`,
        t.explorerUrl
          ? html`<a href=${t.explorerUrl} target="_blank" rel="noopener noreferrer">${(t.signature ?? "explorer").slice(0, 10)}…</a>`
          : html`<span class="muted">${t.signature ? t.signature.slice(0, 10) : "paper"}</span>`,
      ])} />`}<//>
  </section>`;
}
