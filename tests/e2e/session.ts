import type { Browser, BrowserContext, Page, WebSocket } from "playwright-core";

export interface SignedIn {
  context: BrowserContext;
  page: Page;
  /** The dashboard's live connection to /api/v1/stream, opened after sign-in. */
  stream: Promise<WebSocket>;
}

/** The button's POST to the sign-in page (the GET only shows the page: link previews must not consume it). */
const isLoginPost = (url: string, method: string) => method === "POST" && new URL(url).pathname.startsWith("/web/login");

/**
 * Opens a sign-in link in a fresh browser context and presses "Sign in"; resolves with the status of the
 * POST that consumed the link (the dashboard is loaded on success).
 */
export async function openLoginLink(browser: Browser, link: string, viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ viewport });
  // bounds for a loaded CI machine, not synchronisation: every wait below is for an event
  context.setDefaultTimeout(60_000);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  // the browser's own /favicon.ico probe of the sign-in page (which names no icon) is not the dashboard's
  page.on("console", (m) => m.type() === "error" && !m.location().url.endsWith("/favicon.ico") && errors.push(`${m.text()} (${m.location().url})`));
  const stream = page.waitForEvent("websocket", { predicate: (ws) => ws.url().includes("/api/v1/stream"), timeout: 60_000 });
  // every frame the dashboard's stream receives, from the first (the last known price comes at subscribe)
  const frames: Array<{ type?: string; symbol?: string; event?: { kind?: string } }> = [];
  const waiters = new Set<() => void>();
  page.on("websocket", (ws) => {
    if (!ws.url().includes("/api/v1/stream")) return;
    ws.on("framereceived", (f) => {
      frames.push(JSON.parse(String(f.payload)) as (typeof frames)[number]);
      waiters.forEach((w) => w());
    });
  });
  /** The first frame (already received or still to come) that fits. */
  const frame = (fits: (m: (typeof frames)[number]) => boolean, timeoutMs = 60_000) =>
    new Promise<(typeof frames)[number]>((resolve, reject) => {
      const check = () => {
        const m = frames.find(fits);
        if (!m) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(m);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no such stream frame within ${timeoutMs} ms; received: ${JSON.stringify(frames).slice(0, 500)}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  stream.catch(() => undefined); // a refused link never opens one
  await page.goto(link);
  const posted = page.waitForResponse((r) => isLoginPost(r.url(), r.request().method()));
  await page.getByRole("button", { name: /sign in/i }).click();
  const response = await posted;
  return { context, page, stream, frame, status: response.status(), errors };
}

/** Signs in and waits for the dashboard with its live connection up. */
export async function signIn(browser: Browser, link: string) {
  const s = await openLoginLink(browser, link);
  if (s.status >= 400) throw new Error(`the sign-in link was refused (HTTP ${s.status}): ${await s.page.textContent("body")}`);
  await s.page.waitForURL((u) => u.pathname === "/web/" || u.pathname === "/web");
  await s.page.locator('[data-testid="conn"][data-status="live"]').waitFor();
  return s;
}
