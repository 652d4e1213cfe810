// The REST client: same-origin JSON, the CSRF token from GET /api/v1/session on every state-changing request.

let csrf = "";

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code;
  }
}

/** The signed-in user ({ userId, name, role, csrf }), or null when there is no session. */
export async function loadSession() {
  const r = await fetch("/api/v1/session", { credentials: "same-origin", headers: { accept: "application/json" } });
  if (r.status === 401) return null;
  if (!r.ok) throw new ApiError(r.status, "session", `The session could not be read (HTTP ${r.status}).`);
  const s = await r.json();
  csrf = s.csrf;
  return s;
}

export async function api(method, path, body) {
  const headers = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET" && method !== "HEAD") headers["x-csrf-token"] = csrf;
  const r = await fetch(`/api/v1${path}`, {
    method,
    headers,
    credentials: "same-origin",
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const data = r.status === 204 ? {} : await r.json().catch(() => ({}));
  if (!r.ok) throw new ApiError(r.status, data.error, data.message);
  return data;
}

export const get = (path) => api("GET", path);
export const post = (path, body = {}) => api("POST", path, body);
export const del = (path) => api("DELETE", path);
export const patch = (path, body) => api("PATCH", path, body);

/** Presses a reply button (Confirm / Cancel) through the router: the same code path as a chat button. */
export const press = (action) => post(`/actions/${encodeURIComponent(action)}`);
