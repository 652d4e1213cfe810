import { describe, expect, it } from "vitest";
import { suggestTokens } from "../../../adapters/discord/autocomplete.js";
import { definitionsHash, slashCommands } from "../../../adapters/discord/commands.js";
import { commands } from "../../../commands/index.js";

const defs = slashCommands(commands, "guild");
const byName = (n: string) => defs.find((d) => d.name === n)!;

describe("slash command definitions from the registry", () => {
  it("one per command name, none for aliases, descriptions within 100 characters", () => {
    expect(defs.map((d) => d.name)).toEqual(commands.map((c) => c.name));
    expect(defs.map((d) => d.name)).not.toContain("p");
    for (const d of defs) {
      expect(d.description.length).toBeGreaterThan(0);
      expect(d.description.length).toBeLessThanOrEqual(100);
      for (const o of d.options) expect(o.description.length).toBeLessThanOrEqual(100);
    }
  });

  it("options follow the positional args: numbers, choices, required-ness and autocomplete", () => {
    expect(byName("buy").options).toEqual([
      { type: 3, name: "token", description: expect.stringMatching(/^Token \(e\.g\. [A-Z]+\)$/), required: true, autocomplete: true },
      { type: 3, name: "amount", description: expect.stringMatching(/^Amount/), required: true },
      { type: 3, name: "pay", description: expect.stringMatching(/^Pay/), autocomplete: true },
    ]);
    expect(byName("trades").options).toEqual([{ type: 4, name: "count", description: expect.any(String), min_value: 1, max_value: 50 }]);
    const alert = byName("alert").options;
    expect(alert.map((o) => o.name)).toEqual(["token", "op", "value", "extra"]);
    expect(alert[1]).toMatchObject({ required: true, choices: [{ name: "above", value: "above" }, { name: "below", value: "below" }, { name: "move", value: "move" }] });
    expect(alert[1]!.autocomplete).toBeUndefined();
    expect(alert[3]).toMatchObject({ type: 3, description: expect.stringContaining("space-separated") });
    expect(alert[3]!.required).toBeUndefined();
    expect(byName("swap").options.filter((o) => o.autocomplete).map((o) => o.name)).toEqual(["from", "to"]);
    expect(byName("whoami").options).toEqual([]);
  });

  it("a decimal number argument becomes a NUMBER option (type 10) with its bounds", async () => {
    const { z } = await import("zod");
    const { defineCommand } = await import("../../../core/router/command.js");
    const { reply } = await import("../../../core/router/reply.js");
    const slip = defineCommand({
      name: "slippage",
      group: "Trading",
      summary: "Set a slippage tolerance",
      usage: "slippage <percent>",
      scope: "public",
      args: z.object({ percent: z.coerce.number().min(0.1).max(5) }),
      positional: ["percent"],
      run: async () => reply().line("ok").build(),
    });
    expect(slashCommands([slip], "guild")[0]!.options).toEqual([
      { type: 10, name: "percent", description: expect.any(String), required: true, min_value: 0.1, max_value: 5 },
    ]);
  });

  it("required options never follow optional ones (Discord refuses that)", () => {
    for (const d of defs) {
      const firstOptional = d.options.findIndex((o) => !o.required);
      if (firstOptional >= 0) expect(d.options.slice(firstOptional).some((o) => o.required)).toBe(false);
    }
  });

  it("admin commands are hidden from members by default; guild definitions carry no contexts", () => {
    expect(byName("audit").default_member_permissions).toBe("0");
    expect(byName("price").default_member_permissions).toBeUndefined();
    expect(byName("price").contexts).toBeUndefined();
    expect(slashCommands(commands, "global").find((d) => d.name === "price")!.contexts).toEqual([0, 1]);
  });

  it("the hash changes when a definition or the application changes, and only then", () => {
    const h = definitionsHash("1", defs);
    expect(definitionsHash("1", slashCommands(commands, "guild"))).toBe(h);
    expect(definitionsHash("2", defs)).not.toBe(h);
    expect(definitionsHash("1", defs.slice(1))).not.toBe(h);
  });
});

describe("token autocomplete", () => {
  it("prefix matches symbols, aliases and names, symbols first, at most 25", () => {
    expect(suggestTokens("token", "s").map((c) => c.value)).toEqual(["SOL"]);
    expect(suggestTokens("token", "bit").map((c) => c.value)).toEqual(["WBTC"]); // alias BITCOIN
    expect(suggestTokens("from", "dog")).toEqual([{ name: "WIF (dogwifhat)", value: "WIF" }]);
    expect(suggestTokens("to", "").length).toBe(11);
    expect(suggestTokens("to", "zzz")).toEqual([]);
    expect(suggestTokens("amount", "s")).toEqual([]); // not a token option
  });

  it("completes the last word of a space-separated list", () => {
    expect(suggestTokens("tokens", "SOL bo").map((c) => c.value)).toEqual(["SOL BONK"]);
    expect(suggestTokens("tokens", "SOL ").length).toBe(11);
  });
});
