import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserSkipReason, launchBrowser, screenshots } from "./browser.js";
import { startChatPurser, TREASURY_YAML, type ChatPurser } from "./purser.js";
import { openLoginLink, signIn } from "./session.js";

/**
 * The dashboard in real headless Chromium against Purser as a real process: paper trading, replayed
 * prices, the terminal chat as the way in (its local operator is the admin).
 */
describe.skipIf(browserSkipReason)(`web dashboard in Chromium${browserSkipReason ? ` (skipped: ${browserSkipReason})` : ""}`, { timeout: 120_000 }, () => {
  let purser: ChatPurser;
  let browser: Browser;
  let link: string;
  let admin: Awaited<ReturnType<typeof signIn>>;
  let page: Page;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "purser-e2e-"));
    writeFileSync(join(dir, "treasury.yaml"), TREASURY_YAML);
    [purser, browser] = await Promise.all([startChatPurser({ TREASURY_CONFIG: join(dir, "treasury.yaml") }, dir), launchBrowser()]);
    link = await purser.loginLink();
    admin = await signIn(browser, link);
    page = admin.page;
  }, 180_000);

  afterAll(async () => {
    await admin?.context.close();
    await browser?.close();
    await purser?.stop();
  });

  it("signs in through the link /web gives in the terminal chat and shows the paper portfolio", async () => {
    expect(link.startsWith(`${purser.base}/web/login`)).toBe(true);
    await page.getByRole("heading", { name: "Portfolio" }).waitFor();
    await page.getByText("paper", { exact: true }).waitFor();
    const usdc = page.getByRole("table", { name: "Holdings" }).getByRole("row").filter({ hasText: "USDC" });
    await usdc.getByText("1,000", { exact: true }).waitFor(); // PAPER_START_USDC
    await page.getByRole("img", { name: "Portfolio value over time" }).or(page.getByText("The chart appears")).first().waitFor();
    const cookies = await admin.context.cookies();
    const session = cookies.find((c) => c.name === "purser_session");
    expect(session).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/" });
    // live prices: the stream sends SOL's price (the last known at once, then each tick) and the table shows it
    const tick = await admin.frame((m) => m.type === "price" && m.symbol === "SOL");
    expect(tick).toMatchObject({ type: "price", symbol: "SOL" });
    await screenshots(page, "portfolio");
    expect(admin.errors).toEqual([]);
  });

  it("a paper buy with Confirm: the fill and the new balance arrive over the WebSocket, without a reload", async () => {
    const stream = await admin.stream;
    await page.getByRole("link", { name: "Portfolio" }).click();
    await page.locator('[data-testid="conn"][data-status="live"]').waitFor();
    const live = await page.evaluate(() => ((globalThis as unknown as { marker: number }).marker = Math.random()));
    const trade = page.getByRole("form", { name: "Trade" });
    await trade.getByLabel("Token").fill("SOL");
    await trade.getByLabel("Amount").fill("10");
    const previewed = page.waitForResponse((r) => r.url().endsWith("/api/v1/trades/preview"));
    await trade.getByRole("button", { name: "Preview" }).click();
    expect((await previewed).status()).toBe(200);
    const preview = page.getByRole("region", { name: "Preview" });
    await preview.getByText(/SOL/).first().waitFor();

    const fill = stream.waitForEvent("framereceived", {
      predicate: (f) => {
        const m = JSON.parse(String(f.payload)) as { type?: string; event?: { kind?: string } };
        return m.type === "event" && m.event?.kind === "fill";
      },
      timeout: 60_000,
    });
    const confirmed = page.waitForResponse((r) => /\/api\/v1\/actions\//.test(r.url()));
    await preview.getByRole("button", { name: "Confirm" }).click();
    expect((await confirmed).status()).toBe(200);
    await fill; // the fill came over the WebSocket
    await page.getByRole("log", { name: "Live events" }).getByText(/fill/i).first().waitFor();
    // the new balance: SOL held, USDC down by what was paid
    await page.getByTestId("amount-SOL").waitFor();
    await page.getByRole("table", { name: "Holdings" }).getByRole("row").filter({ hasText: "USDC" }).getByText("990", { exact: true }).waitFor();
    expect(await page.evaluate(() => (globalThis as unknown as { marker: number }).marker)).toBe(live); // same document: no reload
    await screenshots(page, "portfolio-after-fill");

    await page.getByRole("link", { name: "Trades" }).click();
    await page.getByRole("table", { name: "Trades" }).getByRole("row").filter({ hasText: "SOL" }).first().waitFor();
    await screenshots(page, "trades");
  });

  it("creates an automation with preview and Confirm, then cancels it", async () => {
    await page.getByRole("link", { name: "Automations" }).click();
    const form = page.getByRole("form", { name: "New automation" });
    await form.getByLabel("Kind").selectOption("limit");
    await form.getByLabel("Side").fill("buy");
    await form.getByLabel("Token").fill("SOL");
    await form.getByLabel("Amount").fill("100");
    await form.getByLabel("Price").fill("50");
    const previewed = page.waitForResponse((r) => r.url().endsWith("/api/v1/automations/preview"));
    await form.getByRole("button", { name: "Preview" }).click();
    expect((await previewed).status()).toBe(200);
    const listed = page.waitForResponse((r) => r.url().endsWith("/api/v1/automations") && r.request().method() === "GET");
    await page.getByRole("region", { name: "Preview" }).getByRole("button", { name: "Confirm" }).click();
    await listed;
    const table = page.getByRole("table", { name: "Automations" });
    const cancel = table.getByRole("button", { name: /^Cancel / });
    await cancel.first().waitFor();
    expect(await cancel.count()).toBe(1);
    await screenshots(page, "automations");
    const deleted = page.waitForResponse((r) => r.request().method() === "DELETE" && r.url().includes("/api/v1/automations/"));
    await cancel.first().click();
    expect((await deleted).status()).toBeLessThan(300);
    await table.getByRole("button", { name: /^Cancel / }).waitFor({ state: "detached" });
  });

  it("an admin sees the treasury and pauses it", async () => {
    await page.getByRole("link", { name: "Treasury" }).click();
    await page.getByRole("table", { name: "Allocation" }).getByRole("row").filter({ hasText: "SOL" }).waitFor();
    await page.getByTestId("treasury-state").filter({ hasText: "Running" }).waitFor();
    const paused = page.waitForResponse((r) => r.url().endsWith("/api/v1/treasury/pause"));
    await page.getByRole("button", { name: "Pause treasury" }).click();
    expect((await paused).status()).toBe(200);
    await page.getByTestId("treasury-state").filter({ hasText: "Paused" }).waitFor();
    await page.getByRole("button", { name: "Resume treasury" }).waitFor();
    await screenshots(page, "treasury");
    await page.getByRole("link", { name: "Audit" }).click();
    await page.getByRole("heading", { name: "Audit log" }).waitFor();
    await screenshots(page, "audit");
  });

  it("a state-changing request without the CSRF token is refused", async () => {
    const attempt = (headers: Record<string, string>) =>
      page.evaluate(async (h) => {
        const r = await fetch("/api/v1/trades/preview", { method: "POST", headers: { "content-type": "application/json", ...h }, body: JSON.stringify({ side: "buy", token: "SOL", amount: "1" }) });
        return { status: r.status, body: (await r.json()) as { error?: string } };
      }, headers);
    const none = await attempt({});
    expect(none).toMatchObject({ status: 403, body: { error: "csrf" } });
    expect(await attempt({ "x-csrf-token": "not-the-token" })).toMatchObject({ status: 403, body: { error: "csrf" } });
    // the same request with the session's token goes through: the token is what was missing
    const { csrf } = await page.evaluate(async () => (await (await fetch("/api/v1/session")).json()) as { csrf: string });
    expect((await attempt({ "x-csrf-token": csrf })).status).toBe(200);
  });

  it("a sign-in link already used is refused", async () => {
    const again = await openLoginLink(browser, link);
    try {
      expect(again.status).toBe(400);
      await again.page.getByText("This sign-in link was already used or has expired").waitFor();
      const cookies = await again.context.cookies();
      expect(cookies.find((c) => c.name === "purser_session")).toBeUndefined();
    } finally {
      await again.context.close();
    }
  });
});
