import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { freePort } from "../helpers/net.js";
import { startPurserProcess } from "../helpers/process.js";

/** A sign-in link as Purser writes it: `${WEB_BASE_URL}/web/login#<token>` or `/web/login?t=<token>`. */
export const LOGIN_LINK = /https?:\/\/[^\s"'<>()]+\/web\/login(?:#|\?t=)[A-Za-z0-9_\-.~%]+/;

export interface PurserWeb {
  dir: string;
  port: number;
  base: string;
  /** Output of the process so far (stdout + stderr), for failure messages. */
  output(): string;
  stop(): Promise<void>;
  exited: Promise<number | null>;
}

export interface ChatPurser extends PurserWeb {
  /** Types a line into the terminal chat; resolves with the first match of `expect` in the output that follows. */
  say(line: string, expect: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** `/web`: the one-time sign-in link from the reply. */
  loginLink(): Promise<string>;
}

const WEB_ENV = { WEB: "on", USER_RATE_LIMIT_PER_MIN: "1000" };

function wrap(dir: string, port: number, p: ReturnType<typeof startPurserProcess>): PurserWeb {
  return {
    dir,
    port,
    base: `http://127.0.0.1:${port}`,
    output: () => `--- stdout\n${p.stdout().slice(-4000)}\n--- stderr\n${p.stderr().slice(-4000)}`,
    exited: p.exited,
    async stop() {
      if (p.child.exitCode !== null || p.child.signalCode !== null) return;
      p.child.kill("SIGTERM");
      await p.exited;
    },
  };
}

/** Purser as a real process with its terminal chat (the local operator is its admin), WEB=on on a free HTTP_PORT. */
export async function startChatPurser(env: Record<string, string> = {}, dir = mkdtempSync(join(tmpdir(), "purser-e2e-"))): Promise<ChatPurser> {
  const port = await freePort();
  const p = startPurserProcess(dir, port, { ...WEB_ENV, ...env }, { chat: true });
  const base = wrap(dir, port, p);
  const stdout = p.child.stdout!;
  const say = (line: string, expect: RegExp, timeoutMs = 60_000) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const from = p.stdout().length;
      const check = () => {
        const m = p.stdout().slice(from).match(expect);
        if (!m) return;
        done();
        resolve(m);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no ${expect} in the chat's answer to ${JSON.stringify(line)} within ${timeoutMs} ms\n${base.output()}`));
      }, timeoutMs);
      const exit = () => {
        done();
        reject(new Error(`Purser exited before answering ${JSON.stringify(line)}\n${base.output()}`));
      };
      const done = () => {
        clearTimeout(timer);
        stdout.off("data", onData);
        p.child.off("exit", exit);
      };
      const onData = () => setImmediate(check); // after the process helper has appended the chunk
      stdout.on("data", onData);
      p.child.once("exit", exit);
      p.child.stdin!.write(`${line}\n`);
    });
  return {
    ...base,
    say,
    async loginLink() {
      return (await say("/web", LOGIN_LINK))[0];
    },
    async stop() {
      // end of input: the chat finishes and Purser shuts down cleanly
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.stdin!.end();
      await p.exited;
    },
  };
}

/** Purser headless (stdin on /dev/null) with WEB=on: a platform process, or the web alone. */
export async function startHeadlessPurser(env: Record<string, string> = {}, dir = mkdtempSync(join(tmpdir(), "purser-e2e-")), opts: { clockOffsetMs?: number } = {}): Promise<PurserWeb> {
  const port = await freePort();
  const nodeArgs = opts.clockOffsetMs ? ["--import", pathToFileURL(join(process.cwd(), "tests/e2e/clock-offset.mjs")).href] : [];
  const p = startPurserProcess(dir, port, { ...WEB_ENV, ...env, ...(opts.clockOffsetMs ? { PURSER_TEST_CLOCK_OFFSET_MS: String(opts.clockOffsetMs) } : {}) }, { nodeArgs });
  return wrap(dir, port, p);
}

export { TREASURY_YAML } from "../helpers/treasury-yaml.js";
