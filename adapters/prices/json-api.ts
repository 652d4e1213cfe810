import type { z } from "zod";
import { HttpRemoteError, getJson } from "./http.js";
import type { Resilience } from "./resilience.js";

/**
 * One JSON API as a price adapter reaches it: a root (trailing slashes dropped), the headers every
 * request sends, and the resilience pipeline of that source. Errors name the service and the path,
 * never the query or a header.
 */
export class JsonApi {
  private readonly root: string;

  constructor(
    readonly service: string,
    root: string,
    private readonly headers: Readonly<Record<string, string>>,
    readonly resilience: Resilience,
  ) {
    this.root = root.replace(/\/+$/, "");
  }

  /** GET `{root}{path}` with the query `query` fills in, under the resilience policies: the parsed JSON body. */
  get(path: string, query: (params: URLSearchParams) => void): Promise<unknown> {
    const url = new URL(`${this.root}${path}`);
    query(url.searchParams);
    return this.resilience.execute((signal) =>
      getJson(url, { service: this.service, headers: this.headers, timeoutMs: this.resilience.timeoutMs, signal }),
    );
  }

  /** Like `get`, the body read with `schema`: any other shape is a non-retryable "unexpected shape". */
  async getShaped<S extends z.ZodType>(path: string, schema: S, query: (params: URLSearchParams) => void): Promise<z.output<S>> {
    const parsed = schema.safeParse(await this.get(path, query));
    if (!parsed.success) throw this.shapeError(path);
    return parsed.data;
  }

  /** The answer to GET `path` was not what the API documents (`why`, when known): asking again will not help. */
  shapeError(path: string, why?: string): HttpRemoteError {
    const detail = why === undefined ? "" : ` (${why})`;
    return new HttpRemoteError(this.service, `${this.service}: GET ${path} returned an unexpected shape${detail}`, false, 200);
  }
}
