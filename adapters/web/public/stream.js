// The live connection: /api/v1/stream over WebSocket (the session cookie authenticates it), price ticks and
// the user's own events, reconnecting with back-off. Views subscribe with useLive() / onEvent().
import { useEffect, useState } from "/web/vendor/preact-hooks.mjs";

const prices = new Map(); // symbol -> { priceUsd, at }
const listeners = new Set(); // () => void, on any change
const eventListeners = new Set(); // (event) => void
const wanted = new Set(["SOL"]);
let socket = null;
let status = "connecting";
let retryMs = 500;

const changed = () => listeners.forEach((l) => l());

function send(msg) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(msg));
}

function connect() {
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/api/v1/stream`;
  const ws = new WebSocket(url);
  socket = ws;
  status = "connecting";
  changed();
  ws.onopen = () => {
    status = "live";
    retryMs = 500;
    send({ type: "subscribe", prices: [...wanted] });
    changed();
  };
  ws.onmessage = (m) => {
    let msg;
    try {
      msg = JSON.parse(m.data);
    } catch {
      return;
    }
    if (msg.type === "ping") send({ type: "pong" });
    else if (msg.type === "price") {
      prices.set(String(msg.symbol).toUpperCase(), { priceUsd: Number(msg.priceUsd), at: msg.at });
      changed();
    } else if (msg.type === "event" && msg.event) eventListeners.forEach((l) => l(msg.event));
  };
  ws.onclose = (e) => {
    if (socket !== ws) return;
    socket = null;
    // 4401: the session is gone (signed out, expired, revoked); 1008: refused by policy. Retrying cannot help.
    status = e.code === 4401 ? "signed-out" : e.code === 1008 ? "refused" : "offline";
    changed();
    if (status === "offline") setTimeout(connect, retryMs);
    retryMs = Math.min(retryMs * 2, 15_000);
  };
}

export function startStream() {
  if (!socket) connect();
}

/** Adds tokens to the live price subscription. */
export function watchPrices(symbols) {
  const fresh = symbols.map((s) => String(s).toUpperCase()).filter((s) => s && !wanted.has(s));
  if (!fresh.length) return;
  fresh.forEach((s) => wanted.add(s));
  send({ type: "subscribe", prices: fresh });
}

export const streamStatus = () => status;

export const livePrice = (symbol) => prices.get(String(symbol).toUpperCase());

/** Re-renders the calling component on every tick or connection change; returns the connection status. */
export function useLive() {
  const [, setN] = useState(0);
  useEffect(() => {
    const l = () => setN((n) => n + 1);
    listeners.add(l);
    return () => listeners.delete(l);
  }, []);
  return status;
}

/** Calls `fn(event)` for each of the user's events (fill, alert, automation, order) while mounted. */
export function useEvents(fn, deps = []) {
  useEffect(() => {
    eventListeners.add(fn);
    return () => eventListeners.delete(fn);
  }, deps);
}
