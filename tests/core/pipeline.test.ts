import { describe, expect, it } from "vitest";
import { silentLogger } from "../../core/ports/logger.port.js";
import { Pipeline, type RouterContext, type Stage } from "../../core/router/pipeline.js";

const ctxOf = (): RouterContext => ({
  msg: { platform: "console", updateId: "1", chat: { id: "c", kind: "private" }, sender: { id: "s", name: "s" }, text: "/x" },
  respond: async () => undefined,
  corr: "c0",
  log: silentLogger,
  startedAt: 0,
  text: "",
  outcome: "ignored",
});

describe("the router's pipeline", () => {
  it("runs the steps in order, each handing the next the context it extended; a step may stop the rest", async () => {
    const seen: string[] = [];
    const a: Stage<RouterContext, RouterContext & { a: number }> = (ctx, next) => (seen.push("a"), next(Object.assign(ctx, { a: 1 })));
    const b: Stage<RouterContext & { a: number }> = async (ctx, next) => {
      seen.push(`b${ctx.a}`);
      await next(ctx);
      seen.push("b after");
    };
    const stop: Stage<RouterContext & { a: number }> = async () => void seen.push("stop");
    const never: Stage<RouterContext & { a: number }> = async () => void seen.push("never");
    await Pipeline.start<RouterContext>().then(a).then(b).then(stop).then(never).build()(ctxOf());
    expect(seen).toEqual(["a", "b1", "stop", "b after"]);
    // built once, run for many messages: each message's context walks the steps afresh
    const run = Pipeline.start<RouterContext>().then(a).then(b).build();
    seen.length = 0;
    await run(ctxOf());
    await run(ctxOf());
    expect(seen).toEqual(["a", "b1", "b after", "a", "b1", "b after"]);
  });

  it("refuses a second call of a step's next, in the middle and at the last step, and runs nothing twice", async () => {
    let ran = 0;
    const counted: Stage<RouterContext> = (ctx, next) => (ran++, next(ctx));
    const twice: Stage<RouterContext> = async (ctx, next) => {
      await next(ctx);
      await next(ctx);
    };
    await expect(Pipeline.start<RouterContext>().then(twice).then(counted).build()(ctxOf())).rejects.toThrow("step 0 called next() twice");
    expect(ran).toBe(1);
    await expect(Pipeline.start<RouterContext>().then(counted).then(twice).build()(ctxOf())).rejects.toThrow("step 1 called next() twice");
    expect(ran).toBe(2);
    // a later step's next called again after the rest ran: refused too
    let kept: ((c: RouterContext) => Promise<void>) | undefined;
    const keeps: Stage<RouterContext> = (ctx, next) => ((kept = next), next(ctx));
    const ctx = ctxOf();
    await Pipeline.start<RouterContext>().then(counted).then(keeps).then(counted).build()(ctx);
    expect(ran).toBe(4);
    await expect(kept!(ctx)).rejects.toThrow("step 1 called next() twice");
    expect(ran).toBe(4);
  });
});
