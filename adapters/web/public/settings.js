// Settings: the user's own settings (the same ones /settings changes in chat), edited and saved with PATCH.
import { useState } from "/web/vendor/preact-hooks.mjs";
import { get, patch } from "./api.js";
import { ErrorLine, Loading, Value, html, label, useData } from "./ui.js";

function Field({ name, value, onChange }) {
  if (typeof value === "boolean")
    return html`<label class="check"><input type="checkbox" name=${name} checked=${value} onChange=${(e) => onChange(e.currentTarget.checked)} /> ${label(name)}</label>`;
  if (typeof value === "number")
    return html`<label>${label(name)} <input type="number" step="any" name=${name} value=${value} onInput=${(e) => onChange(Number(e.currentTarget.value))} /></label>`;
  if (typeof value === "string" || value === null)
    return html`<label>${label(name)} <input name=${name} value=${value ?? ""} onInput=${(e) => onChange(e.currentTarget.value)} maxlength="200" /></label>`;
  return html`<div class="readonly"><span>${label(name)}</span><${Value} v=${value} /></div>`;
}

function SettingsForm({ initial }) {
  const [values, setValues] = useState(initial);
  const [changed, setChanged] = useState({});
  const [status, setStatus] = useState(null);
  const [error, setError] = useState(null);
  const save = async (e) => {
    e.preventDefault();
    setError(null);
    try {
      const r = await patch("/settings", changed);
      setValues(r.settings ?? { ...values, ...changed });
      setChanged({});
      setStatus("Saved.");
    } catch (err) {
      setError(err);
    }
  };
  return html`<form class="settings" onSubmit=${save} aria-label="Settings">
    ${Object.entries(values).map(([k, v]) => html`<${Field} name=${k} value=${k in changed ? changed[k] : v}
      onChange=${(x) => { setStatus(null); setChanged({ ...changed, [k]: x }); }} />`)}
    <button class="primary" type="submit" disabled=${!Object.keys(changed).length}>Save</button>
    ${status && html`<span role="status" class="ok-text">${status}</span>`}
    <${ErrorLine} error=${error} />
  </form>`;
}

export function Settings({ session }) {
  const settings = useData(() => get("/settings"));
  return html`<section aria-labelledby="h-settings">
    <h1 id="h-settings">Settings</h1>
    <p class="muted">Signed in as ${session.name} (${session.role}). Sign-in links come from /web in a private chat; /web logout all signs out everywhere.</p>
    <${Loading} state=${settings}>${(d) => html`<${SettingsForm} initial=${d.settings ?? d} />`}<//>
  </section>`;
}
