import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import alerts from "../../commands/alerts.command.js";
import price from "../../commands/price.command.js";
import unalert from "../../commands/unalert.command.js";
import wallet from "../../commands/wallet.command.js";
import { BUILTIN_TOKENS } from "../../core/domain/builtin-tokens.js";
import type { Token } from "../../core/domain/token.js";
import { UserError } from "../../core/errors.js";
import type { AlertsPort } from "../../core/ports/alerts.port.js";
import type { MarketPort } from "../../core/ports/market.port.js";
import { defineCommand, type CommandContext } from "../../core/router/command.js";
import type { Reply } from "../../core/router/message.js";
import { plainText, reply } from "../../core/router/reply.js";
import { routerFor } from "../helpers/router.js";
import { makeTestApp } from "../helpers/app.js";
import { runCommand } from "../helpers/command-context.js";

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const T0 = Date.UTC(2026, 0, 1);
const unused = (): never => {
  throw new Error("not used by this command");
};
const builtin = (symbol: string): Token => {
  const t = BUILTIN_TOKENS.find((x) => x.symbol === symbol);
  if (!t) throw new Error(`no built-in ${symbol}`);
  return t;
};
const tokens = {
  resolve: async (q: string) => {
    if (q.toUpperCase() === "SOL") return builtin("SOL");
    throw new UserError("unknown_token", `I don't know a token called ${q.toUpperCase()}.`);
  },
};
const market: MarketPort = {
  isReplay: false,
  now: () => T0 + 3_000,
  getPrice: unused,
  getPrices: async (ts) => new Map(ts.map((t) => [t.mint, { mint: t.mint, usd: 147.48, source: "jupiter", at: T0, change24hPct: 1.29 }])),
  history: unused,
};

describe("a command runs on just the ports it declares", () => {
  it("/price answers from a token list and a market, with no app behind them", async () => {
    const one = await runCommand(price, { tokens, market }, { tokens: ["SOL"] });
    expect(plainText(one)).toMatch(/^SOL\s+\$147\.48\s+\+1\.29% 24h\s+\(jupiter, 3 s ago\)$/);
    const two = plainText(await runCommand(price, { tokens, market }, { tokens: ["SOL", "nope"] }));
    expect(two).toContain("NOPE");
    expect(two).toContain("I don't know a token called NOPE.");
  });

  it("/alerts and /unalert run on an alerts port alone", async () => {
    const cancelled: string[] = [];
    const port: AlertsPort = {
      create: unused,
      list: async () => [],
      cancel: async (_u, id) => (cancelled.push(id), id.toLowerCase() === "abc234"),
      cancelAll: async () => 2,
    };
    expect(plainText(await runCommand(alerts, { alerts: port }, {}))).toBe("No alerts. Set one with /alert SOL above 200.");
    expect(plainText(await runCommand(unalert, { alerts: port }, { id: "all" }))).toBe("Removed 2 alerts.");
    expect(plainText(await runCommand(unalert, { alerts: port }, { id: "ABC234" }))).toBe("Alert abc234 removed.");
    expect(plainText(await runCommand(unalert, { alerts: port }, { id: "xyz789" }))).toBe("Alert xyz789 was not active.");
    expect(cancelled).toEqual(["ABC234", "xyz789"]);
  });

  it("/wallet lists wallets from a wallets port and the deployment's trading mode", async () => {
    const info = { tradingMode: "live" as const, version: "0.0.0", explorerTx: (s: string) => `https://explorer/${s}`, walletExportDeleteS: 60 };
    const wallets = { list: async () => [], watch: unused, create: unused, reveal: unused };
    const text = plainText(await runCommand(wallet, { wallets, info }, {}));
    expect(text).toMatch(/Trading\s+LIVE/);
    expect(text).toContain("Add one with /wallet watch <address> or /wallet new.");
  });
});

describe("the router passes a command exactly the ports it declared", () => {
  it("a command sees the ports it names and nothing else; one that names none sees none", async () => {
    const app = await makeTestApp();
    cleanup.push(() => app.close());
    const seen: Record<string, string[]> = {};
    const keys = (name: string, ctx: { services: object }): Promise<Reply> => {
      seen[name] = Object.keys(ctx.services).sort();
      return Promise.resolve(reply().line("ok").build());
    };
    const base = { group: "General" as const, summary: "probe", usage: "probe", scope: "public" as const, args: z.object({}), positional: [] };
    const clocked = defineCommand({
      ...base,
      name: "clocked",
      needs: ["market", "clock"],
      run: async (ctx) => {
        expect(ctx.services.clock).toBe(app.services.clock);
        expect(ctx.services.market).toBe(app.services.market);
        return keys("clocked", ctx);
      },
    });
    const bare = defineCommand({ ...base, name: "bare", run: async (ctx) => keys("bare", ctx) });
    const treasury = defineCommand({ ...base, name: "treas", needs: ["treasury"], run: async (ctx) => keys("treas", ctx) });
    const router = routerFor(app, [clocked, bare, treasury]);
    let n = 0;
    for (const text of ["/clocked", "/bare", "/treas"]) {
      const outcome = await router.handle(
        { platform: "telegram", updateId: `p${++n}`, chat: { id: "5", kind: "private" }, sender: { id: "5", name: "eve" }, text },
        async () => undefined,
      );
      expect(outcome).toBe("replied");
    }
    expect(seen).toEqual({ clocked: ["clock", "market"], bare: [], treas: [] }); // no treasury configured: not there
  });

  it("a port a command did not declare is a type error, in run() and in a shared handler", () => {
    const base = { group: "General" as const, summary: "probe", usage: "probe", scope: "public" as const, args: z.object({}), positional: [] };
    const cmd = defineCommand({
      ...base,
      name: "typed",
      needs: ["clock"],
      run: async (ctx) => {
        // @ts-expect-error market was not declared
        void ctx.services.market;
        return reply().line(String(ctx.services.clock.now())).build();
      },
    });
    const needsTrading = async (ctx: CommandContext<"trading">): Promise<Reply> => reply().line(ctx.services.trading.mode).build();
    const wrong = defineCommand({
      ...base,
      name: "wrong",
      needs: ["clock"],
      // @ts-expect-error a button handler that needs trading does not fit a command that declared only the clock
      actions: { go: { payload: z.object({}), run: needsTrading } },
      run: async () => reply().build(),
    });
    expect([cmd.needs, wrong.needs]).toEqual([["clock"], ["clock"]]);
  });
});
