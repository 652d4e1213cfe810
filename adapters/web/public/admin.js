// Admin views: the treasury (allocation against targets, drift, plan, history, pause/resume, breakers) and the audit log.
import { useState } from "/web/vendor/preact-hooks.mjs";
import { get, post } from "./api.js";
import { useEvents } from "./stream.js";
import { Badge, ErrorLine, Loading, Table, Value, html, label, pct, usd, when, useData } from "./ui.js";

/** Percent from a share that may come as a fraction (0.5) or as percent (50), judged over the whole column. */
const asPct = (values) => {
  const known = values.filter((v) => typeof v === "number");
  const fraction = known.length > 0 && known.reduce((a, b) => a + b, 0) <= 1.5;
  return (v) => (typeof v === "number" ? (fraction ? v * 100 : v) : undefined);
};

/** Asset rows (symbol, target %, actual %, drift in points) from an allocation array or from per-symbol maps. */
function assetRows(t) {
  if (Array.isArray(t.allocation)) {
    const actual = asPct(t.allocation.map((a) => a.share));
    const target = asPct(t.allocation.map((a) => a.target ?? undefined));
    return t.allocation.map((a) => {
      const act = actual(a.share);
      const tgt = target(a.target ?? undefined);
      return { symbol: a.symbol, targetPct: tgt, actualPct: act, valueUsd: a.valueUsd, driftPct: act !== undefined && tgt !== undefined ? act - tgt : undefined };
    });
  }
  const byKey = (o) => (o && typeof o === "object" && !Array.isArray(o) ? o : {});
  const targets = byKey(t.targets);
  const actual = byKey(t.allocation ?? t.actual);
  const drift = byKey(t.driftPct ?? t.drift);
  const symbols = [...new Set([...Object.keys(targets), ...Object.keys(actual), ...Object.keys(drift)])];
  return symbols.map((symbol) => ({ symbol, targetPct: targets[symbol], actualPct: actual[symbol], driftPct: drift[symbol] ?? (actual[symbol] !== undefined && targets[symbol] !== undefined ? actual[symbol] - targets[symbol] : undefined) }));
}

function breakerList(b) {
  if (!b) return [];
  if (Array.isArray(b)) return b.map((x) => (typeof x === "string" ? { name: x, tripped: true } : x));
  return Object.entries(b).map(([name, v]) => ({ name, tripped: Boolean(v), why: typeof v === "string" ? v : undefined }));
}

function Swaps({ plan }) {
  const swaps = plan?.swaps ?? (Array.isArray(plan) ? plan : null);
  if (!plan) return html`<p class="muted">No plan yet.</p>`;
  if (!swaps) return html`<${Value} v=${plan} />`;
  return html`<${Table} label="Plan" empty="In band: nothing to trade." head=${["Sell", "Buy", "USD", "Why"]}
    rows=${swaps.map((s) => [s.from ?? s.sell ?? s.input ?? "-", s.to ?? s.buy ?? s.output ?? "-", usd(s.usd ?? s.amountUsd ?? s.valueUsd), s.reason ?? s.why ?? ""])} />`;
}

export function Treasury() {
  const t = useData(() => get("/treasury"));
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  useEvents((ev) => ev.kind === "treasury" && t.reload());
  const act = async (what) => {
    setError(null);
    setBusy(true);
    try {
      await post(`/treasury/${what}`);
      t.reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return html`<section aria-labelledby="h-treasury">
    <${Loading} state=${t}>${(d) => {
      if (d.enabled === false)
        return html`<h1 id="h-treasury">Treasury</h1><p class="muted">The treasury bot is not configured here (set TREASURY_CONFIG).</p>`;
      const paused = Boolean(d.paused ?? d.state?.paused);
      const reason = d.pausedReason ?? d.state?.pausedReason;
      const breakers = breakerList(d.breakers ?? d.state?.breakers);
      const history = d.history ?? d.state?.history ?? [];
      return html`<header class="head">
          <h1 id="h-treasury">Treasury</h1>
          <${Badge} kind=${paused ? "bad" : "ok"}><span data-testid="treasury-state">${paused ? "Paused" : "Running"}</span><//>
          ${d.mode && html`<${Badge}>${d.mode}<//>`}
        </header>
        ${paused && reason && html`<p class="warn">${reason}</p>`}
        <div class="row">
          ${paused
            ? html`<button class="primary" disabled=${busy} onClick=${() => act("resume")}>Resume treasury</button>`
            : html`<button class="danger" disabled=${busy} onClick=${() => act("pause")}>Pause treasury</button>`}
          ${d.valueUsd !== undefined && html`<span>Value <strong>${usd(d.valueUsd)}</strong></span>`}
        </div>
        <${ErrorLine} error=${error} />
        <div class="grid">
          <article class="card"><h2>Allocation against targets</h2>
            <${Table} label="Allocation" head=${["Asset", "Target", "Actual", "Value", "Drift"]} empty="No targets."
              rows=${assetRows(d).map((a) => [a.symbol, pct(a.targetPct), pct(a.actualPct), usd(a.valueUsd), html`<span class=${Math.abs(Number(a.driftPct)) >= 5 ? "down" : ""}>${a.driftPct === undefined ? "-" : `${Number(a.driftPct) > 0 ? "+" : ""}${Number(a.driftPct).toFixed(2)} pt`}</span>`])} />
          </article>
          ${breakers.length > 0 && html`<article class="card"><h2>Breakers</h2>
            <${Table} label="Breakers" head=${["Breaker", "State", "Why"]} empty="No breakers reported."
              rows=${breakers.map((b) => [label(b.name), html`<${Badge} kind=${b.tripped ? "bad" : "ok"}>${b.tripped ? "tripped" : "ok"}<//>`, b.why ?? ""])} />
          </article>`}
          ${d.text && html`<article class="card wide"><h2>Status, plan and history</h2><pre data-testid="treasury-text">${d.text}</pre></article>`}
          ${d.plan !== undefined && html`<article class="card wide"><h2>Current plan</h2><${Swaps} plan=${d.plan} /></article>`}
          ${history.length > 0 && html`<article class="card wide"><h2>History</h2>
            <${Table} label="History" head=${["When", "Trigger", "Filled", "Turnover", "Fees", "Note"]} empty="No rebalances yet."
              rows=${[...history].reverse().slice(0, 50).map((h) => [when(h.at), h.trigger, `${h.filled}/${h.swaps}${h.failed ? `, ${h.failed} failed` : ""}`, usd(h.turnoverUsd), usd(h.feesUsd), h.note ?? ""])} />
          </article>`}
        </div>`;
    }}<//>
  </section>`;
}

export function Audit() {
  const a = useData(() => get("/audit"));
  return html`<section aria-labelledby="h-audit">
    <h1 id="h-audit">Audit log</h1>
    <${Loading} state=${a}>${(d) => {
      const rows = d.entries ?? d.audit ?? d.events ?? [];
      return html`<${Table} label="Audit log" head=${["When", "Who", "What", "Details"]} empty="The audit log is empty."
        rows=${rows.map((e) => [when(e.at ?? e.createdAt), [e.platform, e.actor ?? e.userId ?? e.user].filter(Boolean).join(" ") || "-", e.action ?? e.kind ?? e.event ?? "-", html`<${Value} v=${e.details ?? e.detail ?? e.data ?? e.context ?? ""} />`])} />`;
    }}<//>
  </section>`;
}
