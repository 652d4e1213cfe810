// Settings: the user's own settings, the same ones /settings changes in chat (GET /settings, PATCH one at a time).
import { useState } from "/web/vendor/preact-hooks.mjs";
import { del, get, patch } from "./api.js";
import { ErrorLine, Loading, Table, html, label, useData } from "./ui.js";

/** What each setting takes, as the chat's /settings explains it. */
const HINTS = {
  slippage: "e.g. 0.5%",
  presets: "quick-buy amounts, e.g. 10,25,50",
  pay: "token you pay with, e.g. USDC",
  quickbuy: "on or off",
  alerts: "on or off",
  quiet: "quiet hours, e.g. 22-07 or off",
  fee: "priority fee, e.g. auto",
};

function Row({ name, value, onSaved }) {
  const [v, setV] = useState(value);
  const [error, setError] = useState(null);
  const [saved, setSaved] = useState(false);
  const save = async (e) => {
    e.preventDefault();
    setError(null);
    setSaved(false);
    try {
      await patch("/settings", { name, value: v.trim() });
      setSaved(true);
      onSaved();
    } catch (err) {
      setError(err);
    }
  };
  return html`<form class="setting" onSubmit=${save} aria-label=${label(name)}>
    <input name=${name} value=${v} placeholder=${HINTS[name] ?? ""} maxlength="120" onInput=${(e) => { setSaved(false); setV(e.currentTarget.value); }} />
    <button class="small" type="submit" disabled=${v === value}>Save</button>
    ${saved && html`<span role="status" class="ok-text">Saved</span>`}
    <${ErrorLine} error=${error} />
  </form>`;
}

export function Settings({ session }) {
  const settings = useData(() => get("/settings"));
  return html`<section aria-labelledby="h-settings">
    <h1 id="h-settings">Settings</h1>
    <p class="muted">Signed in as ${session.name} (${session.role}). Sign-in links come from <code>/web</code> in a private chat; <code>/web logout all</code> signs out everywhere.
      <button class="small" onClick=${() => del("/session").finally(() => location.reload())}>Sign out</button></p>
    <${Loading} state=${settings}>${(d) => html`<article class="card">
      <${Table} label="Settings" head=${["Setting", "Value"]} empty="No settings."
        rows=${d.settings.map((s) => [label(s.name), html`<${Row} key=${`${s.name}=${s.value}`} name=${s.name} value=${s.value} onSaved=${settings.reload} />`])} />
      ${d.text && html`<details><summary>As the chat shows them</summary><pre>${d.text}</pre></details>`}
      <p class="muted">To start over: <button class="small" onClick=${() => patch("/settings", { name: "reset", value: "" }).then(settings.reload)}>Reset to defaults</button></p>
    </article>`}<//>
  </section>`;
}
