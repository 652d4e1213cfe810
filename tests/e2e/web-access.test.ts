import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTelegramFake, type TelegramFake } from "../fakes/telegram-bot-api.js";
import { until } from "../helpers/faults.js";
import { browserSkipReason, launchBrowser } from "./browser.js";
import { LOGIN_LINK, startChatPurser, startHeadlessPurser, type PurserWeb } from "./purser.js";
import { openLoginLink, signIn } from "./session.js";

const up = (p: PurserWeb) =>
  until(
    async () => (await fetch(`${p.base}/web/`).catch(() => undefined))?.ok === true,
    `Purser's dashboard on ${p.base}`,
    90_000,
    p.output,
  );

/** Who may see what, and which sign-in links are refused, in real headless Chromium against real processes. */
describe.skipIf(browserSkipReason)(`web dashboard access in Chromium${browserSkipReason ? ` (skipped: ${browserSkipReason})` : ""}`, { timeout: 150_000 }, () => {
  let browser: Browser;
  const stops: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    for (const s of stops.splice(0).reverse()) await s();
    await browser?.close();
  });

  it("a non-admin (a Telegram user) signs in and sees no treasury: no tab, and the API answers 403", async () => {
    const tg: TelegramFake = await startTelegramFake({ limits: false });
    stops.push(() => tg.close());
    const ADMIN = 1001;
    const USER = 2002;
    const purser = await startHeadlessPurser({ TELEGRAM_BOT_TOKEN: tg.token, TELEGRAM_API_ROOT: tg.apiRoot, ADMIN_IDS: `telegram:${ADMIN}` });
    stops.push(() => purser.stop());
    await up(purser);
    tg.message({ chatId: USER, fromId: USER, text: "/web", firstName: "Nadia" });
    const sent = await tg.waitFor((m) => Number(m.chat_id) === USER && LOGIN_LINK.test(JSON.stringify(m.params)), 60_000);
    const link = JSON.stringify(sent.params).match(LOGIN_LINK)![0];
    const user = await signIn(browser, link);
    stops.push(() => user.context.close());
    const { page } = user;
    await page.getByRole("heading", { name: "Portfolio" }).waitFor();
    const nav = page.getByRole("navigation", { name: "Views" });
    await nav.getByRole("link", { name: "Settings" }).waitFor();
    expect(await nav.getByRole("link", { name: "Treasury" }).count()).toBe(0);
    expect(await nav.getByRole("link", { name: "Audit" }).count()).toBe(0);
    // typing the address does not help either: the view is not there, and the API refuses
    await page.goto(`${purser.base}/web/#/treasury`);
    await page.getByRole("heading", { name: "Portfolio" }).waitFor();
    const session = await (await page.request.get(`${purser.base}/api/v1/session`)).json();
    expect(session.role).not.toBe("admin");
    expect((await page.request.get(`${purser.base}/api/v1/treasury`)).status()).toBe(403);
    expect((await page.request.get(`${purser.base}/api/v1/audit`)).status()).toBe(403);
    const csrf = { "x-csrf-token": session.csrf as string };
    expect((await page.request.post(`${purser.base}/api/v1/treasury/pause`, { headers: csrf })).status()).toBe(403);
    expect(user.errors).toEqual([]);
  });

  it("a sign-in link past its 5 minutes is refused", async () => {
    // The link is issued by one process; a second on the same database whose clock runs 6 minutes ahead
    // is where it is opened: a real expiry, with no wait.
    const dir = mkdtempSync(join(tmpdir(), "purser-e2e-"));
    const chat = await startChatPurser({}, dir);
    const link = await chat.loginLink();
    await chat.stop();
    const later = await startHeadlessPurser({}, dir, { clockOffsetMs: 6 * 60_000 });
    stops.push(() => later.stop());
    await up(later);
    const opened = await openLoginLink(browser, link.replace(/^http:\/\/127\.0\.0\.1:\d+/, later.base));
    stops.push(() => opened.context.close());
    expect(opened.status).toBe(400);
    await opened.page.getByText("This sign-in link was already used or has expired").waitFor();
    expect((await opened.context.cookies()).find((c) => c.name === "purser_session")).toBeUndefined();
    // and the API knows nobody here
    expect((await opened.page.request.get(`${later.base}/api/v1/session`)).status()).toBe(401);
  });
});
