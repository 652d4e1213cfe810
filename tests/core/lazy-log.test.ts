import { Writable } from "node:stream";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { silentLogger, type Logger } from "../../core/ports/logger.port.js";
import { LazyChildLogger } from "../../core/router/lazy-log.js";

describe("request loggers made on first use", () => {
  it("a request that logs nothing makes no child; one that logs writes the fields of pino's own nesting", () => {
    const lines: string[] = [];
    const out = new Writable({ write: (chunk: Buffer, _e, cb) => (lines.push(chunk.toString()), cb()) });
    const base = pino({ base: null, timestamp: false }, out);
    let made = 0;
    const counting: Logger = { ...silentLogger, child: (b) => (made++, base.child(b)) };
    const quiet = new LazyChildLogger(counting, { platform: "telegram", corr: "ab" }).child({ user: "u1" });
    quiet.debug({ x: 1 }, "below the level");
    expect(made).toBe(1); // debug is below info, but the call asked for it: made once
    const silentRequest = new LazyChildLogger(counting, { corr: "cd" }).child({ user: "u2" }).child({ command: "whoami" });
    void silentRequest;
    expect(made).toBe(1);
    new LazyChildLogger(base, { platform: "telegram", corr: "ef" }).child({ user: "u3" }).child({ command: "whoami" }).info({ n: 2 }, "hello");
    base.child({ platform: "telegram", corr: "ef" }).child({ user: "u3" }).child({ command: "whoami" }).info({ n: 2 }, "hello");
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0]!)).toEqual(JSON.parse(lines[1]!));
    expect(JSON.parse(lines[0]!)).toMatchObject({ platform: "telegram", corr: "ef", user: "u3", command: "whoami", n: 2, msg: "hello" });
  });
});
