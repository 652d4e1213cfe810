import { describe, expect, it } from "vitest";
import { InteractionFlow, type FlowOptions, type InteractionTransport } from "../../../adapters/discord/flow.js";
import type { RenderedMessage } from "../../../adapters/discord/render.js";
import type { Reply } from "../../../core/domain/message.js";
import { silentLogger } from "../../../core/ports/logger.port.js";
import { reply, textReply } from "../../../core/router/reply.js";

const text = (m: RenderedMessage) => m.content ?? m.embeds.map((e) => e.description ?? e.fields?.map((f) => f.name).join(",")).join("|");

/** Records what would have been sent to Discord, in order. */
class Recorder implements InteractionTransport {
  readonly log: string[] = [];
  async reply(m: RenderedMessage, eph: boolean) {
    this.log.push(`reply${eph ? "/ephemeral" : ""}: ${text(m)}`);
  }
  async update(m: RenderedMessage) {
    this.log.push(`update: ${text(m)}`);
  }
  async defer(eph: boolean) {
    this.log.push(`defer${eph ? "/ephemeral" : ""}`);
  }
  async editOriginal(m: RenderedMessage) {
    this.log.push(`edit: ${text(m)}`);
  }
  async deleteOriginal() {
    this.log.push("delete @original");
  }
  async followUp(m: RenderedMessage, eph: boolean) {
    this.log.push(`followUp${eph ? "/ephemeral" : ""}: ${text(m)}`);
    return `f${this.log.length}`;
  }
  async deleteMessage(id: string) {
    this.log.push(`delete ${id}`);
  }
}

const later: Array<{ ms: number; fn: () => void }> = [];
function flow(o: Partial<FlowOptions> = {}) {
  const t = new Recorder();
  const f = new InteractionFlow(t, {
    isButton: false,
    inGuild: true,
    originalEphemeral: false,
    ephemeralDefer: false,
    deferAfterMs: 20,
    log: silentLogger,
    later: (ms, fn) => later.push({ ms, fn }),
    ...o,
  });
  f.start();
  return { t, f };
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const priv = (s: string): Reply => ({ ...textReply(s), private: true });

describe("answering an interaction within Discord's 3 s", () => {
  it("a fast answer is a direct reply; private answers and errors are ephemeral", async () => {
    const a = flow();
    await a.f.respond(textReply("hello"));
    await a.f.finish("replied");
    const b = flow();
    await b.f.respond(priv("secret"));
    const c = flow();
    await c.f.respond(textReply("Usage: /price <token>", "error"), { code: "bad_args" });
    await sleep(40); // the defer timer was disarmed by the answers
    expect([a.t.log, b.t.log, c.t.log]).toEqual([["reply: hello"], ["reply/ephemeral: secret"], ["reply/ephemeral: Usage: /price <token>"]]);
  });

  it("a slow answer is deferred (ephemerally for private commands), then the deferred reply is edited", async () => {
    const pub = flow();
    const secret = flow({ ephemeralDefer: true });
    await sleep(50);
    await pub.f.respond(textReply("late"));
    await secret.f.respond(priv("late secret"));
    expect(pub.t.log).toEqual(["defer", "edit: late"]);
    expect(secret.t.log).toEqual(["defer/ephemeral", "edit: late secret"]);
  });

  it("a private answer after a public defer replaces the placeholder with an ephemeral follow-up", async () => {
    const { t, f } = flow();
    await sleep(50);
    await f.respond(priv("balance 5 SOL"));
    expect(t.log).toEqual(["defer", "delete @original", "followUp/ephemeral: balance 5 SOL"]);
  });

  it("a deferral nobody answered is removed, unless the interaction was a duplicate", async () => {
    const ignored = flow();
    const dup = flow();
    await sleep(50);
    await ignored.f.finish("ignored");
    await dup.f.finish("duplicate");
    expect(ignored.t.log).toEqual(["defer", "delete @original"]);
    expect(dup.t.log).toEqual(["defer"]);
  });

  it("a button result that edits the original updates it, unless that would show private data in public", async () => {
    const pub = flow({ isButton: true });
    await pub.f.respond(reply().line("MOON $0.25").edit().build());
    const leak = flow({ isButton: true });
    await leak.f.respond(reply().line("Filled").private_().edit().build());
    const inEphemeral = flow({ isButton: true, originalEphemeral: true });
    await inEphemeral.f.respond(reply().line("Filled").private_().edit().build());
    expect([pub.t.log, leak.t.log, inEphemeral.t.log]).toEqual([["update: MOON $0.25"], ["reply/ephemeral: Filled"], ["update: Filled"]]);
  });

  it("a refused button press gets one ephemeral line", async () => {
    const { t, f } = flow({ isButton: true });
    await f.respond(textReply("This is not your button.", "error"), { code: "not_your_button" });
    expect(t.log).toEqual(["reply/ephemeral: This is not your button."]);
  });

  it("a reply longer than one message continues in follow-ups; deleteAfterS removes what was sent", async () => {
    later.length = 0;
    const { t, f } = flow();
    const rows: Array<[string, string]> = Array.from({ length: 60 }, (_, i) => [`k${i}`, "v".repeat(200)]);
    await f.respond({ ...reply().table(rows).build(), private: true, deleteAfterS: 60 });
    expect(t.log[0]).toMatch(/^reply\/ephemeral: /);
    expect(t.log.slice(1).every((l) => l.startsWith("followUp/ephemeral: "))).toBe(true);
    expect(t.log.length).toBeGreaterThan(1);
    expect(later.map((l) => l.ms)).toEqual([60_000]);
    const sent = t.log.length;
    later[0]!.fn();
    await sleep(5);
    expect(t.log.slice(sent)).toEqual(["delete @original", ...t.log.slice(1, sent).map((_, i) => `delete f${i + 2}`)]);
  });
});
