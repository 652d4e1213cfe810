import { afterEach, describe, expect, it } from "vitest";
import { makeTestApp, type TestApp } from "../helpers/app.js";

let app: TestApp;
afterEach(async () => app?.close());

const codeOf = (text: string) => /link code: (\w+)/.exec(text)?.[1] ?? "";

describe("/link", () => {
  it("joins a Telegram and a Discord identity into one user", async () => {
    app = await makeTestApp();
    const tg = { platform: "telegram" as const, id: "111", name: "alice_tg" };
    const dc = { platform: "discord" as const, id: "222", name: "alice_dc" };
    const before = await app.say("/whoami", dc);
    const issued = await app.say("/link", tg);
    const code = codeOf(issued.text);
    expect(code).toMatch(/^[A-Z2-9]{8}$/);
    expect(issued.replies[0]!.private).toBe(true);

    const joined = await app.say(`/link ${code.toLowerCase()}`, dc);
    expect(joined.text).toContain("Linked.");
    expect(joined.text).toContain("telegram");
    expect(joined.text).toContain("discord");

    const tgWho = await app.say("/whoami", tg);
    const dcWho = await app.say("/whoami", dc);
    const userOf = (t: string) => /User\s+(\w+)/.exec(t)?.[1];
    expect(userOf(dcWho.text)).toBe(userOf(tgWho.text));
    expect(userOf(before.text)).not.toBe(userOf(dcWho.text));
    // Every identity as platform:id (name), the form ADMIN_IDS takes.
    expect(dcWho.text).toMatch(/Linked\s+telegram:111 \(alice_tg\)/);
    expect(dcWho.text).toMatch(/Linked\s+discord:222 \(alice_dc\)/);
    const audit = await app.services.audit.recent(10, "link.joined");
    expect(audit).toHaveLength(1);
  });

  it("refuses a reused code", async () => {
    app = await makeTestApp();
    const code = codeOf((await app.say("/link", { platform: "telegram", id: "1" })).text);
    expect((await app.say(`/link ${code}`, { platform: "discord", id: "2" })).text).toContain("Linked.");
    const again = await app.say(`/link ${code}`, { platform: "console", id: "3" });
    expect(again.outcome).toBe("error");
    expect(again.text).toBe("That link code was already used. Ask for a new one with /link.");
  });

  it("refuses an expired code (after 10 minutes)", async () => {
    app = await makeTestApp();
    const code = codeOf((await app.say("/link", { platform: "telegram", id: "1" })).text);
    app.clock.advance(10 * 60_000 + 1);
    const r = await app.say(`/link ${code}`, { platform: "discord", id: "2" });
    expect(r.text).toBe("That link code has expired. Ask for a new one with /link.");
  });

  it("refuses an unknown code, a code from the same account, and a second identity on one platform", async () => {
    app = await makeTestApp();
    expect((await app.say("/link ZZZZZZZZ", { platform: "discord", id: "2" })).text).toBe("That link code is not valid.");
    expect((await app.say("/link not-a-code!", { platform: "discord", id: "2" })).text).toBe("That is not a link code.");
    const code = codeOf((await app.say("/link", { platform: "telegram", id: "1" })).text);
    expect((await app.say(`/link ${code}`, { platform: "telegram", id: "1" })).text).toContain("belongs to this account");
    expect((await app.say(`/link ${code}`, { platform: "telegram", id: "9" })).text).toContain("one identity per platform");
    // the code is still usable by a legitimate other platform
    expect((await app.say(`/link ${code}`, { platform: "discord", id: "2" })).text).toContain("Linked.");
  });

  it("rate-limits guessing: the sixth attempt within ten minutes is refused", async () => {
    app = await makeTestApp();
    for (let i = 0; i < 5; i++) {
      expect((await app.say(`/link AAAAAAA${i + 2}`, { platform: "discord", id: "2" })).text).toBe("That link code is not valid.");
    }
    expect((await app.say("/link AAAAAAAA", { platform: "discord", id: "2" })).text).toContain("Too many link attempts");
  });

  it("an admin identity makes the linked person an admin on every platform", async () => {
    app = await makeTestApp({ env: { ADMIN_IDS: "telegram:1" } });
    expect((await app.say("/audit", { platform: "discord", id: "2" })).outcome).toBe("error");
    const code = codeOf((await app.say("/link", { platform: "telegram", id: "1" })).text);
    await app.say(`/link ${code}`, { platform: "discord", id: "2" });
    expect((await app.say("/audit", { platform: "discord", id: "2" })).outcome).toBe("replied");
  });
});
