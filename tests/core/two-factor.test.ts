import { Secret, TOTP } from "otpauth";
import { afterEach, describe, expect, it } from "vitest";
import { AesSecretBox } from "../../adapters/security/secret-box.js";
import { OtpauthTotp } from "../../adapters/security/totp.js";
import { UserError } from "../../core/errors.js";
import { silentLogger } from "../../core/ports/logger.port.js";
import { TwoFactorService } from "../../core/services/two-factor.service.js";
import { repositories, type Db } from "../../db/index.js";
import { FakeClock } from "../helpers/clock.js";
import { testDatabases, type TestDb } from "../helpers/databases.js";

const MASTER = "m".repeat(32) + "-two-factor-test";
const cleanup: TestDb[] = [];
afterEach(async () => {
  for (const t of cleanup.splice(0)) await t.cleanup();
});

/** The code an authenticator app shows for `secret` at `at` (ms). */
const codeAt = (secret: string, at: number) => TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: at });

function service(db: Db, clock: FakeClock) {
  const repos = repositories(db, clock);
  const svc = new TwoFactorService({
    store: repos.twoFactor,
    kv: repos.kv,
    box: new AesSecretBox([MASTER]),
    totp: new OtpauthTotp(),
    audit: repos.audit,
    clock,
    log: silentLogger,
  });
  return { svc, repos };
}

/** The UserError a call throws (fails the test when it does not throw one). */
async function refusal(p: Promise<unknown>): Promise<UserError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(e instanceof UserError)) throw new Error(`expected a UserError, got ${String(e)}`);
  return e;
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof UserError) return err.code;
    throw err;
  }
  return "ok";
}

