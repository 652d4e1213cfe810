import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import type { InboundMessage, Reply } from "../../core/router/message.js";
import type { Notifier } from "../../core/ports/notifier.port.js";
import type { Responder } from "../../core/router/pipeline.js";
import { renderConsole } from "./render.js";

export interface ConsoleChatOptions {
  input: Readable;
  output: Writable;
  /** A terminal: prompt, colours. Otherwise one message per line in, replies out (scriptable). */
  interactive: boolean;
  handle: (msg: InboundMessage, respond: Responder) => Promise<unknown>;
  user: { id: string; name: string };
  imageDir: string;
  banner?: string;
}

/**
 * The terminal chat: the local operator talks to the same router every platform uses.
 * Buttons appear as numbered choices; images are written to files.
 */
export class ConsoleChat {
  private seq = 0;
  private readonly session = Date.now().toString(36);
  private choices: string[] = [];
  private stopped = false;
  private rl?: ReturnType<typeof createInterface>;

  constructor(private readonly o: ConsoleChatOptions) {}

  private write(s: string) {
    this.o.output.write(s.endsWith("\n") ? s : `${s}\n`);
  }

  async run(): Promise<void> {
    const { interactive } = this.o;
    if (this.o.banner) this.write(this.o.banner);
    const rl = createInterface({ input: this.o.input, terminal: interactive, ...(interactive ? { output: this.o.output } : {}) });
    this.rl = rl;
    if (interactive) {
      rl.setPrompt("you> ");
      rl.prompt();
    }
    for await (const line of rl) {
      if (this.stopped) break;
      const text = line.replace(/\r$/, "");
      if (interactive && /^\s*(\/quit|\/exit)\s*$/i.test(text)) break;
      await this.send(text);
      if (interactive) rl.prompt();
    }
    rl.close();
  }

  /** Pushes (fills, alerts) printed in the terminal. */
  notifier(): Notifier {
    return {
      platform: "console",
      send: async (_chatId, reply) => {
        this.show(reply);
        return { ok: true, messageIds: [`${this.session}-push`] };
      },
    };
  }

  stop(): void {
    this.forget([...this.ephemeral]);
    this.stopped = true;
    this.rl?.close();
  }

  /** Image files of replies meant to disappear (deleteAfterS), removed when their time is up. */
  private readonly ephemeral = new Set<string>();

  private forget(files: string[]): void {
    for (const f of files) {
      this.ephemeral.delete(f);
      rmSync(f, { force: true });
    }
  }

  private async send(text: string): Promise<void> {
    const n = /^\s*(\d{1,2})\s*$/.exec(text);
    const action = n ? this.choices[Number(n[1]) - 1] : undefined;
    const msg: InboundMessage = {
      platform: "console",
      updateId: `${this.session}-${++this.seq}`,
      chat: { id: "console", kind: "private" },
      sender: { id: this.o.user.id, name: this.o.user.name },
      text: action ? "" : text,
      botUsername: "purser",
      sentAt: new Date(),
      ...(action ? { action } : {}),
    };
    try {
      await this.o.handle(msg, async (r) => this.show(r));
    } catch {
      // The router answers its own failures; should one escape, the chat goes on (it is the process).
      this.write("Sorry, that message could not be handled. Try again in a moment.");
    }
  }

  private show(r: Reply): void {
    const stamp = `${this.session}-${this.seq}`;
    const path = (i: number) => join(this.o.imageDir, `purser-${stamp}-${i}.png`);
    const out = renderConsole(r, this.o.interactive, path);
    const written: string[] = [];
    out.images.forEach((img, i) => {
      mkdirSync(this.o.imageDir, { recursive: true });
      // owner-only: an image may carry a secret (a 2FA QR code)
      writeFileSync(path(i), img.png, { mode: 0o600 });
      written.push(path(i));
    });
    // A reply the platforms delete after a while (a 2FA QR code, a key): its image files go too, and at
    // the latest when the chat stops.
    if (r.deleteAfterS !== undefined && written.length) {
      for (const f of written) this.ephemeral.add(f);
      const t = setTimeout(() => this.forget(written), r.deleteAfterS * 1000);
      t.unref();
    }
    if (out.choices.length) this.choices = out.choices;
    this.write(this.o.interactive ? `purser> ${out.text.split("\n").join("\n        ")}` : out.text);
    if (!this.o.interactive) this.write("");
  }
}
