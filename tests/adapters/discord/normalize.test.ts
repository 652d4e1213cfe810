import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { commandText } from "../../../adapters/discord/commands.js";
import { factsFromApi, toInbound, type ApiInteraction } from "../../../adapters/discord/normalize.js";
import { commands } from "../../../commands/index.js";
import { defineCommand } from "../../../core/router/command.js";
import { bindArgs, splitCommand, tokenize } from "../../../core/router/parse.js";
import { textReply } from "../../../core/router/reply.js";

/** Discord's documented example of a slash command with one option (unchanged). */
const fixture = JSON.parse(
  readFileSync(new URL("./fixtures/interaction_slash_command_with_options.discord-docs.json", import.meta.url), "utf8"),
) as ApiInteraction;

const cardsearch = defineCommand({
  name: "cardsearch",
  group: "General",
  summary: "Find a card",
  usage: "cardsearch <cardname>",
  scope: "public",
  args: z.object({ cardname: z.string() }),
  positional: ["cardname"],
  run: async () => textReply("ok"),
});

const cmd = (name: string) => commands.find((c) => c.name === name)!;

/** What the router would bind from the rebuilt text. */
const bound = (text: string, name: string) => {
  const p = splitCommand(text);
  if (p.kind !== "command") throw new Error("not a command");
  return bindArgs(cmd(name), tokenize(p.argText));
};

describe("Discord interaction -> InboundMessage", () => {
  it("normalises the official slash-command payload: guild channel, member user, quoted option", () => {
    const msg = toInbound(factsFromApi(fixture), cardsearch, "Purser")!;
    expect(msg).toMatchObject({
      platform: "discord",
      updateId: "786008729715212338",
      chat: { id: "645027906669510667", kind: "group" },
      sender: { id: "53908232506183680", name: "Mason", isBot: false },
      text: '/cardsearch "The Gitrog Monster"',
      botUsername: "Purser",
      directed: true, // Discord sends the interaction to this application alone: the command is ours
    });
    expect(msg.action).toBeUndefined();
    expect(msg.sentAt?.toISOString()).toBe("2020-12-08T23:18:04.500Z"); // from the snowflake
    const parsed = splitCommand(msg.text);
    expect(parsed).toMatchObject({ kind: "command", name: "cardsearch" });
    expect(tokenize((parsed as { argText: string }).argText)).toEqual(["The Gitrog Monster"]);
  });

  it("a DM is a private chat whose id is the user's (pushes reach the same person); global_name wins", () => {
    const dm: ApiInteraction = {
      id: "1200000000000000001",
      type: 2,
      token: "t",
      application_id: "42",
      channel: { id: "1300000000000000001", type: 1 },
      channel_id: "1300000000000000001",
      user: { id: "77777777777777777", username: "ann", global_name: "Ann A." },
      data: { name: "whoami", type: 1 },
    };
    const msg = toInbound(factsFromApi(dm), cmd("whoami"))!;
    expect(msg.chat).toEqual({ id: "77777777777777777", kind: "private" });
    expect(msg.sender.name).toBe("Ann A.");
    expect(msg.text).toBe("/whoami");
  });

  it("a button press carries its custom_id as the action token and the message it was on", () => {
    const press: ApiInteraction = {
      ...fixture,
      id: "1200000000000000002",
      type: 3,
      data: { custom_id: "a1.opaque", component_type: 2 },
      message: { id: "1200000000000000000", flags: 64 },
    };
    const f = factsFromApi(press);
    expect(f).toMatchObject({ kind: "button", customId: "a1.opaque", messageEphemeral: true });
    expect(toInbound(f, undefined)).toMatchObject({ text: "", action: "a1.opaque", replyTo: "1200000000000000000", chat: { kind: "group" } });
  });

  it("PING and autocomplete are not routed", () => {
    expect(toInbound(factsFromApi({ id: "1", type: 1, token: "t" }), undefined)).toBeUndefined();
    expect(toInbound(factsFromApi({ ...fixture, type: 4 }), cardsearch)).toBeUndefined();
  });

  it("options are rebuilt in positional order, whatever order Discord sends them in", () => {
    const text = commandText("swap", cmd("swap"), [
      { name: "to", value: "JUP" },
      { name: "amount", value: "10%" },
      { name: "from", value: "SOL" },
    ]);
    expect(text).toBe("/swap 10% SOL JUP");
    expect(bound(text, "swap")).toEqual({ amount: "10%", from: "SOL", to: "JUP" });
  });

  it("a variadic option is split into words; numbers are passed as typed; quotes survive", () => {
    expect(bound(commandText("price", cmd("price"), [{ name: "tokens", value: "SOL  JUP BONK" }]), "price")).toEqual({ tokens: ["SOL", "JUP", "BONK"] });
    expect(commandText("audit", cmd("audit"), [{ name: "count", value: 5 }])).toBe("/audit 5");
    expect(commandText("start", cmd("start"), [{ name: "payload", value: 'say "hi" there' }])).toBe("/start 'say \"hi\" there'");
    expect(bound(commandText("start", cmd("start"), [{ name: "payload", value: 'say "hi" there' }]), "start")).toEqual({ payload: 'say "hi" there' });
  });

  it("a skipped option before a given one is filled with its default so positions stay right", () => {
    const text = commandText("wallet", cmd("wallet"), [{ name: "address", value: "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM" }]);
    expect(text).toBe("/wallet list 9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM");
    expect(commandText("buy", cmd("buy"), [{ name: "token", value: "SOL" }, { name: "amount", value: "10" }])).toBe("/buy SOL 10");
  });
});
