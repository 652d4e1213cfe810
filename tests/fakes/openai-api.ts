import http from "node:http";
import type { AddressInfo } from "node:net";

export interface ChatRequest {
  model: string;
  messages: Array<{ role: string; content: string }>;
  tools?: Array<{ type: string; function: { name: string; parameters: unknown } }>;
  tool_choice?: unknown;
  headers: http.IncomingHttpHeaders;
}

export type FakeAnswer =
  | { tool: string; args: string; finish?: string }
  | { text: string; finish?: string }
  | { tools: Array<{ name: string; args: string }> }
  | { status: number }
  | { delayMs: number; then?: FakeAnswer }
  | { raw: string };

/**
 * A fake OpenAI-compatible chat-completions server on 127.0.0.1: answers are scripted per request
 * (a function of the request, or a queue), usage tokens are reported like the real API.
 */
export async function startOpenAiFake(opts: { promptTokens?: number; completionTokens?: number } = {}) {
  const requests: ChatRequest[] = [];
  const queue: FakeAnswer[] = [];
  let script: ((r: ChatRequest) => FakeAnswer) | undefined;
  const usage = { prompt_tokens: opts.promptTokens ?? 120, completion_tokens: opts.completionTokens ?? 30 };
  const reported = { prompt: 0, completion: 0 };

  const answer = async (res: http.ServerResponse, a: FakeAnswer, model: string): Promise<void> => {
    if ("delayMs" in a) {
      await new Promise((r) => setTimeout(r, a.delayMs));
      return answer(res, a.then ?? { text: "late" }, model);
    }
    if ("status" in a) {
      res.writeHead(a.status, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: "fake failure", type: "server_error" } }));
      return;
    }
    if ("raw" in a) {
      res.writeHead(200, { "content-type": "application/json" }).end(a.raw);
      return;
    }
    const message =
      "tool" in a
        ? { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: a.tool, arguments: a.args } }] }
        : "tools" in a
          ? { role: "assistant", content: null, tool_calls: a.tools.map((t, i) => ({ id: `call_${i}`, type: "function", function: { name: t.name, arguments: t.args } })) }
          : { role: "assistant", content: a.text };
    const finish = "finish" in a && a.finish ? a.finish : "tool" in a || "tools" in a ? "tool_calls" : "stop";
    reported.prompt += usage.prompt_tokens;
    reported.completion += usage.completion_tokens;
    res.writeHead(200, { "content-type": "application/json" }).end(
      JSON.stringify({
        id: "chatcmpl-fake",
        object: "chat.completion",
        created: Math.floor(Date.now() / 1000),
        model,
        choices: [{ index: 0, message, finish_reason: finish }],
        usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
      }),
    );
  };

  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      if (req.method !== "POST" || !req.url?.endsWith("/chat/completions")) {
        res.writeHead(404).end();
        return;
      }
      const parsed = JSON.parse(body) as Omit<ChatRequest, "headers">;
      const r: ChatRequest = { ...parsed, headers: req.headers };
      requests.push(r);
      const a = queue.shift() ?? script?.(r) ?? { text: "ok" };
      void answer(res, a, parsed.model);
    });
  });
  // Idle keep-alive sockets stay open for the test's life: on a busy machine a client reusing one just as a
  // 5 s server timeout closes it gets "fetch failed" (close() still ends idle sockets).
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return {
    url,
    requests,
    reported,
    enqueue: (...a: FakeAnswer[]) => queue.push(...a),
    script: (fn: (r: ChatRequest) => FakeAnswer) => (script = fn),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
export type OpenAiFake = Awaited<ReturnType<typeof startOpenAiFake>>;
