import { afterEach, describe, expect, it } from "vitest";
import auto from "../../commands/auto.command.js";
import { automationActions } from "../../commands/automation.common.js";
import limit from "../../commands/limit.command.js";
import stop from "../../commands/stop.command.js";
import { BUILTIN_TOKENS } from "../../core/domain/builtin-tokens.js";
import type { Token } from "../../core/domain/token.js";
import type { TokenSafetyPolicy } from "../../core/domain/token-safety.js";
import { RISK_ACK_LABEL } from "../../core/domain/trade-risk.js";
import { plainText } from "../../core/router/reply.js";
import type { Reply } from "../../core/router/message.js";
import type { AutomationEngine } from "../../core/services/automations/index.js";
import type { Db } from "../../db/index.js";
import { automationWorld, USER, type AutomationWorld } from "../helpers/automation-store.js";
import { MemoryAudit } from "../helpers/audit.js";
import { commandContext } from "../helpers/command-context.js";
import { testDatabases, type TestDb } from "../helpers/databases.js";
import { mintFacts, MINTS } from "../helpers/token-safety.js";

/*
 * Issue 18 on automations: a draft that would buy a token with red safety flags shows them and is
 * armed only by "I understand the risks" (TOKEN_SAFETY=warn), is refused under block, and needs
 * nothing for an allowlisted token or a sell into USDC. The acknowledged flags are stored on the
 * automation and passed to every firing: the firing buys, unless a flag not acknowledged appeared since.
 * Through the real commands, engine, trade path and store (memory, SQLite and, with TEST_DATABASE_URL, Postgres).
 */

const USDC = BUILTIN_TOKENS.find((t) => t.symbol === "USDC")!;
const FRZ: Token = { symbol: "FRZ", name: "Freezable", mint: MINTS.frozen, decimals: 6, verified: true };
const FREEZE_LINE = "RED Freeze authority present: the issuer can freeze your tokens so you cannot sell";

const text = (r: Reply) => plainText(r);
const draftId = (t: string) => /automation (a[a-z0-9]{8})/.exec(t)![1]!;

const targets: Array<{ name: string; skip: string | false; make: (() => TestDb) | null }> = [
  { name: "memory", skip: false, make: null },
  ...testDatabases().map((t) => ({ ...t, make: t.make as () => TestDb })),
];