describe.each(testDatabases())("two-factor service on $name", ({ skip, make }) => {
  async function world() {
    const t = make();
    cleanup.push(t);
    const db = await t.open();
    const clock = new FakeClock(Date.UTC(2026, 11, 7, 10, 0, 0));
    return { db, clock, ...service(db, clock) };
  }

  /** A user with 2FA on (confirmed at the current step), its secret and recovery codes. */
  async function enabled(w: Awaited<ReturnType<typeof world>>, userId = "u1") {
    const setup = await w.svc.begin(userId);
    const { recoveryCodes } = await w.svc.confirmSetup(userId, codeAt(setup.secret, w.clock.now()));
    return { ...setup, recoveryCodes };
  }

  it.skipIf(skip)("setup: the otpauth URI and QR, then the first real code turns it on with ten recovery codes", async () => {
    const w = await world();
    const setup = await w.svc.begin("u1");
    expect(setup.uri).toMatch(/^otpauth:\/\/totp\/Purser:user-u1\?/);
    expect(setup.uri).toContain(`secret=${setup.secret}`);
    expect(setup.uri).toContain("algorithm=SHA1&digits=6&period=30");
    expect(Buffer.from(setup.qrPng.subarray(0, 8)).toString("hex")).toBe("89504e470d0a1a0a"); // PNG signature
    expect(await w.svc.status("u1")).toEqual({ enabled: false, pending: true });
    expect(await w.svc.enabled("u1")).toBe(false);
    // the secret is sealed at rest, never plain
    const row = await w.repos.twoFactor.get("u1");
    expect(row!.secretSealed).not.toContain(setup.secret);
    expect(await codeOf(w.svc.confirmSetup("u1", "000000"))).toBe("twofa_bad_code");
    const { recoveryCodes } = await w.svc.confirmSetup("u1", codeAt(setup.secret, w.clock.now()));
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    for (const c of recoveryCodes) expect(c).toMatch(/^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{2}$/);
    expect(await w.svc.status("u1")).toEqual({ enabled: true, enabledAt: w.clock.now(), recoveryLeft: 10 });
    // recovery codes are stored hashed (salted, peppered), never as given
    const stored = await w.repos.twoFactor.recovery("u1");
    for (const c of recoveryCodes) for (const s of stored) expect(JSON.stringify(s)).not.toContain(c.replace(/-/g, ""));
    expect(await codeOf(w.svc.begin("u1"))).toBe("twofa_on");
  });

  it.skipIf(skip)("a wrong code, the same step's code again, and a code two steps old are refused; the next step's is accepted", async () => {
    const w = await world();
    const { secret } = await enabled(w);
    w.clock.advance(30_000);
    const now = w.clock.now();
    expect(await codeOf(w.svc.verify("u1", codeAt(secret, now) === "123456" ? "654321" : "123456", "export"))).toBe("twofa_bad_code");
    expect(await codeOf(w.svc.verify("u1", codeAt(secret, now - 60_000), "export"))).toBe("twofa_bad_code"); // stale: two steps old
    expect(await codeOf(w.svc.verify("u1", codeAt(secret, now), "export"))).toBe("ok");
    expect(await codeOf(w.svc.verify("u1", codeAt(secret, now), "withdraw"))).toBe("twofa_reused"); // same step, once only
    expect(await codeOf(w.svc.verify("u1", codeAt(secret, now - 30_000), "withdraw"))).toBe("twofa_reused"); // the step before: inside the window, but older than the last accepted
    w.clock.advance(30_000);
    expect(await codeOf(w.svc.verify("u1", codeAt(secret, w.clock.now() - 30_000), "withdraw"))).toBe("twofa_reused"); // a step already used, one step old
    expect(await codeOf(w.svc.verify("u1", codeAt(secret, w.clock.now()), "withdraw"))).toBe("ok");
    const audit = (await w.repos.audit.recent(50, "2fa.verify")).map((e) => e.detail);
    expect(audit).toContainEqual({ purpose: "export", ok: false, reason: "bad_code", failures: 1 });
    expect(audit).toContainEqual({ purpose: "withdraw", ok: false, reason: "reused", failures: 3 });
    expect(audit).toContainEqual({ purpose: "withdraw", ok: true, method: "totp" });
    // never the code itself
    expect(JSON.stringify(await w.repos.audit.recent(100))).not.toContain(codeAt(secret, now));
  });

  it.skipIf(skip)("two processes given the same code accept it once", async () => {
    const w = await world();
    const { secret } = await enabled(w);
    w.clock.advance(30_000);
    const other = service(w.db, w.clock).svc;
    const code = codeAt(secret, w.clock.now());
    const results = await Promise.all([codeOf(w.svc.verify("u1", code, "withdraw")), codeOf(other.verify("u1", code, "withdraw"))]);
    expect(results.sort()).toEqual(["ok", "twofa_reused"]);
  });

  it.skipIf(skip)("five failures lock codes for 15 minutes (even a right code), say until when, and are audited", async () => {
    const w = await world();
    const { secret, recoveryCodes } = await enabled(w);
    w.clock.advance(30_000);
    for (let i = 0; i < 4; i++) {
      const e = await refusal(w.svc.verify("u1", "000000", "export"));
      expect(e.code).toBe("twofa_bad_code");
      expect(e.message).toContain(`${4 - i} ${4 - i === 1 ? "try" : "tries"} left`);
    }
    const locked = await refusal(w.svc.verify("u1", "000001", "export"));
    expect(locked.code).toBe("twofa_locked");
    expect(locked.message).toContain("locked until 2026-12-07 10:15");
    expect(await codeOf(w.svc.verify("u1", codeAt(secret, w.clock.now()), "export"))).toBe("twofa_locked");
    expect(await codeOf(w.svc.verify("u1", recoveryCodes[0]!, "export"))).toBe("twofa_locked"); // recovery codes wait too
    expect((await w.repos.audit.recent(10, "2fa.locked")).map((e) => e.userId)).toEqual(["u1"]);
    expect((await w.repos.audit.recent(50, "2fa.verify")).filter((e) => e.detail?.reason === "locked")).toHaveLength(2);
    w.clock.advance(15 * 60_000);
    expect(await codeOf(w.svc.verify("u1", codeAt(secret, w.clock.now()), "export"))).toBe("ok");
    // a success starts the count again
    expect(await codeOf(w.svc.verify("u1", "000000", "export"))).toBe("twofa_bad_code");
    expect((await w.repos.twoFactor.get("u1"))!.failCount).toBe(1);
  });

  it.skipIf(skip)("failures further apart than the window do not add up to a lock", async () => {
    const w = await world();
    await enabled(w);
    for (let i = 0; i < 8; i++) {
      expect(await codeOf(w.svc.verify("u1", "000000", "export"))).toBe("twofa_bad_code");
      w.clock.advance(4 * 60_000);
    }
  });

  it.skipIf(skip)("a recovery code works once, in place of a TOTP code; any case, with or without dashes", async () => {
    const w = await world();
    const { recoveryCodes } = await enabled(w);
    expect(await codeOf(w.svc.verify("u1", recoveryCodes[3]!.toUpperCase(), "withdraw"))).toBe("ok");
    expect(await codeOf(w.svc.verify("u1", recoveryCodes[3]!, "withdraw"))).toBe("twofa_bad_code");
    expect(await codeOf(w.svc.verify("u1", recoveryCodes[4]!.replace(/-/g, ""), "export"))).toBe("ok");
    expect((await w.svc.status("u1")).recoveryLeft).toBe(8);
    expect((await w.repos.audit.recent(10, "2fa.verify")).map((e) => e.detail?.method).filter(Boolean)).toContain("recovery");
    // another user's codes are not this user's
    const other = await enabled(w, "u2");
    expect(await codeOf(w.svc.verify("u1", other.recoveryCodes[0]!, "export"))).toBe("twofa_bad_code");
  });

  it.skipIf(skip)("disable needs a current code; then 2FA is off and a new setup may start", async () => {
    const w = await world();
    const { secret } = await enabled(w);
    w.clock.advance(30_000);
    expect(await codeOf(w.svc.disable("u1", "000000"))).toBe("twofa_bad_code");
    expect(await w.svc.enabled("u1")).toBe(true);
    await w.svc.disable("u1", codeAt(secret, w.clock.now()));
    expect(await w.svc.status("u1")).toEqual({ enabled: false });
    expect(await w.repos.twoFactor.recovery("u1")).toEqual([]);
    expect(await codeOf(w.svc.verify("u1", codeAt(secret, w.clock.now() + 30_000), "export"))).toBe("twofa_off");
    expect((await w.repos.audit.recent(10, "2fa.disabled")).map((e) => e.userId)).toEqual(["u1"]);
  });

  it.skipIf(skip)("a step waiting for a code survives a restart, is taken once, and expires", async () => {
    const w = await world();
    await w.svc.expectCode("u1", { kind: "export", ref: "w1" }, 60_000);
    const restarted = service(w.db, w.clock).svc; // another process (or after a restart) on the same database
    const both = await Promise.all([restarted.takeExpected("u1"), w.svc.takeExpected("u1")]);
    expect(both.filter(Boolean)).toEqual([{ kind: "export", ref: "w1" }]);
    expect(await w.svc.takeExpected("u1")).toBeUndefined();
    await w.svc.expectCode("u1", { kind: "2fa_disable", ref: "a" }, 60_000);
    await w.svc.expectCode("u1", { kind: "2fa_disable", ref: "b" }, 60_000); // a newer one replaces it
    expect(await restarted.takeExpected("u1")).toEqual({ kind: "2fa_disable", ref: "b" });
    await w.svc.expectCode("u1", { kind: "export", ref: "w1" }, 60_000);
    w.clock.advance(60_001);
    expect(await w.svc.takeExpected("u1")).toBeUndefined();
  });

  it.skipIf(skip)("a sealed secret copied to another user's row does not open there", async () => {
    const w = await world();
    const a = await w.svc.begin("u1");
    await w.svc.begin("u2");
    const sealed = (await w.repos.twoFactor.get("u1"))!.secretSealed;
    await w.db.db.updateTable("two_factor").set({ secret_sealed: sealed }).where("user_id", "=", "u2").execute();
    expect(await codeOf(w.svc.confirmSetup("u2", codeAt(a.secret, w.clock.now())))).toBe("twofa_unavailable");
    expect((await w.repos.audit.recent(10, "2fa.secret_unreadable")).map((e) => e.userId)).toEqual(["u2"]);
  });
});
