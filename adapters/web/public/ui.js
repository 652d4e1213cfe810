// Shared pieces: the html tag, formatting for display, a data hook, tables, and the preview + Confirm panel.
import { h } from "/web/vendor/preact.mjs";
import { useCallback, useEffect, useState } from "/web/vendor/preact-hooks.mjs";
import htm from "/web/vendor/htm.mjs";
import { press } from "./api.js";

export const html = htm.bind(h);

const usdFmt = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", maximumFractionDigits: 2 });
export function usd(v) {
  if (v === undefined || v === null || v === "") return "-";
  const n = Number(v);
  if (!Number.isFinite(n)) return String(v);
  if (n !== 0 && Math.abs(n) < 0.01) return `$${n.toPrecision(3)}`;
  return usdFmt.format(n);
}
export const signedUsd = (v) => (Number(v) > 0 ? `+${usd(v)}` : usd(v));
export function amount(v) {
  const n = Number(v);
  if (!Number.isFinite(n)) return String(v ?? "-");
  return n.toLocaleString("en-US", { maximumFractionDigits: n !== 0 && Math.abs(n) < 1 ? 9 : 4 });
}
export const pct = (v) => (v === undefined || v === null ? "-" : `${Number(v).toFixed(2)}%`);
export function when(t) {
  if (t === undefined || t === null || t === "") return "-";
  const d = new Date(typeof t === "number" && t < 1e12 ? t * 1000 : t);
  return Number.isNaN(d.getTime()) ? String(t) : d.toISOString().slice(0, 16).replace("T", " ") + " UTC";
}
/** A human label for a key: "pausedReason" -> "Paused reason". */
export const label = (k) =>
  String(k)
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .replace(/_/g, " ")
    .replace(/ (usd|pct)$/i, (_m, u) => (u.toLowerCase() === "usd" ? " (USD)" : " (%)"))
    .replace(/^./, (c) => c.toUpperCase());

/** GET-style loading: { data, error, loading, reload }. */
export function useData(load, deps = []) {
  const [state, setState] = useState({ loading: true });
  const reload = useCallback(() => {
    load().then(
      (data) => setState({ data }),
      (error) => setState((s) => ({ ...s, loading: false, error })),
    );
  }, deps);
  useEffect(reload, [reload]);
  return { ...state, reload };
}

export function Loading({ state, children }) {
  if (state.error && !state.data) return html`<p class="error" role="alert">${state.error.message}</p>`;
  if (!state.data) return html`<p class="muted">Loading…</p>`;
  return children(state.data);
}

/** A table that scrolls sideways on a phone rather than squeezing. */
export function Table({ head, rows, empty = "Nothing yet.", label: caption }) {
  if (!rows.length) return html`<p class="muted">${empty}</p>`;
  return html`<div class="scroll"><table aria-label=${caption}>
    <thead><tr>${head.map((c) => html`<th>${c}</th>`)}</tr></thead>
    <tbody>${rows.map((r) => html`<tr>${r.map((c) => html`<td>${c}</td>`)}</tr>`)}</tbody>
  </table></div>`;
}

export const Badge = ({ kind, children }) => html`<span class=${`badge ${kind ?? ""}`}>${children}</span>`;

/** Any value rendered readably (for API objects whose shape may grow). */
export function Value({ v }) {
  if (v === null || v === undefined) return "-";
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (typeof v !== "object") return String(v);
  if (Array.isArray(v)) return html`<ul class="plain">${v.map((x) => html`<li><${Value} v=${x} /></li>`)}</ul>`;
  return html`<dl class="kv">${Object.entries(v).map(([k, x]) => html`<dt>${label(k)}</dt><dd><${Value} v=${x} /></dd>`)}</dl>`;
}

/**
 * The preview of a side effect with its Confirm and Cancel buttons: pressing one posts the reply's action
 * through the router (bound to this user, single use). `onDone(reply)` runs after either.
 */
export function Preview({ preview, onDone }) {
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState(null);
  const go = async (action) => {
    setBusy(true);
    try {
      const { reply } = await press(action);
      setResult(reply);
      onDone?.(reply);
    } catch (e) {
      setResult({ kind: "error", text: e.message });
    } finally {
      setBusy(false);
    }
  };
  if (result) return html`<div class=${`reply ${result.kind}`} role="status"><pre>${result.text}</pre></div>`;
  const { confirm, cancel } = preview.actions ?? {};
  return html`<div class="preview" role="region" aria-label="Preview">
    <pre>${preview.text}</pre>
    <div class="row">
      ${confirm && html`<button class="primary" disabled=${busy} onClick=${() => go(confirm)}>Confirm</button>`}
      ${cancel && html`<button disabled=${busy} onClick=${() => go(cancel)}>Cancel</button>`}
    </div>
  </div>`;
}

export function ErrorLine({ error }) {
  return error ? html`<p class="error" role="alert">${error.message ?? String(error)}</p>` : null;
}
