// The Purser dashboard: one page, hash routes, data from /api/v1, live prices and events from /api/v1/stream.
import { render } from "/web/vendor/preact.mjs";
import { useEffect, useState } from "/web/vendor/preact-hooks.mjs";
import { loadSession } from "./api.js";
import { Audit, Treasury } from "./admin.js";
import { Automations } from "./automations.js";
import { Portfolio } from "./portfolio.js";
import { Settings } from "./settings.js";
import { startStream, useEvents, useLive } from "./stream.js";
import { Trades } from "./trades.js";
import { amount, html } from "./ui.js";

const VIEWS = [
  { id: "portfolio", title: "Portfolio", view: Portfolio },
  { id: "trades", title: "Trades", view: Trades },
  { id: "automations", title: "Automations", view: Automations },
  { id: "settings", title: "Settings", view: Settings },
  { id: "treasury", title: "Treasury", view: Treasury, admin: true },
  { id: "audit", title: "Audit", view: Audit, admin: true },
];

const routeOf = () => location.hash.replace(/^#\/?/, "") || "portfolio";

function useRoute() {
  const [route, setRoute] = useState(routeOf());
  useEffect(() => {
    const on = () => setRoute(routeOf());
    addEventListener("hashchange", on);
    return () => removeEventListener("hashchange", on);
  }, []);
  return route;
}

const leg = (l) => (l && l.amount !== null && l.amount !== undefined ? `${amount(l.amount)} ${l.symbol}` : l?.symbol ?? "");

/** One line for a pushed event (the stream's typed fields, see adapters/web/stream-protocol.ts). */
export function describeEvent(ev) {
  if (ev.kind === "fill") {
    const paper = ev.mode === "paper" ? " (paper)" : "";
    return ev.input && ev.output ? `Filled${paper}: ${leg(ev.input)} -> ${leg(ev.output)}` : `Filled${paper}`;
  }
  if (ev.kind === "order") return `Order ${ev.orderId ?? ""} ${ev.outcome ?? ev.status ?? ""}${ev.error ? `: ${ev.error}` : ""}`;
  if (ev.kind === "alert") return `Alert: ${ev.symbol ?? "portfolio"} ${ev.alertKind ?? ""} ${ev.level ?? ""} (now ${ev.value ?? "-"})`;
  if (ev.kind === "automation") return `${ev.rule ?? "Automation"} ${ev.symbol ?? ""}: ${ev.outcome ?? ""}${ev.reason ? ` (${ev.reason})` : ""}`;
  return String(ev.kind ?? "event");
}

function LiveFeed() {
  const [events, setEvents] = useState([]);
  useEvents((ev) => setEvents((list) => [{ ev, at: Date.now(), n: (list[0]?.n ?? 0) + 1 }, ...list].slice(0, 3)));
  if (!events.length) return null;
  return html`<aside class="feed" role="log" aria-label="Live events">
    ${events.map(({ ev, n }) => html`<p key=${n} class=${`event ${ev.kind}`}>${describeEvent(ev)}
      <button class="close" aria-label="Dismiss" onClick=${() => setEvents((list) => list.filter((x) => x.n !== n))}>×</button></p>`)}
  </aside>`;
}

function SignedOut() {
  return html`<main class="signed-out">
    <h1>Purser</h1>
    <p>You are not signed in. Send <code>/web</code> to Purser in a private chat: it answers with a one-time sign-in link (valid 5 minutes).</p>
  </main>`;
}

function Shell({ session }) {
  const route = useRoute();
  const status = useLive();
  const admin = session.role === "admin";
  const views = VIEWS.filter((v) => !v.admin || admin);
  const current = views.find((v) => v.id === route) ?? views[0];
  const View = current.view;
  return html`<div class="shell">
    <header class="top">
      <a class="brand" href="#/portfolio">Purser</a>
      <nav aria-label="Views">${views.map((v) => html`<a href=${`#/${v.id}`} aria-current=${v === current ? "page" : undefined}>${v.title}</a>`)}</nav>
      <span class=${`conn ${status}`} data-testid="conn" data-status=${status} title="Live updates">${status === "live" ? "● live" : status === "signed-out" ? "signed out" : "○ " + status}</span>
    </header>
    <main><${View} key=${current.id} session=${session} /></main>
    <${LiveFeed} />
  </div>`;
}

function App() {
  const [session, setSession] = useState(undefined);
  const [error, setError] = useState(null);
  useEffect(() => {
    loadSession().then(
      (s) => {
        setSession(s);
        if (s) startStream();
      },
      (e) => setError(e),
    );
  }, []);
  if (error) return html`<p class="error" role="alert">${error.message}</p>`;
  if (session === undefined) return html`<p class="boot">Loading Purser…</p>`;
  return session ? html`<${Shell} session=${session} />` : html`<${SignedOut} />`;
}

render(html`<${App} />`, document.getElementById("app"));
