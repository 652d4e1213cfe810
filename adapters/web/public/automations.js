// Alerts and automations: lists with Cancel, and creation through the same preview + Confirm as the chat.
import { useState } from "/web/vendor/preact-hooks.mjs";
import { del, get, post } from "./api.js";
import { useEvents } from "./stream.js";
import { Badge, ErrorLine, Loading, Preview, Table, html, label, usd, useData } from "./ui.js";

/**
 * The fields of each automation kind (POST /automations/preview; the same rules as /limit, /stop, /tp, /trail
 * and /dca in chat): [name, default, hint].
 */
const KINDS = {
  limit: [["side", "buy", "buy or sell"], ["token", "SOL"], ["amount", "100", "amount, NN% or all"], ["price", "", "price in USD"], ["pay", "", "USDC"]],
  stop: [["token", "SOL"], ["price", "10%", "price or N% below"], ["amount", "", "amount, NN% or all"]],
  tp: [["token", "SOL"], ["price", "25%", "price or N% above"], ["amount", "", "amount, NN% or all"]],
  trail: [["token", "SOL"], ["price", "10%", "N% below the high"], ["amount", "", "amount, NN% or all"]],
  dca: [["token", "SOL"], ["amount", "20"], ["every", "1d", "1h..30d"], ["times", "3", "how many buys"], ["pay", "", "USDC"]],
};
const NUMERIC = new Set(["times"]);

function AutomationForm({ onDone }) {
  const [kind, setKind] = useState("limit");
  const [values, setValues] = useState({});
  const [preview, setPreview] = useState(null);
  const [error, setError] = useState(null);
  const fields = KINDS[kind];
  const value = (name, dflt) => values[`${kind}.${name}`] ?? dflt;
  const submit = async (e) => {
    e.preventDefault();
    setError(null);
    setPreview(null);
    const body = { kind };
    for (const [name, dflt] of fields) {
      const v = String(value(name, dflt)).trim();
      if (v) body[name] = NUMERIC.has(name) ? Number(v) : v;
    }
    try {
      setPreview((await post("/automations/preview", body)).preview);
    } catch (err) {
      setError(err);
    }
  };
  return html`<form class="trade" onSubmit=${submit} aria-label="New automation">
      <label>Kind <select name="kind" value=${kind} onChange=${(e) => setKind(e.currentTarget.value)}>
        ${Object.keys(KINDS).map((k) => html`<option value=${k}>${k}</option>`)}
      </select></label>
      ${fields.map(([name, dflt, hint]) => html`<label>${label(name)} <input name=${name} value=${value(name, dflt)} placeholder=${hint ?? ""} maxlength="120"
        onInput=${(e) => setValues({ ...values, [`${kind}.${name}`]: e.currentTarget.value })} /></label>`)}
      <button class="primary" type="submit">Preview</button>
    </form>
    <${ErrorLine} error=${error} />
    ${preview && html`<${Preview} key=${preview.text} preview=${preview} onDone=${onDone} />`}`;
}

function AlertForm({ onDone }) {
  const [form, setForm] = useState({ token: "SOL", op: "above", price: "" });
  const [error, setError] = useState(null);
  const [preview, setPreview] = useState(null);
  const set = (k) => (e) => setForm({ ...form, [k]: e.currentTarget.value });
  const submit = async (e) => {
    e.preventDefault();
    setError(null);
    try {
      const r = await post("/alerts", { token: form.token.trim(), op: form.op, price: Number(form.price.trim()) });
      if (r.preview) setPreview(r.preview);
      else onDone();
    } catch (err) {
      setError(err);
    }
  };
  return html`<form class="trade" onSubmit=${submit} aria-label="New alert">
      <label>Token <input name="token" value=${form.token} onInput=${set("token")} required maxlength="64" /></label>
      <label>When <select name="op" value=${form.op} onChange=${set("op")}><option value="above">above</option><option value="below">below</option></select></label>
      <label>Price (USD) <input name="price" value=${form.price} onInput=${set("price")} required inputmode="decimal" maxlength="32" /></label>
      <button class="primary" type="submit">Add alert</button>
    </form>
    <${ErrorLine} error=${error} />
    ${preview && html`<${Preview} preview=${preview} onDone=${onDone} />`}`;
}

function CancelButton({ path, what, onDone }) {
  const [error, setError] = useState(null);
  const go = async () => {
    try {
      await del(path);
      onDone();
    } catch (e) {
      setError(e);
    }
  };
  return html`<button class="small" aria-label=${`Cancel ${what}`} onClick=${go}>Cancel</button>${error && html` <span class="error">${error.message}</span>`}`;
}

const describe = (a) => a.summary ?? a.text ?? a.description ?? [a.kind, a.side, a.token ?? a.symbol, a.op, a.price !== undefined ? usd(a.price) : ""].filter(Boolean).join(" ");
const live = (s) => !s || /active|pending|armed|waiting|open|running/i.test(s);

export function Automations() {
  const alerts = useData(() => get("/alerts"));
  const autos = useData(() => get("/automations"));
  useEvents((ev) => {
    if (ev.kind === "alert") alerts.reload();
    if (ev.kind === "automation" || ev.kind === "fill") autos.reload();
  });
  return html`<section aria-labelledby="h-auto">
    <h1 id="h-auto">Alerts and automations</h1>
    <div class="grid">
      <article class="card wide"><h2>Automations</h2>
        <${Loading} state=${autos}>${(d) => html`<${Table} label="Automations" head=${["Automation", "Status", ""]} empty="No automations yet."
          rows=${d.automations.map((a) => [html`<span class="what">${describe(a)}</span> <code class="id">${a.id}</code>`, html`<${Badge} kind=${live(a.status) ? "pending" : "bad"}>${a.status ?? "active"}<//>`,
            live(a.status) ? html`<${CancelButton} path=${`/automations/${encodeURIComponent(a.id)}`} what=${a.id} onDone=${autos.reload} />` : ""])} />`}<//>
        <h3>New automation</h3>
        <${AutomationForm} onDone=${autos.reload} />
      </article>
      <article class="card wide"><h2>Alerts</h2>
        <${Loading} state=${alerts}>${(d) => html`<${Table} label="Alerts" head=${["Alert", ""]} empty="No alerts yet."
          rows=${d.alerts.map((a) => [html`<span class="what">${describe(a)}</span> <code class="id">${a.id}</code>`, html`<${CancelButton} path=${`/alerts/${encodeURIComponent(a.id)}`} what=${a.id} onDone=${alerts.reload} />`])} />`}<//>
        <h3>New alert</h3>
        <${AlertForm} onDone=${alerts.reload} />
      </article>
    </div>
  </section>`;
}