for (const target of targets) {
  describe.skipIf(target.skip)(`automations on a flagged token, ${target.name} store${target.skip ? ` (skipped: ${target.skip})` : ""}`, () => {
    let w: AutomationWorld | undefined;
    let t: TestDb | undefined;
    afterEach(async () => {
      await w?.close();
      await t?.cleanup();
      w = undefined;
      t = undefined;
    });

    async function world(opts: { policy?: TokenSafetyPolicy; allow?: string[] } = {}) {
      let db: Db | undefined;
      if (target.make) {
        t = target.make();
        db = await t.open();
      }
      w = await automationWorld({
        store: target.make ? "db" : "memory",
        ...(db ? { db } : {}),
        listed: [FRZ],
        safety: { policy: opts.policy ?? "warn" },
        ...(opts.allow ? { allow: opts.allow } : {}),
      });
      w.setPrice("FRZ", 1);
      const engine = await w.engine();
      const audit = new MemoryAudit();
      const services = { automations: engine as AutomationEngine, clock: w.clock, audit };
      const ctx = (userId = USER) => commandContext(services, { user: { id: userId, displayName: userId, role: "user", createdAt: 0 } });
      return { w, engine, ctx, audit };
    }

    /** /limit buy FRZ 10 at 0.9: its preview text, the buttons it issued, and the draft's id. */
    async function limitBuy(ctx: ReturnType<Awaited<ReturnType<typeof world>>["ctx"]>) {
      const r = await limit.run(ctx, limit.args.parse({ side: "buy", token: "FRZ", amount: "10", price: ["at", "0.9"] }));
      const t = text(r);
      return { text: t, id: draftId(t), buttons: ctx.issued.specs.map((b) => [b.label, b.action]) };
    }

    it("warn: the draft shows the flags and offers only the acknowledgement; the plain Confirm is refused; the acknowledgement arms it and a firing buys", async () => {
      const { w, ctx, audit } = await world();
      const d = await limitBuy(ctx());
      expect(d.text).toContain("Safety of FRZ:");
      expect(d.text).toContain(FREEZE_LINE);
      expect(d.text).toContain(`Confirm needs "${RISK_ACK_LABEL}".`);
      expect(d.text).toContain(`Nothing is armed unless you press "${RISK_ACK_LABEL}"`);
      expect(d.buttons).toEqual([
        [RISK_ACK_LABEL, "confirmRisk"],
        ["Cancel", "cancel"],
      ]);

      await expect(automationActions.confirm.run(ctx() as never, { automationId: d.id })).rejects.toMatchObject({
        code: "token_unsafe",
        message: `FRZ is risky (freeze authority). Nothing was armed: press "${RISK_ACK_LABEL}" on the preview to go ahead anyway.`,
      });
      expect((await w.store.get(d.id))?.state).toBe("proposed");

      const armed = text(await automationActions.confirmRisk.run(ctx() as never, { automationId: d.id }));
      expect(armed).toContain(`Armed. Limit buy ${d.id}: buy FRZ with 10 USDC`);
      expect(armed).toContain("Risk acknowledged (freeze authority)");
      const stored = await w.store.get(d.id);
      expect(stored).toMatchObject({ state: "armed", acknowledgedRisk: ["freeze_authority"] });
      // audited as a trade's acknowledgement is: who accepted which flags, on what
      expect(await audit.recent(5, "automation.risk_acknowledged")).toEqual([
        expect.objectContaining({ userId: USER, detail: { automation: d.id, mint: expect.any(String), flags: ["freeze_authority"] } }),
      ]);
      if (target.make) {
        const row = await w.db.db.selectFrom("automations").select("acknowledged_risk").where("id", "=", d.id).executeTakeFirstOrThrow();
        expect(JSON.parse(row.acknowledged_risk!)).toEqual(["freeze_authority"]);
      }
      const list = text(await auto.run(ctx(), auto.args.parse({})));
      expect(list).toContain(`${d.id}`);
      expect(list).toContain("[risk acknowledged: freeze authority]");

      await w.tick("FRZ", 0.95);
      expect(await w.autoOrders()).toHaveLength(0);
      await w.tick("FRZ", 0.89);
      const orders = await w.autoOrders();
      expect(orders).toHaveLength(1);
      expect(orders[0]).toMatchObject({ side: "buy", status: "filled", inAmount: 10_000_000n, output: { symbol: "FRZ" } });
      expect(orders[0]!.risk).toMatchObject({ acknowledged: true, ackRequired: true, flags: [{ code: "freeze_authority" }] });
      expect(w.texts()[0]).toMatch(/Automation filled: limit buy/);
      expect((await w.store.get(d.id))?.state).toBe("done");
    });

    it("warn: a flag that appears after creation, not acknowledged, refuses the firing with the reason and buys nothing", async () => {
      const { w, ctx } = await world();
      const d = await limitBuy(ctx());
      await automationActions.confirmRisk.run(ctx() as never, { automationId: d.id });
      // The issuer takes the mint authority back (or it was never revoked): a red flag the owner never saw.
      const facts = w.sources!.chain.get(MINTS.frozen)!;
      facts.mint = mintFacts(MINTS.frozen, { freezeAuthority: facts.mint.freezeAuthority, mintAuthority: "M1nter1111111111111111111111111111111111111" });
      await w.tick("FRZ", 0.89);
      expect(await w.autoOrders()).toHaveLength(0);
      expect(w.texts()).toHaveLength(1);
      expect(w.texts()[0]).toMatch(/Automation skipped: limit buy/);
      expect(w.texts()[0]).toContain(
        "not traded: FRZ is risky (a new flag you did not acknowledge: mint authority present); automations never buy a flagged token without your acknowledgement",
      );
      expect((await w.store.firingsOf(d.id)).map((f) => f.status)).toEqual(["skipped"]);
    });

    it("warn: when the check could not run, the draft says 'safety unchecked' and needs the acknowledgement", async () => {
      const { w, ctx } = await world();
      w.sources!.set("mintFacts", "fail");
      const d = await limitBuy(ctx());
      expect(d.text).toContain("UNCHECKED safety unchecked (mint and freeze authorities, extensions)");
      expect(d.buttons[0]).toEqual([RISK_ACK_LABEL, "confirmRisk"]);
      await expect(automationActions.confirm.run(ctx() as never, { automationId: d.id })).rejects.toMatchObject({ code: "token_unsafe" });
      await automationActions.confirmRisk.run(ctx() as never, { automationId: d.id });
      expect((await w.store.get(d.id))?.acknowledgedRisk).toEqual([]);
      expect(text(await auto.run(ctx(), auto.args.parse({})))).toContain("[risk acknowledged: safety unchecked]");
    });

    it("a stranger's press neither confirms nor acknowledges the draft", async () => {
      const { w, ctx } = await world();
      const d = await limitBuy(ctx());
      for (const action of [automationActions.confirmRisk, automationActions.confirm]) {
        await expect(action.run(ctx("u2") as never, { automationId: d.id })).rejects.toMatchObject({ code: "automation_unknown" });
      }
      expect((await w.store.get(d.id))?.state).toBe("proposed");
    });

    it("block: the draft is refused with the flags, and nothing is stored", async () => {
      const { w, ctx } = await world({ policy: "block" });
      await expect(limit.run(ctx(), limit.args.parse({ side: "buy", token: "FRZ", amount: "10", price: ["at", "0.9"] }))).rejects.toMatchObject({
        code: "token_unsafe",
        message: "Buying FRZ is blocked on this bot (TOKEN_SAFETY=block):\n- Freeze authority present: the issuer can freeze your tokens so you cannot sell",
      });
      expect(await w.store.byUser(USER, ["proposed", "armed"])).toEqual([]);
    });

    it("an allowlisted token needs no acknowledgement and is not checked", async () => {
      const { w, ctx } = await world({ policy: "block", allow: [MINTS.frozen, USDC.mint] });
      const d = await limitBuy(ctx());
      expect(d.text).not.toContain("Safety of");
      expect(d.buttons).toEqual([
        ["Confirm", "confirm"],
        ["Cancel", "cancel"],
      ]);
      expect(text(await automationActions.confirm.run(ctx() as never, { automationId: d.id }))).toContain("Armed.");
      const stored = await w.store.get(d.id);
      expect(stored?.state).toBe("armed");
      expect(stored?.acknowledgedRisk).toBeUndefined();
      expect(w.sources!.calls).toEqual([]);
    });

    it("a stop that sells a flagged token for USDC needs nothing: the token received is what is judged", async () => {
      const { w, ctx } = await world();
      const [usdc, frz] = await Promise.all([w.tokens.resolve("USDC"), w.tokens.resolve("FRZ")]);
      const bought = await w.trading.preview(USER, { side: "buy", input: usdc, output: frz, amount: { kind: "units", units: 50_000_000n } }, { platform: "console", chatId: "local" });
      expect((await w.trading.confirm(USER, bought.id, { acknowledgeRisk: true })).kind).toBe("filled");
      const c = ctx();
      const r = text(await stop.run(c, stop.args.parse({ token: "FRZ", level: ["at", "0.5"] })));
      expect(r).not.toContain("Safety of");
      expect(c.issued.specs.map((b) => b.action)).toEqual(["confirm", "cancel"]);
      expect(text(await automationActions.confirm.run(ctx() as never, { automationId: draftId(r) }))).toContain("Armed.");
      expect((await w.store.get(draftId(r)))?.acknowledgedRisk).toBeUndefined();
    });
  });
}
